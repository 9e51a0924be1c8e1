"""Hostile and careless input, failing writes, signals and what reaches terminals and spreadsheets.

One section per kind of failure; each case has a readable id. Cases that need a real process (signals,
full disks, resource limits, FIFOs, locales) run ``python -m dosecalc`` in a subprocess; the others run
in-process through the same entry point.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.cells import safe_cell
from dosecalc.errors import CardError, DoseCalcError, printable
from dosecalc.regimens import load_card
from dosecalc.units import whole_number
from dosecalc.wording.numbers import number, significant

from .helpers import BUILTIN_IDS, GOOD, run

DOSECALC = [sys.executable, "-m", "dosecalc"]
CARD = Path(__file__).resolve().parent.parent / "regimens" / "1-rate-22-mg-h.toml"


def dosecalc(
    *args: str | Path,
    stdin: bytes | int | None = None,
    env: dict[str, str] | None = None,
    limit: Callable[[], None] | None = None,
    stdout: int | None = subprocess.PIPE,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """``dosecalc ARGS`` in a new process; ``stdin`` bytes or a file descriptor, ``limit`` run in the child."""
    return subprocess.run(
        [*DOSECALC, *map(str, args)],
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=stdin if isinstance(stdin, int) else None,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        preexec_fn=limit,
        cwd=cwd,
        timeout=timeout,
    )


def one_error_line(stderr: bytes | str, starts: str = "error: ") -> str:
    """The one line of stderr that reports the problem: no traceback, exactly one line starting 'error:'."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, text
    assert errors[0].startswith(starts), text
    return errors[0]


def card_text(**fields: str) -> str:
    """The valid teacher's card with some fields replaced (values given as TOML)."""
    lines = [line for line in GOOD.splitlines() if line.split(" = ")[0] not in fields]
    head = [f"{key} = {value}" for key, value in fields.items()]
    return "\n".join(head + lines) + "\n"


def card_folder_with(tmp_path: Path, text: str, name: str = "card.toml") -> Path:
    folder = tmp_path / "cards"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------ misread values: repeated options


@pytest.mark.parametrize(
    "args",
    [
        ["table", "-w70kg", "-w80kg"],
        ["table", "--weight=70kg", "--weight=80kg"],
        ["table", "--weight", "70kg", "--weight", "80kg"],
        ["table", "-w", "70kg", "--weight=80kg"],
        ["table", "--weight", "70 kg", "-w80kg"],
        ["table", "-w70kg", "-c2mg/mL", "-c3mg/mL"],
        ["table", "-fcsv", "--format=json"],
        ["schedule", "rate-22-mg-h", "--step=15min", "--step", "30 min"],
        ["cohort", "-", "-o", "a.csv", "--output=b.csv"],
        ["exercises", "-n5", "-n", "6"],
        ["check", "-", "--seed=1", "--seed", "2"],
    ],
    ids=[
        "glued-short-twice",
        "long-with-equals-twice",
        "long-spaced-twice",
        "short-then-long-equals",
        "long-then-glued-short",
        "concentration-glued-twice",
        "format-glued-then-equals",
        "schedule-step-mixed",
        "cohort-output-short-then-long",
        "exercises-count-glued-then-spaced",
        "check-seed-equals-then-spaced",
    ],
)
def test_a_single_value_option_given_twice_is_refused_however_spelled(args: list[str]) -> None:
    result = run(*args, stdin="")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "is given more than once; give it once" in one_error_line(result.stderr), result.output


@pytest.mark.parametrize(
    "args",
    [["table", "-r", "rate-22-mg-h", "-rrate-0.35-mg-kg-h", "-w70kg"], ["table", "--no-cap", "--no-cap"]],
    ids=["repeatable-regimen", "flag-twice"],
)
def test_repeatable_options_and_flags_may_be_repeated(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------------ misread values: strict UTF-8


LATIN1_LATE = b"id,weight\np1,70 kg\np2,80 kg\np\xe93,90 kg\n"
BOM_COHORT = b"\xef\xbb\xbfid,weight\np1,70 kg\n"


@pytest.mark.parametrize("locale", ["C", "POSIX", "C.UTF-8"], ids=["C-locale", "POSIX-locale", "C.UTF-8-locale"])
@pytest.mark.parametrize("output", [False, True], ids=["to-stdout", "to-output-file"])
def test_a_latin1_byte_on_stdin_is_refused_in_any_locale(tmp_path: Path, locale: str, output: bool) -> None:
    target = tmp_path / "out.csv"
    args = ["cohort", "-", *(["-o", target] if output else [])]
    done = dosecalc(*args, stdin=LATIN1_LATE, env={"LC_ALL": locale, "LANG": locale, "PYTHONUTF8": ""})
    assert done.returncode == 2, done.stderr
    assert "is not UTF-8 text" in one_error_line(done.stderr)
    assert b"\xe9" not in done.stdout and b"\\udce9" not in done.stdout
    assert not target.exists()


def test_a_latin1_answer_on_stdin_is_refused_in_the_c_locale() -> None:
    done = dosecalc("check", "-", stdin=b"problem,answer\n1,8\xe9\n", env={"LC_ALL": "C"})
    assert done.returncode == 2, done.stderr
    assert "is not UTF-8 text" in one_error_line(done.stderr)


@pytest.mark.parametrize(
    ("command", "data"),
    [(["cohort"], BOM_COHORT), (["check", "--seed", "3"], b"\xef\xbb\xbfproblem,answer\n1,88\n")],
    ids=["cohort", "check"],
)
def test_a_byte_order_mark_is_accepted_alike_on_stdin_and_in_a_file(
    tmp_path: Path, command: list[str], data: bytes
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    from_file = dosecalc(*command, path)
    from_stdin = dosecalc(*command, "-", stdin=data)
    assert from_file.returncode == from_stdin.returncode == 0, (from_file.stderr, from_stdin.stderr)
    assert b"error:" not in from_file.stderr + from_stdin.stderr
    assert from_file.stdout == from_stdin.stdout


# ------------------------------------------------------------------------ one line, exit 2: numbers


@pytest.mark.parametrize(
    "answer",
    ["1e30", "1" * 29, "9" * 5000, "1e308", "1e309", "0." + "0" * 60 + "1"],
    ids=["1e30", "29-digits", "5000-digits", "1e308", "1e309-infinite", "tiny"],
)
def test_a_huge_or_long_answer_is_one_line_or_marked(tmp_path: Path, answer: str) -> None:
    path = tmp_path / "answers.csv"
    path.write_text(f"problem,answer\n1,{answer}\n", encoding="utf-8")
    result = run("check", str(path), "--seed", "3")
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        one_error_line(result.stderr, "error: ANSWERS.csv: ")
    else:
        assert result.exit_code in (0, 1), result.output  # marked (1: unreadable answers said so)
        assert "\n0/" in result.stdout, result.stdout  # and not counted right


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1e30, "1,000,000,000,000,000,000,000,000,000,000"), (1.5e20, "150,000,000,000,000,000,000"), (0.05, "0.1")],
    ids=["1e30", "1.5e20", "half-up"],
)
def test_display_rounding_shows_any_finite_figure(value: float, shown: str) -> None:
    assert number(value, 1) == shown
    assert significant(value).replace(",", "").startswith(shown.replace(",", "")[:2])


@pytest.mark.parametrize(
    ("text", "ok"),
    [("12", True), ("0012", True), ("1" * 19, False), ("9" * 5000, False), ("-1", False), ("١٢", False)],
    ids=["plain", "leading-zeros", "19-digits", "5000-digits", "negative", "arabic-indic-digits"],
)
def test_whole_number_is_bounded_before_it_is_converted(text: str, ok: bool) -> None:
    if ok:
        assert whole_number(text, "n", 1, 10**6) == 12
    else:
        with pytest.raises(DoseCalcError, match="is not a whole number from 1 to"):
            whole_number(text, "n", 1, 10**6)


@pytest.mark.parametrize(
    "fields",
    [{"sessions": "9" * 5000}, {"sessions": "1" + "0" * 4400}, {"id": '"' + "a" * 5000 + '"'}],
    ids=["sessions-5000-digits", "sessions-4401-digits", "id-5000-letters"],
)
def test_a_card_with_a_huge_value_is_one_line(tmp_path: Path, fields: dict[str, str]) -> None:
    folder = card_folder_with(tmp_path, card_text(**fields))
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2, result.output
    assert "card.toml" in one_error_line(result.stderr)


# ------------------------------------------------------------------------ one line, exit 2: files


def test_a_cohort_cell_past_the_csv_field_limit_is_one_refused_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f'id,weight\np1,70 kg\np2,"{"x" * 200_000}"\np3,80 kg\n', encoding="utf-8")
    result = run("cohort", str(path), "--regimen", "rate-22-mg-h")
    assert result.exit_code == 1, result.output
    ids = [row["id"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert ids == ["p1", "p3"]
    assert "row 3" in one_error_line(result.stderr) and "longer than 131,072 characters" in result.stderr


def test_an_answers_cell_past_the_csv_field_limit_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"problem,answer\n1,{'9' * 200_000}\n", encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2, result.output
    one_error_line(result.stderr, "error: ANSWERS.csv: ")


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 50_000, "a = " + "{a=" * 50_000, "a = " + '["]", ' * 3000, "[[a]]\n" * 2 + "b = " + "[" * 40],
    ids=["50000-brackets", "50000-inline-tables", "brackets-inside-strings", "41-brackets"],
)
def test_deeply_nested_toml_is_one_line(tmp_path: Path, text: str) -> None:
    folder = card_folder_with(tmp_path, text)
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "card.toml" in line and ("deep" in line or "is not valid TOML" in line), line


def _zero_link(tmp_path: Path, name: str) -> Path:
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    return link


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    "case",
    ["cohort-dev-zero", "cohort-link-to-dev-zero", "answers-dev-zero", "answers-link", "card-link-in-folder"],
)
def test_dev_zero_is_refused_in_bounded_time_and_memory(tmp_path: Path, case: str) -> None:
    if case == "cohort-dev-zero":
        args: list[str | Path] = ["cohort", "/dev/zero"]
    elif case == "cohort-link-to-dev-zero":
        args = ["cohort", _zero_link(tmp_path, "p.csv")]
    elif case == "answers-dev-zero":
        args = ["check", "/dev/zero"]
    elif case == "answers-link":
        args = ["check", _zero_link(tmp_path, "a.csv")]
    else:
        folder = tmp_path / "cards"
        folder.mkdir()
        _zero_link(folder, "zero.toml")
        args = ["regimens", "--regimens-dir", folder]
    limit_memory = _limit(resource.RLIMIT_AS, 600 * 2**20)
    done = dosecalc(*args, limit=limit_memory, timeout=30)
    assert done.returncode == 2, done.stderr
    one_error_line(done.stderr)


def test_zero_bytes_on_stdin_stop_at_the_line_bound() -> None:
    with open("/dev/zero", "rb") as zero:
        done = dosecalc("cohort", "-", stdin=zero.fileno(), limit=_limit(resource.RLIMIT_AS, 600 * 2**20))
    assert done.returncode == 2, done.stderr
    assert "is longer than 1,048,576 characters" in one_error_line(done.stderr)


@pytest.mark.parametrize("where", ["in-cards-folder", "as-cohort", "as-answers"])
def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path, where: str) -> None:
    if where == "in-cards-folder":
        folder = card_folder_with(tmp_path, GOOD)
        os.mkfifo(folder / "pipe.toml")
        args: list[str | Path] = ["table", "--regimens-dir", folder]
    else:
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        args = ["cohort", fifo] if where == "as-cohort" else ["check", fifo]
    done = dosecalc(*args, timeout=30)
    assert done.returncode == 2, done.stderr
    one_error_line(done.stderr)


def test_a_pipe_such_as_process_substitution_is_still_read() -> None:
    read, write = os.pipe()  # what the shell's <(zcat p.csv.gz) hands over: /dev/fd/N, a pipe
    os.write(write, b"id,weight\np1,70 kg\np2,154 lb\n")
    os.close(write)
    try:
        done = subprocess.run(
            [*DOSECALC, "cohort", f"/dev/fd/{read}", "-r", "rate-22-mg-h"],
            capture_output=True,
            pass_fds=(read,),
            timeout=60,
        )
    finally:
        os.close(read)
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in csv.DictReader(io.StringIO(done.stdout.decode()))] == ["p1", "p2"]


# ------------------------------------------------------------------------ text never read as markup


@pytest.mark.parametrize(
    "title", ["Dose [/i] here", "[high dose] rate", "[bold red]loud[/]", "[link=http://x]x[/link]"]
)
@pytest.mark.parametrize("command", ["regimens", "show", "table"])
def test_card_text_is_never_read_as_rich_markup(tmp_path: Path, title: str, command: str) -> None:
    folder = card_folder_with(tmp_path, card_text(title=json.dumps(title)))
    # the listing holds the teacher's card alone (--no-builtin): beside the seven built-in cards its Title
    # column is so narrow that a folded title interleaves with the other columns' text
    listing = ["regimens", "--no-builtin"]
    args = {"regimens": listing, "show": ["show", "teach-1-mg-kg-1-h"], "table": ["schedule", "teach-1-mg-kg-1-h"]}
    result = run(*args[command], "--regimens-dir", str(folder))
    assert result.exit_code == 0, result.output
    if command == "regimens":  # the table folds long titles: compare without the frame and spaces
        flat = "".join(ch for ch in result.stdout if ch not in " │\n")
        assert title.replace(" ", "") in flat, result.stdout
    else:
        assert title in result.stdout, result.stdout


# ------------------------------------------------------------------------ paths that are not UTF-8


def test_a_folder_name_that_is_not_utf8_is_escaped_in_json_and_show(tmp_path: Path) -> None:
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/c\xff\xfe"))
    folder.mkdir()
    (folder / "mine.toml").write_text(GOOD, encoding="utf-8")
    for fmt in ("json", "csv", "markdown", "table"):
        done = dosecalc("regimens", "--regimens-dir", folder, "--format", fmt)
        assert done.returncode == 0, done.stderr
        done.stdout.decode("utf-8")  # strict: no stray bytes
    document = json.loads(dosecalc("regimens", "--regimens-dir", folder, "--format", "json").stdout)
    assert any(card["file"].endswith("c\\xff\\xfe/mine.toml") for card in document["regimens"])
    shown = dosecalc("show", "teach-1-mg-kg-1-h", "--regimens-dir", folder)
    assert shown.returncode == 0 and b"c\\xff\\xfe/mine.toml" in shown.stdout


# ------------------------------------------------------------------------ writes that fail


def _limit(kind: int, size: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(kind, (size, size))

    return apply


FULL_DISK_COMMANDS = {
    "table": ["table"],
    "table-csv": ["table", "-f", "csv"],
    "regimens": ["regimens"],
    "show": ["show", "rate-22-mg-h"],
    "schedule": ["schedule", "rate-22-mg-h"],
    "simulate": ["simulate", "rate-22-mg-h", "-f", "csv"],
    "exercises": ["exercises", "-n", "50"],
    "check": ["check", "-", "--seed", "1"],
    "cohort": ["cohort", "-"],
    "version": ["--version"],
    "help": ["table", "--help"],
}
COHORT_TEXT = b"id,weight\n" + b"".join(b"p%d,%d kg\n" % (i, 40 + i % 80) for i in range(20_000))


def _stdin_for(args: list[str]) -> bytes | None:
    if args[0] == "cohort":
        return COHORT_TEXT
    if args[0] == "check":
        return b"problem,answer\n1,1\n"
    return None


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("name", list(FULL_DISK_COMMANDS))
def test_a_full_disk_on_stdout_is_one_line_and_exit_2(name: str) -> None:
    args = FULL_DISK_COMMANDS[name]
    with open("/dev/full", "wb") as full:
        done = dosecalc(*args, stdin=_stdin_for(args), stdout=full.fileno())
    assert done.returncode == 2, done.stderr
    assert "cannot write to standard output (No space left on device)" in one_error_line(done.stderr)


@pytest.mark.parametrize("name", ["table-csv", "exercises", "cohort", "help"])
def test_stdout_past_ulimit_f_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    args = FULL_DISK_COMMANDS[name]
    with open(tmp_path / "out", "wb") as out:
        done = dosecalc(*args, stdin=_stdin_for(args), stdout=out.fileno(), limit=_limit(resource.RLIMIT_FSIZE, 1000))
    assert done.returncode == 2, done.stderr
    assert "File too large" in one_error_line(done.stderr)


@pytest.mark.parametrize(
    "args",
    [["exercises", "-n", "200"], ["cohort", "-"], ["table", "-f", "csv"], ["simulate", "rate-22-mg-h", "-f", "json"]],
    ids=["exercises", "cohort", "table", "simulate"],
)
def test_an_output_file_past_ulimit_f_is_not_left_behind(tmp_path: Path, args: list[str]) -> None:
    done = dosecalc(
        *args, "-o", "out.txt", stdin=_stdin_for(args), cwd=tmp_path, limit=_limit(resource.RLIMIT_FSIZE, 1000)
    )
    assert done.returncode == 2, done.stderr
    assert "--output: cannot write out.txt (File too large)" in one_error_line(done.stderr)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["cohort", "exercises", "table-csv"])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, name: str) -> None:
    args = FULL_DISK_COMMANDS[name] if name != "exercises" else ["exercises", "-n", "500"]
    source = tmp_path / "in.csv"
    source.write_bytes(COHORT_TEXT * 5 if name == "cohort" else b"")
    with open(source, "rb") as stdin:
        process = subprocess.Popen([*DOSECALC, *args], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # the reader goes away, as 'head' does
        stderr = process.stderr.read()
        code = process.wait(timeout=60)
    assert code in (0, 1), stderr
    assert b"Traceback" not in stderr and b"error:" not in stderr, stderr


# Below about 120 MB on the machine this was written on, numpy's OpenBLAS could not take its buffer at import
# and ended the process itself (exit 1, its own message); the limits below cover that range and the ranges
# where dosecalc's own work runs out of memory, or finishes.
@pytest.mark.parametrize("megabytes", [40, 80, 100, 110, 116, 120, 140, 160, 200, 300])
def test_a_small_ulimit_v_ends_with_one_line_and_no_partial_file(tmp_path: Path, megabytes: int) -> None:
    patients = tmp_path / "p.csv"
    patients.write_bytes(
        b"id,weight\n" + b"".join(b"p%d,%d.%d kg\n" % (i, 40 + i % 80, i % 10) for i in range(200_000))
    )
    done = dosecalc(
        "cohort", patients, "-o", "out.csv", cwd=tmp_path, limit=_limit(resource.RLIMIT_AS, megabytes * 2**20)
    )
    left = sorted(path.name for path in tmp_path.iterdir())
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and "OpenBLAS" not in stderr and "thread" not in stderr, stderr
    if done.returncode == 2:
        assert "ran out of memory" in one_error_line(done.stderr), stderr
        assert left == ["p.csv"], left
    else:
        assert done.returncode == 0, stderr
        assert left == ["out.csv", "p.csv"], left
        # a header, then a row per patient and built-in card
        assert (tmp_path / "out.csv").read_bytes().count(b"\n") == 1 + len(BUILTIN_IDS) * 200_000


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_midway_through_a_cohort_leaves_no_temporary_file(tmp_path: Path, signum: int) -> None:
    patients = tmp_path / "p.csv"
    patients.write_bytes(
        b"id,weight\n" + b"".join(b"p%d,%d.%d kg\n" % (i, 40 + i % 80, i % 10) for i in range(2_000_000))
    )
    process = subprocess.Popen(
        [*DOSECALC, "cohort", "p.csv", "-o", "out.csv"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.csv.") for p in tmp_path.iterdir()):  # wait until it is writing
        assert time.monotonic() < deadline and process.poll() is None, "the cohort never started writing"
        time.sleep(0.02)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert f"stopped by {signal.Signals(signum).name}" in one_error_line(stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


# ------------------------------------------------------------------------ files written rightly


def _patients(tmp_path: Path, text: str = "id,weight\np1,70 kg\np2,7O kg\n") -> Path:
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "same.csv", "--errors", "same.csv"], "--errors: is the same file as the output file"),
        (["-o", "p.csv"], "--output: is the patients file"),
        (["--errors", "p.csv"], "--errors: is the patients file"),
        (["--errors", "folder"], "--errors: 'folder' is a folder"),
        (["-o", "folder"], "--output: 'folder' is a folder"),
        (["-o", "nowhere/out.csv"], "--output: folder 'nowhere' does not exist"),
        (["-o", "out.csv", "--errors", "nowhere/e.csv"], "--errors: folder 'nowhere' does not exist"),
        (["-o", "./sub/../same.csv", "--errors", "same.csv"], "--errors: is the same file as the output file"),
    ],
    ids=[
        "output-and-errors-same",
        "output-is-the-input",
        "errors-is-the-input",
        "errors-is-a-folder",
        "output-is-a-folder",
        "output-folder-missing",
        "errors-folder-missing-found-before-output",
        "same-file-by-another-path",
    ],
)
def test_cohort_output_paths_are_checked_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    _patients(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    before = (tmp_path / "p.csv").read_bytes()
    result = run("cohort", "p.csv", *extra)
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result.stderr), result.output
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "p.csv", "sub"]
    assert (tmp_path / "p.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("rows", "code"),
    [("p1,7O kg\np2,0 kg\n", 2), ("p1,70 kg\np2,0 kg\n", 1)],
    ids=["every-row-refused", "some-refused"],
)
def test_errors_file_is_written_in_every_outcome(tmp_path: Path, rows: str, code: int) -> None:
    patients = _patients(tmp_path, "id,weight\n" + rows)
    errors = tmp_path / "errors.csv"
    result = run("cohort", str(patients), "--errors", str(errors), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == code, result.output
    refused = list(csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8"))))
    assert [row["row"] for row in refused] == (["2", "3"] if code == 2 else ["3"])
    assert (tmp_path / "out.csv").exists() == (code == 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--plot", "x.svg", "-o", "x.svg"], "--output: is the same file as the plot file"),
        (["--plot", "nowhere/x.png"], "--plot: folder 'nowhere' does not exist"),
        (["--plot", "nowhere/x.png", "-o", "out.csv"], "--plot: folder 'nowhere' does not exist"),
        (["--plot", "folder"], "--plot: 'folder' is a folder"),
    ],
    ids=["plot-and-output-same", "plot-folder-missing", "plot-folder-missing-with-output", "plot-is-a-folder"],
)
def test_chart_paths_are_reported_against_the_right_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    (tmp_path / "folder").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("simulate", "rate-22-mg-h", *extra)
    assert result.exit_code == 2, result.output
    assert message in one_error_line(result.stderr), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("device", [(1, 7), (1, 3)], ids=["copy-of-dev-full", "copy-of-dev-null"])
def test_an_output_onto_a_device_node_is_refused_and_the_node_kept(tmp_path: Path, device: tuple[int, int]) -> None:
    node = tmp_path / "node"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(*device))
    result = run("table", "-f", "csv", "-o", str(node))
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in one_error_line(result.stderr)
    assert stat.S_ISCHR(node.stat().st_mode)


def test_a_fifo_as_output_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = run("table", "-o", str(fifo))
    assert result.exit_code == 2, result.output
    assert "is not a regular file" in one_error_line(result.stderr)
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_dev_stdout_as_output_is_written_in_place() -> None:
    done = dosecalc("table", "-f", "csv", "-o", "/dev/stdout", "-r", "rate-22-mg-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"regimen,weight_kg,")


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444 | 0o200], ids=["0600", "0640", "0644"])
def test_replacing_a_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(mode)
    result = run("table", "-f", "csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text(encoding="utf-8").startswith("regimen,")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], ids=["022", "077", "002"])
def test_a_new_file_gets_the_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        result = run("table", "-f", "csv", "-o", str(tmp_path / "new.csv"))
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o666 & ~umask


def test_writing_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert run("table", "-f", "csv", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("regimen,")


# ------------------------------------------------------------------------ spreadsheet formulas


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        ("-0.25", "-0.25"),
        ("p1", "p1"),
        ("", ""),
        ("a=b", "a=b"),
    ],
    ids=[
        "equals-hyperlink",
        "plus-dde",
        "minus-expression",
        "at-sum",
        "tab",
        "carriage-return",
        "negative-number",
        "signed-exponent-number",
        "negative-decimal",
        "plain",
        "empty",
        "equals-inside",
    ],
)
def test_safe_cell_neutralises_formulas_but_not_numbers(cell: str, written: str) -> None:
    assert safe_cell(cell) == written


FORMULA_IDS = ['=HYPERLINK("http://x")', "+cmd|calc", "@SUM(1)", "-1+1"]


def _cohort_with_formulas(tmp_path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([["id", "weight", "name"], *([i, f"{70 + n} kg", f"{i}x"] for n, i in enumerate(FORMULA_IDS))])
    return _patients(tmp_path, buffer.getvalue() + "-5,80 kg,-3\n")


@pytest.mark.parametrize("raw", [False, True], ids=["neutralised", "raw-csv"])
def test_cohort_csv_neutralises_ids_and_kept_cells(tmp_path: Path, raw: bool) -> None:
    patients = _cohort_with_formulas(tmp_path)
    result = run("cohort", str(patients), "-r", "rate-22-mg-h", "--keep", "name", *(["--raw-csv"] if raw else []))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = [*FORMULA_IDS, "-5"]
    assert [row["id"] for row in rows] == (expected if raw else [safe_cell(i) for i in expected])
    assert rows[-1]["id"] == "-5" and rows[-1]["name"] == "-3"  # numbers stay numbers
    if not raw:
        assert all(not row["id"].startswith(("=", "+", "@")) for row in rows)
        assert rows[0]["name"] == "'" + FORMULA_IDS[0] + "x"


def test_errors_csv_neutralises_given_text(tmp_path: Path) -> None:
    patients = _patients(tmp_path, 'id,weight\n=1+1,"=2+2"\n')
    errors = tmp_path / "e.csv"
    run("cohort", str(patients), "--errors", str(errors))
    (row,) = csv.DictReader(io.StringIO(errors.read_text(encoding="utf-8")))
    assert row["id"] == "'=1+1" and row["given"] == "'=2+2"


@pytest.mark.parametrize("fmt_args", [["regimens", "-f", "csv"], ["table", "-f", "csv"]], ids=["regimens", "table"])
@pytest.mark.parametrize("raw", [False, True], ids=["neutralised", "raw-csv"])
def test_card_text_in_csv_is_neutralised(tmp_path: Path, fmt_args: list[str], raw: bool) -> None:
    text = card_text(title='"=HYPERLINK(\\"http://x\\")"', indication='"@SUM(1)"', notes='["+cmd|calc"]')
    folder = card_folder_with(tmp_path, text)
    result = run(*fmt_args, "--regimens-dir", str(folder), "--no-builtin", *(["--raw-csv"] if raw else []))
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    cells = [value for value in row.values() if value]
    risky = [cell for cell in cells if cell[:1] in "=+@"]
    assert bool(risky) == raw, cells
    if not raw:
        assert any(cell.startswith("'=HYPERLINK") or cell.startswith("'+cmd") for cell in cells), cells


# ------------------------------------------------------------------------ terminals: control characters


@pytest.mark.parametrize(
    "field",
    ["title", "indication", "notes", "sources-citation"],
)
@pytest.mark.parametrize("char", ["\x1b", "\x07", "\r", "\x9b", "\x00"], ids=["ESC", "BEL", "CR", "CSI-C1", "NUL"])
def test_a_control_character_in_card_text_is_refused_at_load(tmp_path: Path, field: str, char: str) -> None:
    value = json.dumps(f"ok{char}]0;title")
    if field == "notes":
        text = card_text(notes=f"[{value}]")
    elif field == "sources-citation":
        text = GOOD.replace('citation = "Course handout"', f"citation = {value}")
    else:
        text = card_text(**{field: value})
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CardError, match=f"holds the control character U\\+{ord(char):04X}"):
        load_card(path)
    result = run("show", "teach-1-mg-kg-1-h", "--regimens-dir", str(tmp_path))
    assert result.exit_code == 2
    assert char not in result.stderr and char not in result.stdout


def test_a_file_name_with_esc_and_newline_cannot_forge_an_error_line(tmp_path: Path) -> None:
    name = tmp_path / "x\x1b]0;owned\x07\nerror: all is well.csv"
    result = run("cohort", str(name))
    assert result.exit_code == 2
    line = one_error_line(result.stderr, "error: PATIENTS: cannot read")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\u001b" in line and "\\u000a" in line


def test_a_folder_name_with_controls_is_escaped_in_card_errors(tmp_path: Path) -> None:
    folder = tmp_path / "c\x1b[2J\nerror: fine"
    folder.mkdir()
    (folder / "bad.toml").write_text("id = 3\n", encoding="utf-8")
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert all(
        line.startswith("error: ") and "c\\u001b[2J\\u000aerror: fine" in line for line in result.stderr.splitlines()
    )


@pytest.mark.parametrize("id_text", ["p\x1b]0;x\x07", "p\x9b2J", "p\x00"], ids=["ESC-OSC", "C1-CSI", "NUL"])
def test_a_cohort_id_with_a_control_character_is_a_refused_row(tmp_path: Path, id_text: str) -> None:
    patients = tmp_path / "p.csv"
    patients.write_bytes(f"id,weight\n{id_text},70 kg\np2,80 kg\n".encode())
    result = run("cohort", str(patients), "-r", "rate-22-mg-h")
    assert result.exit_code == 1, result.output
    assert [row["id"] for row in csv.DictReader(io.StringIO(result.stdout))] == ["p2"]
    assert "row 2" in one_error_line(result.stderr)
    assert id_text not in result.stderr


def test_a_marked_answer_with_escape_codes_is_shown_escaped(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("problem,answer\n1,\x1b[2J\n", encoding="utf-8")
    result = run("check", str(answers), "--seed", "3")
    assert "\x1b" not in result.stdout + result.stderr


def test_printable_escapes_every_control_and_keeps_text() -> None:
    assert printable("70 kg, µ, é, 日本") == "70 kg, µ, é, 日本"
    assert printable("a\x1bb\nc\u202ed\x9b\udcff") == "a\\u001bb\\u000ac\\u202ed\\u009b\\udcff"


def test_json_escapes_c1_controls(tmp_path: Path) -> None:
    from dosecalc.render.data import _JSON_ESCAPES

    text = json.dumps({"a": "x\x9by\u2028"}, ensure_ascii=False).translate(_JSON_ESCAPES)
    assert "\x9b" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "x\x9by\u2028"}


# ------------------------------------------------------------------------ Markdown: HTML shown, not run


@pytest.mark.parametrize(
    "html", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<iframe src=//x></iframe>"]
)
@pytest.mark.parametrize("command", ["regimens", "table", "schedule"])
def test_html_in_card_text_is_escaped_in_markdown(tmp_path: Path, html: str, command: str) -> None:
    text = card_text(title=json.dumps(f"T {html}"), notes=json.dumps([f"N {html}"]))
    folder = card_folder_with(tmp_path, text)
    args = {
        "regimens": ["regimens"],
        "table": ["table", "--notes", "full"],
        "schedule": ["schedule", "teach-1-mg-kg-1-h"],
    }
    result = run(*args[command], "--regimens-dir", str(folder), "--no-builtin", "-f", "markdown")
    assert result.exit_code == 0, result.output
    tag = html.split()[0].split(">")[0]
    for line in result.stdout.splitlines():
        if not line.startswith("    "):  # indented lines are code blocks, shown as they are
            assert tag not in line, result.stdout


# ------------------------------------------------------------------------ floods


def test_a_card_with_100000_wrong_entries_reports_a_capped_list(tmp_path: Path) -> None:
    folder = card_folder_with(tmp_path, card_text(notes="[" + "1," * 100_000 + "]"))
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 21, lines[:3]
    assert lines[-1] == "error: ... and 99,980 more"


def test_many_broken_cards_report_a_capped_list(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    for n in range(50):
        (folder / f"c{n}.toml").write_text("id = 1\n", encoding="utf-8")
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 41 and result.stderr.splitlines()[-1] == "error: ... and 10 more"


def test_a_csv_with_100000_columns_names_a_few_ignored_ones(tmp_path: Path) -> None:
    header = "id,weight," + ",".join(f"c{n}" for n in range(100_000))
    patients = _patients(tmp_path, header + "\np1,70 kg," + "," * 99_999 + "\n")
    result = run("cohort", str(patients), "-r", "rate-22-mg-h")
    assert result.exit_code == 0, result.output[:500]
    (note,) = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert note == "note: ignored column(s): " + ", ".join(f"c{n}" for n in range(10)) + " ... and 99,990 more"


# ------------------------------------------------------------------------ fuzz: CSV and TOML from hostile pieces

CSV_PIECES = [
    "70 kg",
    "154 lb",
    "7O kg",
    "1e400 kg",
    "9" * 400,
    "-5",
    "=1+1",
    "+cmd|calc",
    "@SUM(1)",
    "\t=x",
    "\r",
    "\n",
    '"',
    '""',
    ",",
    "\ufeff",
    "\x1b[2J",
    "\x00",
    "\x9b",
    "\u202e",
    "\udcff",
    "é",
    "id",
    "weight",
    " ",
    "x" * 70,
]
TOML_PIECES = [
    'id = "teach-1"',
    "title = ",
    '"T"',
    '"\\u001b"',
    '"=1"',
    "[",
    "]",
    "{",
    "}",
    "{a=",
    "[[sources]]",
    "sessions = ",
    "9" * 5000,
    "1e400",
    '"22 mg/h"',
    "\n",
    "#",
    '"""',
    "'",
    "\ufeff",
    'kind = "fixed-rate"',
    "notes = [",
    "1,",
    "\x00",
    "\x1b",
    "=",
    ",",
    "inf",
    "nan",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(st.lists(st.sampled_from(CSV_PIECES), max_size=4).map("".join), max_size=30).map("\n".join),
    bom=st.booleans(),
)
def test_any_csv_built_from_hostile_pieces_is_computed_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, body: str, bom: bool
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("id,weight\n" + body).encode("utf-8", "surrogateescape"))
    sink = io.StringIO()
    try:
        result = api.cohort(str(path), "rate-22-mg-h")
        tally = result.write_csv(sink.write)
    except DoseCalcError as error:
        assert str(error).startswith("patients: "), error
        return
    rows = list(csv.reader(io.StringIO(sink.getvalue())))
    assert rows[0][0] == "id"
    assert len(rows) - 1 == tally.computed  # one regimen: one output row per computed patient
    assert tally.computed + tally.refused <= tally.patients + body.count("\n") + 1
    for row in rows[1:]:
        assert safe_cell(row[0]) == row[0], row  # every id cell is already neutralised
        assert 0.3 <= float(row[2]) <= 650, row  # a weight read, never a misread one


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(TOML_PIECES), max_size=40), depth=st.integers(0, 3000))
def test_any_toml_built_from_hostile_pieces_is_a_card_or_a_card_error(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], depth: int
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "c.toml"
    text = " ".join(pieces) + ("\nx = " + "[" * depth if depth > 1000 else "")
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    try:
        card = load_card(path)
    except CardError as error:
        for line in error.lines:
            assert printable(line) == line  # every line is safe to print
        return
    for value in (card.title, card.indication):
        assert printable(value.replace("\n", "").replace("\t", "")) == value.replace("\n", "").replace("\t", "")


def _on_a_terminal(args: list[str], cwd: Path, columns: int | None = None) -> bytes:
    """What ``dosecalc ARGS`` prints when its standard output is a terminal (a pseudo-terminal here), of
    ``columns`` when given."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    if columns is not None:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    environment = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
    try:
        done = subprocess.run(
            [*DOSECALC, *args], cwd=cwd, stdout=follower, stderr=subprocess.PIPE, timeout=60, check=False,
            env=environment,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode in (0, 1), done.stderr
    return b"".join(chunks)


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "table"])
def test_a_students_control_characters_never_reach_a_terminal_in_any_format(tmp_path: Path, fmt: str) -> None:
    """check prints the student's name in every format; on a terminal an ESC in it is shown as \\u001b."""
    code = run("exercises", "--count", "2", "--seed", "5", "--format", "json")
    sheet = json.loads(code.stdout)["sheet_code"]
    (tmp_path / "answers.csv").write_text("student,problem,answer\n\x1b]0;owned\x07ana\x1b[2J,1,10 mg\n")
    shown = _on_a_terminal(["check", "answers.csv", "--sheet", sheet, "--format", fmt], tmp_path)
    assert b"\x1b]0" not in shown and b"\x1b[2J" not in shown and b"\x07" not in shown, shown
    assert b"\\u001b" in shown, shown


def test_csv_piped_to_a_program_keeps_the_text_as_given(tmp_path: Path) -> None:
    """Escaping is for terminals: a pipe or a file gets the CSV as it is (the control character refused by
    a spreadsheet is no concern of a program that reads it)."""
    code = run("exercises", "--count", "2", "--seed", "5", "--format", "json")
    sheet = json.loads(code.stdout)["sheet_code"]
    (tmp_path / "answers.csv").write_text("student,problem,answer\nana\x1bX,1,10 mg\n")
    done = subprocess.run(
        [*DOSECALC, "check", "answers.csv", "--sheet", sheet, "--format", "csv"],
        cwd=tmp_path, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert b"ana\x1bX" in done.stdout, done.stdout


@pytest.mark.parametrize(
    "text",
    [
        "[" + ".".join(["k"] * 50_000) + "]\nx = 1\n",  # 100 KB, under the 256 KiB a card may be
        ".".join(["k"] * 50_000) + " = 1\n",
        "[a]\n" + ".".join(["b"] * 33) + " = 1\n",
    ],
    ids=["header", "key", "just-past-the-bound"],
)
def test_a_long_dotted_key_is_refused_before_parsing(tmp_path: Path, text: str) -> None:
    """tomllib takes time quadratic in a dotted key's parts (50,000 took 9 s): such a card is refused by a
    linear count first, with a message saying what is wrong."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "deep.toml").write_text(text, encoding="utf-8")
    result = run("regimens", "--regimens-dir", str(folder))
    assert result.exit_code == 2, result.output
    assert "has a dotted key of more than 32 parts" in one_error_line(result.stderr)


def test_dotted_keys_within_the_bound_and_dots_in_quotes_are_read() -> None:
    from dosecalc.files import parse_toml

    # 32 parts is the bound; dots inside a quoted key or a string, and in numbers, are not key parts
    assert parse_toml(".".join(["b"] * 32) + " = 1\n", "card")["b"]["b"]
    assert parse_toml("[a]\n'q.q.q' = 1\nx = 0.35\ny = \"" + "." * 100 + '"\n', "card")["a"]["q.q.q"] == 1


def test_a_seed_of_thousands_of_digits_is_quoted_by_its_size() -> None:
    result = run("exercises", "--seed", "9" * 4000)
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert line == "error: --seed: a number of about 4,000 digits is not a whole number from 0 to 9223372036854775807"


@pytest.mark.parametrize("columns", [80, 120])
def test_a_table_on_a_terminal_is_drawn_to_the_terminals_width(tmp_path: Path, columns: int) -> None:
    """Tables were drawn 140 columns wide whatever the terminal, so at 80 columns every row wrapped."""
    shown = _on_a_terminal(["table"], tmp_path, columns).decode()
    colourless = re.sub(r"\x1b\[[0-9;]*m", "", shown.replace("\r", ""))  # measured as shown, without colours
    lines = [line for line in colourless.split("\n") if line]
    assert len(lines) > 10 and max(len(line) for line in lines) <= columns, max(lines, key=len)
    assert max(len(line) for line in lines) > columns - 20  # the width is used, not a narrower fixed one


def test_a_terminal_table_of_thousands_of_cards_lists_the_first_500_and_says_so(tmp_path: Path) -> None:
    """Drawing costs about a millisecond a row (10,000 cards took 27 s); CSV still lists every card."""
    folder = tmp_path / "cards"
    folder.mkdir()
    for index in range(501):
        (folder / f"c{index:03d}.toml").write_text(GOOD.replace("teach-1-mg-kg-1-h", f"t-{index:03d}"))
    shown = run("regimens", "--regimens-dir", str(folder), "--no-builtin")
    assert shown.exit_code == 0, shown.output
    assert "t-499" in shown.stdout and "t-500" not in shown.stdout
    assert "The first 500 of 501 cards; --format csv, json or markdown lists them all." in shown.stdout
    listed = run("regimens", "--regimens-dir", str(folder), "--no-builtin", "--format", "csv")
    assert listed.stdout.count("\nt-") == 501


@pytest.mark.parametrize(
    ("raised", "limited", "ran_out"),
    [
        (ImportError("libx.so: failed to map segment from shared object"), True, True),
        (ImportError("libx.so: cannot allocate memory"), True, True),
        (SystemError("<built-in function x> returned NULL without setting an exception"), True, True),
        (ImportError("libx.so: failed to map segment from shared object"), False, False),  # no limit: a bug
        (ImportError("No module named 'x'"), True, False),  # not memory: a bug, shown as one
    ],
)
def test_an_import_that_fails_for_want_of_memory_is_said_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raised: Exception, limited: bool, ran_out: bool
) -> None:
    from dosecalc.cli import app, memory

    def fail(argv: object) -> int:
        raise raised

    monkeypatch.setattr(app, "_main", fail)
    monkeypatch.setattr(memory, "memory_limited", lambda: limited)
    if not ran_out:
        with pytest.raises(type(raised)):
            app.main(["table"])
        return
    assert app.main(["table"]) == 2
    assert capsys.readouterr().err == "error: dosecalc ran out of memory (see 'ulimit -v'); nothing was written\n"
