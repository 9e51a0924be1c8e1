"""Files: whole-or-nothing writes, and strict, bounded reads of the files users give dosecalc.

Every file dosecalc writes goes to a temporary file in the same folder that is renamed over the target
at the end, so it is written whole or not at all. Every file it reads is UTF-8 text (a byte-order mark is
accepted), read only up to a size bound.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

from .errors import DoseCalcError, quote

#: Largest answers file read (a sheet has at most 500 problems; real files are a few kilobytes).
MAX_ANSWERS_BYTES = 1024 * 1024


def check_target(path: Path, field: str) -> Path:
    """Refuse, before any work, a file that could not be written: its folder missing, or a folder given.
    Returns the folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DoseCalcError(f"folder {quote(str(folder))} does not exist; create it first", field=field)
    if path.is_dir():
        raise DoseCalcError(f"{quote(str(path))} is a folder; give a file name", field=field)
    return folder


def check_targets(targets: dict[str, Path | None]) -> None:
    """Every output file a command was given (parameter -> path), checked before any work; two parameters
    naming the same file are refused, since one would overwrite the other."""
    seen: dict[Path, str] = {}
    for field, path in targets.items():
        if path is None:
            continue
        check_target(path, field)
        key = path.resolve()
        if key in seen:
            raise DoseCalcError(f"is the same file as the {seen[key]} file; give each its own", field=field)
        seen[key] = field


@contextmanager
def atomic_writer(path: Path, binary: bool = False, *, field: str = "output") -> Iterator[IO[Any]]:
    """A text file that appears at ``path`` only when the ``with`` block ends without an error: written to
    a temporary file in the same folder, then renamed over ``path``. On any error nothing is left behind."""
    folder = check_target(path, field)
    try:
        options: dict[str, Any] = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed by hand
            dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False, **options
        )
    except OSError as error:
        raise DoseCalcError(f"cannot write in {folder} ({error.strerror})", field=field) from None
    try:
        umask = os.umask(0)  # a temporary file is private; the finished file gets the usual permissions
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException as error:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DoseCalcError(f"cannot write {path} ({error.strerror})", field=field) from None
        raise


@contextmanager
def background_writes(handle: IO[str]) -> Iterator[Callable[[str], None]]:
    """A ``write`` function that hands each piece of text to a thread, so that a large output is written
    to the file while the next piece is being computed. Pieces are written in order; an error in the
    thread is raised here when the block ends."""
    import queue
    import threading

    pieces: queue.Queue[str | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def drain() -> None:
        while (piece := pieces.get()) is not None:
            if not failure:
                try:
                    handle.write(piece)
                except BaseException as error:  # reported by the caller's thread below
                    failure.append(error)

    thread = threading.Thread(target=drain, name="dosecalc-writer", daemon=True)
    thread.start()

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


def write_atomic(path: Path, content: str | bytes, *, field: str = "output") -> None:
    """Write ``content`` (text, or bytes such as a PNG) to ``path`` whole or not at all; a mistake in the path
    is reported against ``field`` (the parameter that named the file)."""
    with atomic_writer(path, binary=isinstance(content, bytes), field=field) as handle:
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


def read_text(path: str | Path, field: str, limit: int = MAX_ANSWERS_BYTES) -> str:
    """The whole text of a small user file (``-`` is standard input): strict UTF-8, a byte-order mark
    dropped, at most ``limit`` bytes; anything else is :class:`DoseCalcError` against ``field``."""
    try:
        if str(path) == "-":
            stdin = sys.stdin  # a text stream without a buffer (in tests) is read to the same bound
            data = stdin.buffer.read(limit + 1) if hasattr(stdin, "buffer") else stdin.read(limit + 1).encode()
        else:
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
    except OSError as error:
        raise DoseCalcError(f"cannot read {path} ({error.strerror or error})", field=field) from None
    if len(data) > limit:
        raise DoseCalcError(f"is larger than {limit // 1024} KiB", field=field)
    check_utf8(io.BytesIO(data), field, kind="file")  # names the line and the byte
    return data.decode("utf-8-sig")


def check_suffix(path: Path, suffixes: tuple[str, ...], field: str) -> str:
    """The suffix of ``path`` (lower case) when it is one of ``suffixes``; otherwise a refusal naming ``field``."""
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise DoseCalcError(f"{quote(str(path))} should end in {' or '.join(suffixes)}", field=field)
    return suffix


def chart_format(path: Path, field: str) -> str:
    """``png`` or ``svg``, from a chart file's name; anything else is refused against ``field``."""
    from .render.charts import CHART_FORMATS

    return check_suffix(path, tuple(f".{fmt}" for fmt in CHART_FORMATS), field).lstrip(".")
