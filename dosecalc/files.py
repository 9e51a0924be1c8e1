"""Files: whole-or-nothing writes, and strict, bounded reads of the files users give dosecalc.

Every file dosecalc writes goes to a temporary file in the same folder that is renamed over the target
at the end, so it is written whole or not at all. Every file it reads is UTF-8 text (a byte-order mark is
accepted), read only up to a size bound.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

from .errors import CardError, DoseCalcError, printable, quote

#: Largest answers file read (a sheet has at most 500 problems; real files are a few kilobytes).
MAX_ANSWERS_BYTES = 1024 * 1024


#: Outputs written in place rather than replaced by a new file: standard output and error by name, and
#: /dev/null (replacing them, as root, would put a regular file where the device or link was).
_IN_PLACE = re.compile(r"/dev/(?:stdout|stderr|null|fd/[0-9]+)|/proc/self/fd/[0-9]+")


def in_place(path: Path) -> bool:
    """Whether ``path`` names standard output, standard error or /dev/null, which are written in place."""
    return _IN_PLACE.fullmatch(str(path)) is not None


def check_target(path: Path, field: str) -> Path:
    """Refuse, before any work, a file that could not be written: its folder missing, a folder given, or an
    existing target that is not a regular file (a device node, a FIFO), which would be replaced by a regular
    file. Returns the folder."""
    if in_place(path):
        return path.parent
    folder = path.parent if str(path.parent) else Path(".")
    shown = quote(path_text(path))
    if not folder.is_dir():
        raise DoseCalcError(f"folder {quote(path_text(folder))} does not exist; create it first", field=field)
    try:
        mode = path.stat().st_mode
    except OSError:  # not there yet (or a dangling link): a new file
        return folder
    if stat.S_ISDIR(mode):
        raise DoseCalcError(f"{shown} is a folder; give a file name", field=field)
    if not stat.S_ISREG(mode):
        raise DoseCalcError(f"{shown} is not a regular file (a device or a pipe); give a file name", field=field)
    return folder


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet
        return one.resolve() == other.resolve()


def check_targets(targets: dict[str, Path | None], inputs: dict[str, str | Path | None] | None = None) -> None:
    """Every output file a command was given (parameter -> path), checked before any work: each writable
    (:func:`check_target`), no two naming the same file (one would overwrite the other), and none naming an
    input (``inputs``, parameter -> path), which would be replaced by what is computed from it."""
    seen: list[tuple[Path, str]] = []
    sources = [(Path(path), field) for field, path in (inputs or {}).items() if path is not None and str(path) != "-"]
    for field, path in targets.items():
        if path is None:
            continue
        check_target(path, field)
        if in_place(path):
            continue
        for source, source_field in sources:
            if _same_file(path, source):
                raise DoseCalcError(f"is the {source_field} file; write the output to another file", field=field)
        for other, other_field in seen:
            if _same_file(path, other):
                raise DoseCalcError(f"is the same file as the {other_field} file; give each its own", field=field)
        seen.append((path, field))


class _WholeWrites:
    """Writes that go in whole or fail: a large write to a file can be cut short (at ``ulimit -f``, or by a
    disk filling up) and Python's buffered file then returns the short count without an error, which a text
    file ignores; here every write is repeated until all of it is written, so the next one reports the error."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw

    def write(self, data: str | bytes) -> int:
        write_fully(self.raw, data.encode("utf-8") if isinstance(data, str) else data)
        return len(data)


def write_fully(stream: IO[bytes], data: bytes) -> None:
    """All of ``data`` to a binary ``stream``, or ``OSError``."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if not written:
            raise OSError(errno.EIO, "nothing could be written")
        view = view[written:]


@contextmanager
def atomic_writer(
    path: Path, binary: bool = False, *, field: str = "output", mode: int | None = None, replace: bool = True
) -> Iterator[Any]:
    """A file (``write`` takes text, as UTF-8, or bytes) that appears at ``path`` only when the ``with``
    block ends without an error: written to a temporary file in the same folder, then renamed over ``path``.
    On any error (a signal included) nothing is left behind. An existing file keeps its permissions; a new
    one gets the usual ones (the umask's), or ``mode`` when given (then for an existing file too, and the file
    is private from its first byte). Standard output named as a file (``/dev/stdout``) is written in place,
    but not a file given a ``mode``. Without ``replace``, an existing file is kept and the write refused."""
    folder = check_target(path, field)
    if mode is not None and in_place(path):
        raise DoseCalcError(f"{path_text(path)}: expected a file to write", field=field)
    if in_place(path):
        try:
            with open(path, "ab") as device:
                yield _WholeWrites(device)
        except OSError as error:
            raise DoseCalcError(f"cannot write {path_text(path)} ({error.strerror})", field=field) from None
        return
    target = Path(os.path.realpath(path))  # through a link to the file it names, which keeps the link
    exists = f"{path_text(path)} exists already and is kept; give --force to replace it"
    if not replace and os.path.lexists(path):
        raise DoseCalcError(exists, field=field)
    if mode is None:
        mode = _kept_mode(target)
    temporary: str | None = None
    try:
        with _temporary_file(target, mode, folder=folder, field=field) as handle:
            temporary = handle.name
            yield _WholeWrites(handle)
        if replace:
            os.replace(handle.name, target)
        else:
            try:
                os.link(handle.name, path)  # fails, rather than replace, when a file appeared meanwhile
            except FileExistsError:
                raise DoseCalcError(exists, field=field) from None
            Path(handle.name).unlink()
    except BaseException as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DoseCalcError(f"cannot write {path_text(path)} ({error.strerror})", field=field) from None
        raise


@contextmanager
def _temporary_file(target: Path, mode: int, *, folder: Path, field: str) -> Iterator[IO[bytes]]:
    """A new temporary file beside ``target`` (``.name.XXXX.tmp``) with the permissions ``mode``, for the
    ``with`` block to write; flushed and synced to disk when the block ends, removed when it fails. The caller
    renames it (its name is the handle's ``name``) or removes it. When no file can be made, a
    :class:`DoseCalcError` says that ``folder`` cannot be written in; any other ``OSError`` is the caller's
    to word, as the same message covers the rename that follows.

    The file's name is chosen before the file is made (as :mod:`tempfile` does, but by this function), so that
    a stopping signal that comes the moment it exists, before anything holds it, still has it removed."""
    while True:
        name = str(target.parent / f".{target.name}.{os.urandom(8).hex()}.tmp")
        try:
            descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:  # another file has the name: choose again (never remove what is not ours)
            continue
        except OSError as error:
            raise DoseCalcError(f"cannot write in {path_text(folder)} ({error.strerror})", field=field) from None
        except BaseException:  # stopped as the file was made
            Path(name).unlink(missing_ok=True)
            raise
        break
    try:
        raw = io.FileIO(descriptor, "wb")
        raw.name = name  # the handle names its file, as tempfile's does: the callers rename it by this name
        with io.BufferedWriter(raw) as handle:
            os.chmod(name, mode)  # a temporary file starts private
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _kept_mode(target: Path) -> int:
    """The permissions a file written to ``target`` gets: an existing file's own, else the umask's."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _stem_and_ending(path: Path, suffix: str) -> tuple[str, str]:
    name = path.name
    ending = f".{suffix}"
    if name.lower().endswith(ending.lower()) and len(name) > len(ending):
        return name[: -len(ending)], name[-len(ending) :]
    return name[: len(name) - len(path.suffix)], path.suffix


def numbered(path: Path, count: int, suffix: str) -> list[Path]:
    """The names of ``count`` files that share what ``path`` names: ``path`` itself for one; for several,
    a number before the format's ``suffix`` (``quiz.xml`` -> ``quiz-1.xml``, ``quiz.gift.txt`` ->
    ``quiz-1.gift.txt``; another suffix, the last one: ``quiz.moodle`` -> ``quiz-1.moodle``), zero-padded
    to the same width (``quiz-01.xml`` to ``quiz-12.xml``), so that they list in order."""
    if count == 1:
        return [path]
    stem, ending = _stem_and_ending(path, suffix)
    width = len(str(count))
    return [path.with_name(f"{stem}-{number:0{width}d}{ending}") for number in range(1, count + 1)]


def other_parts(path: Path, suffix: str, written: list[Path]) -> list[Path]:
    """Files beside ``path`` named as :func:`numbered` names parts (``quiz-9.xml``) that are not among
    ``written``: parts of an earlier export, which importing "all the parts" would bring in too."""
    stem, ending = _stem_and_ending(path, suffix)
    pattern = re.compile(re.escape(stem) + r"-[0-9]+" + re.escape(ending))
    kept = {p.name for p in written}
    folder = path.parent
    try:
        names = sorted(entry.name for entry in os.scandir(folder) if pattern.fullmatch(entry.name))
    except OSError:
        return []
    return [folder / name for name in names if name not in kept]


def write_all_atomic(files: list[tuple[Path, bytes]], *, field: str = "output") -> None:
    """Write every file whole, or none of them: each is checked (:func:`check_target`), written to a
    temporary file in its folder and synced, and only when all are written are they renamed over their
    targets. On any error (a full disk, a signal) the temporary files are removed; a rename that fails part
    way removes the files already renamed, so no mixture of this write and an earlier one is left. Each file
    keeps an existing file's permissions. Standard output and devices are refused: these are files."""
    for path, _ in files:
        if in_place(path):
            raise DoseCalcError(f"{path_text(path)}: expected a file to write, not standard output", field=field)
        check_target(path, field)
    temporary: list[tuple[str, Path]] = []
    renamed: list[Path] = []
    current = files[0][0] if files else Path()
    try:
        for current, content in files:
            target = Path(os.path.realpath(current))
            with _temporary_file(target, _kept_mode(target), folder=target.parent, field=field) as handle:
                temporary.append((handle.name, target))
                write_fully(handle, content)
        for index, (name, target) in enumerate(temporary):
            current = files[index][0]  # named in the message, should the rename fail
            os.replace(name, target)
            renamed.append(target)
    except BaseException as error:
        for name, _ in temporary:
            Path(name).unlink(missing_ok=True)
        for target in renamed:
            target.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DoseCalcError(f"cannot write {path_text(current)} ({error.strerror})", field=field) from None
        raise


@contextmanager
def background_writes(handle: Any) -> Iterator[Callable[[str], object]]:
    """A ``write`` function that hands each piece of text to a thread, so that a large output is written
    to the file while the next piece is being computed. Pieces are written in order; an error in the
    thread is raised here when the block ends. Where no thread can be started (a small ``ulimit -v``), each
    piece is written at once instead."""
    import queue
    import threading

    put: Callable[[str], object] = write_stdout if handle is sys.stdout else handle.write
    pieces: queue.Queue[str | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def drain() -> None:
        while (piece := pieces.get()) is not None:
            if not failure:
                try:
                    put(piece)
                except BaseException as error:  # reported by the caller's thread below
                    failure.append(error)

    thread = threading.Thread(target=drain, name="dosecalc-writer", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # "can't start new thread": memory is short, so write in this thread
        yield put
        return

    def write(piece: str) -> None:
        if failure:
            raise failure[0]
        pieces.put(piece)

    try:
        yield write
    finally:
        pieces.put(None)
        thread.join()
    if failure:
        raise failure[0]


def write_stdout(text: str) -> None:
    """``text`` to standard output, all of it, flushed: a failed write (a full disk, ``ulimit -f``, an I/O
    error) is :class:`DoseCalcError`, printed as one line; a closed pipe (``| head``) stays
    ``BrokenPipeError``, which ends the command quietly."""
    stream = sys.stdout
    try:
        stream.flush()  # what print() has left in the text layer goes first
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a test's captured output
            stream.write(text)
        else:
            write_fully(buffer, text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
            buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise stdout_failed(error) from None


def flush_stdout() -> None:
    """Flush standard output at the end of a command, with the errors of :func:`write_stdout`."""
    write_stdout("")


def stdout_failed(error: OSError) -> DoseCalcError:
    """The one-line report of a failed write to standard output. Standard output is pointed at
    ``/dev/null`` first, so that what is still buffered cannot fail again when Python exits."""
    drop_stdout()
    return DoseCalcError(f"cannot write to standard output ({error.strerror or error})")


class _WholeRaw(io.RawIOBase):
    """A file descriptor whose every write goes in whole or raises: the next ``os.write`` after a short one
    reports the error (``EFBIG``, ``ENOSPC``) that Python's buffered writer would otherwise drop."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        total = len(view)
        while view:
            view = view[os.write(self.fd, view) :]
        return total

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)


def whole_stdout() -> None:
    """Put a stream over standard output's descriptor whose writes are whole (:class:`_WholeRaw`), so that
    everything printed (tables, help, the version) reports a full disk or ``ulimit -f`` instead of being cut
    short without a word. Keeps the encoding and error handling; does nothing without a descriptor."""
    old = sys.stdout
    try:
        fd = old.fileno()
        old.flush()
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_WholeRaw(fd)),
        encoding=old.encoding,
        errors=old.errors,
        line_buffering=bool(getattr(old, "line_buffering", False)),
    )


def drop_stdout() -> None:
    """Point standard output's file descriptor at ``/dev/null`` (after a failed write or a closed pipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):  # no file descriptor (a test's captured output)
        pass


def write_atomic(
    path: Path, content: str | bytes, *, field: str = "output", mode: int | None = None, replace: bool = True
) -> None:
    """Write ``content`` (text, or bytes such as a PNG) to ``path`` whole or not at all; a mistake in the path
    is reported against ``field`` (the parameter that named the file). ``mode`` and ``replace``: as for
    :func:`atomic_writer`."""
    with atomic_writer(path, binary=isinstance(content, bytes), field=field, mode=mode, replace=replace) as handle:
        handle.write(content)


def check_utf8(source: BinaryIO, field: str, block_size: int = 1 << 20, kind: str = "CSV") -> None:
    """Raise :class:`DoseCalcError` naming the first line that is not UTF-8 text, reading ``source`` (a
    binary file) in blocks. A file given by name is checked before any row is written, so that a late
    bad byte cannot leave standard output with half a cohort."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0  # newlines in the blocks already decoded
    while True:
        block = source.read(block_size)
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            # error.object is the block with, in front, the bytes of a character cut by the previous block's
            # end; those hold no newline, so the line counts the newlines before and in the block.
            data = error.object
            line = lines_before + data.count(b"\n", 0, error.start) + 1
            raise DoseCalcError(
                f"is not UTF-8 text (line {line} has the byte {data[error.start]:#04x}); save the {kind} as UTF-8",
                field=field,
            ) from None
        if not block:
            return
        lines_before += block.count(b"\n")


def path_text(path: str | Path) -> str:
    """A file name as text that can be printed or put in JSON: bytes that are not UTF-8 (kept by Python as
    lone surrogates) shown as ``\\xff`` escapes, control characters as ``\\u001b``."""
    return printable(os.fsencode(path).decode("utf-8", "backslashreplace"))


def ascii_slug(name: str | None, limit: int) -> str:
    """A name made safe for a file name: its ASCII letters and digits (accents dropped under NFKD: Zoë -> Zoe),
    each run of anything else one hyphen, none at the ends, at most ``limit`` characters; case is kept (a caller
    that wants lower case lowers the result). "" for no name or nothing left of it, so that no name makes a path
    (``/``, ``..``), a hidden file or a device name."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:limit].strip("-")


def open_user_file(path: str | Path, field: str, *, regular: bool = False) -> BinaryIO:
    """A file a user named, open for reading as bytes (``-`` is standard input), or :class:`DoseCalcError`.

    It is opened without waiting (a FIFO with no writer would otherwise hang the command), then refused if
    it is a folder or a device such as ``/dev/zero`` (a terminal is allowed); with ``regular`` anything but
    a regular file is refused (a card must be one). Pipes, such as ``<(zcat p.csv.gz)``, are read as usual.
    """
    if str(path) == "-":
        return stdin_bytes()
    shown = path_text(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise DoseCalcError(f"cannot read {shown} ({error.strerror or error})", field=field) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise DoseCalcError("is a folder; give a file", field=field)
        if not stat.S_ISREG(mode) and (regular or not (stat.S_ISFIFO(mode) or os.isatty(fd))):
            raise DoseCalcError("is not a regular file (it is a device, a pipe or a socket)", field=field)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def stdin_bytes() -> BinaryIO:
    """Standard input as bytes, whatever the locale: its text stream would decode it leniently (Python's UTF-8
    mode, on by default in the C and POSIX locales, keeps bad bytes as surrogates), so dosecalc decodes it
    itself, strictly. A text stream without a buffer (in tests) is read as UTF-8 bytes."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    return io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))


def read_bytes(path: str | Path, field: str, limit: int, *, regular: bool = False) -> bytes:
    """The bytes of a small user file (``-`` is standard input), at most ``limit`` of them: a larger file,
    or an endless one such as ``/dev/zero`` behind a pipe, is refused after ``limit + 1`` bytes."""
    handle = open_user_file(path, field, regular=regular)
    try:
        data = handle.read(limit + 1)
    except OSError as error:
        raise DoseCalcError(f"cannot read {path_text(path)} ({error.strerror or error})", field=field) from None
    finally:
        if handle is not getattr(sys.stdin, "buffer", None):
            handle.close()
    if len(data) > limit:
        raise DoseCalcError(f"is larger than {limit // 1024:,} KiB", field=field)
    return data


def decode(data: bytes, field: str, kind: str = "file") -> str:
    """``data`` as strict UTF-8 text, a byte-order mark dropped; anything else is :class:`DoseCalcError`
    naming the line and the byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        check_utf8(io.BytesIO(data), field, kind=kind)
        raise  # check_utf8 raises first; said for the type checker


def read_text(
    path: str | Path, field: str, limit: int = MAX_ANSWERS_BYTES, *, kind: str = "file", regular: bool = False
) -> str:
    """The whole text of a small user file (``-`` is standard input): strict UTF-8, a byte-order mark
    dropped, at most ``limit`` bytes, never a folder or a device (with ``regular``, only a regular file);
    anything else is :class:`DoseCalcError` against ``field``. The one reader of answers files and cards."""
    return decode(read_bytes(path, field, limit, regular=regular), field, kind)


#: Longest line read from a stream (standard input, a pipe): a line this long is not a row of a table, and an
#: endless stream without line ends (``cat /dev/zero``) is stopped here rather than exhausting memory.
MAX_LINE = 1 << 20


def text_lines(source: BinaryIO, field: str, *, bounded: bool = True) -> Iterator[str]:
    """The lines of ``source`` (bytes) as strict UTF-8 text, a byte-order mark dropped, line ends kept as
    they are (for the csv module); with ``bounded`` a line longer than :data:`MAX_LINE` characters is
    :class:`DoseCalcError`. A byte that is not UTF-8 raises ``UnicodeDecodeError`` where it is met. The
    caller closes ``source``."""
    text = io.TextIOWrapper(source, encoding="utf-8-sig", errors="strict", newline="")
    return _bounded_lines(text, field) if bounded else text


def _bounded_lines(text: io.TextIOWrapper, field: str) -> Iterator[str]:
    readline = text.readline
    number = 0
    try:
        while line := readline(MAX_LINE):
            number += 1
            if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
                raise DoseCalcError(
                    f"line {number:,} is longer than {MAX_LINE:,} characters; expected a CSV file", field=field
                )
            yield line
    finally:
        with contextlib.suppress(ValueError):  # already closed, at the interpreter's exit
            text.detach()  # standard input stays open


#: Deepest nesting of arrays and tables in a user's TOML file (cards and profiles nest two or three deep);
#: deeper TOML would exhaust the parser's recursion.
MAX_TOML_DEPTH = 32


def parse_toml(text: str, field: str) -> dict[str, Any]:
    """The data of a user's TOML text (a card, a conventions profile), or :class:`DoseCalcError` against
    ``field``: invalid TOML, nesting past :data:`MAX_TOML_DEPTH` (checked before parsing), or an integer
    past Python's 4,300 digits."""
    import tomllib

    if _toml_depth(text) > MAX_TOML_DEPTH:
        raise DoseCalcError(
            f"nests arrays or tables more than {MAX_TOML_DEPTH} deep; expected a short TOML file", field=field
        )
    if _dotted_depth(text) > MAX_TOML_DEPTH:  # tomllib takes time quadratic in a dotted key's parts
        raise DoseCalcError(
            f"has a dotted key of more than {MAX_TOML_DEPTH} parts; expected a short TOML file", field=field
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DoseCalcError(f"is not valid TOML ({error})", field=field) from None
    except RecursionError:  # nesting that the count missed (brackets inside quoted text)
        raise DoseCalcError("nests arrays or tables too deep; expected a short TOML file", field=field) from None
    except ValueError:  # an integer past Python's 4,300 digits, say
        raise DoseCalcError("holds a number too long to read; expected a short TOML file", field=field) from None


def _toml_depth(text: str) -> int:
    """An upper bound on how deep ``text`` nests TOML arrays and inline tables: brackets and braces opened
    and not yet closed, outside comments (quoted text may over-count; under-counting is caught as a
    RecursionError)."""
    if text.count("[") + text.count("{") <= MAX_TOML_DEPTH:
        return 0
    depth = deepest = 0
    for line in text.splitlines():
        for ch in line.split("#", 1)[0] if '"' not in line and "'" not in line else line:
            if ch in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif ch in "]}":
                depth = max(depth - 1, 0)
    return deepest


def _dotted_depth(text: str) -> int:
    """An upper bound on the parts of the longest dotted key (``a.b.c = 1``, ``[a.b.c]``): the dots outside
    quotes before a line's ``=``, or in a table header. Checked before parsing, in time linear in the text."""
    if text.count(".") < MAX_TOML_DEPTH:
        return 0
    deepest = 0
    for line in text.splitlines():
        stripped = line.lstrip()
        key = stripped if stripped.startswith("[") else stripped.split("=", 1)[0] if "=" in stripped else ""
        dots, quote = 0, ""
        for ch in key:
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "\"'":
                quote = ch
            elif ch == ".":
                dots += 1
            elif ch in "]#":
                break
        deepest = max(deepest, dots + 1)
    return deepest


#: Largest card file read (regimen, drug and model cards); real cards are a few kilobytes.
MAX_CARD_BYTES = 256 * 1024


def read_toml(path: Path) -> dict[str, Any]:
    """A card file's TOML data, or :class:`CardError` saying why the file cannot be read: only a regular
    file, strict UTF-8, at most :data:`MAX_CARD_BYTES`, nested at most :data:`MAX_TOML_DEPTH` deep, no
    number past Python's digit limit."""
    try:
        return parse_toml(read_text(path, "card", MAX_CARD_BYTES, kind="card", regular=True), "card")
    except DoseCalcError as error:
        raise CardError(f"{path_text(path)}: {error.problem}") from None


def not_utf8() -> DoseCalcError:
    """The refusal of a patients stream that turns out not to be UTF-8 part way (a file given by name is
    checked before it is read; a pipe or standard input cannot be)."""
    return DoseCalcError("is not UTF-8 text; save the CSV as UTF-8", field="patients")


def check_suffix(path: Path, suffixes: tuple[str, ...], field: str) -> str:
    """The suffix of ``path`` (lower case) when it is one of ``suffixes``; otherwise a refusal naming ``field``."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise DoseCalcError(f"{quote(str(path))} should end in {' or '.join(suffixes)}", field=field)
    return suffix


def chart_format(path: Path, field: str) -> str:
    """``png`` or ``svg``, from a chart file's name; anything else is refused against ``field``."""
    from .formats import CHART_FORMATS

    return check_suffix(path, tuple(f".{fmt}" for fmt in CHART_FORMATS), field).lstrip(".")


def read_csv_rows(source: str | Path, field: str) -> list[list[str]]:
    """The rows of a CSV file or standard input, read strictly (UTF-8, bounded) and in one piece."""
    text = read_text(source, field)
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DoseCalcError(f"is not CSV this can read ({error})", field=field) from None
