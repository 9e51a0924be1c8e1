"""Exports in parts under a size (``--max-size``), for a learning platform that takes uploads only up to one:
every part a whole quiz file under the size, read back by the independent readers of tests/lms_readers.py, and
the parts together holding exactly the questions of the one file, in their categories."""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from dosecalc import api
from dosecalc.cli import main
from dosecalc.errors import DoseCalcError
from dosecalc.files import numbered, write_all_atomic
from dosecalc.results import Variants
from dosecalc.teaching.parts import Piece, byte_size, pack, split_limit

from ..lms_readers import read_gift, read_moodle

# ---- sizes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2MB", 2 * 1000 * 1000),  # SI: a megabyte is 10^6 bytes
        ("2 MB", 2 * 1000 * 1000),
        ("2mb", 2 * 1000 * 1000),  # any letter case
        ("500kB", 500 * 1000),
        ("500 KB", 500 * 1000),
        ("2 MiB", 2 * 1024 * 1024),  # IEC: a mebibyte is 2^20 = 1,048,576 bytes; PHP's "2M" is this
        ("64KiB", 64 * 1024),
        ("1.5MB", 1_500_000),  # 1.5 * 10^6
        ("1GB", 10**9),
        ("100 bytes", 100),
        ("1B", 1),
        (" 2MB ", 2_000_000),
    ],
)
def test_golden_a_size_is_its_bytes(text: str, expected: int) -> None:
    assert byte_size(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2", "expected a size with its unit"),
        ("2M", "M alone could mean MB or MiB; write 2MB or 2MiB"),
        ("500k", "K alone could mean kB or KiB"),
        ("2,000kB", "expected a size with its unit"),
        ("1,5MB", "expected a size with its unit"),
        ("0MB", "is less than a byte"),
        ("0.1B", "is less than a byte"),
        ("-1MB", "expected a size with its unit"),
        ("1e6B", "expected a size with its unit"),
        ("2 XB", "expected a size with its unit"),
        ("2  MB", "expected a size with its unit"),
        ("", "expected a size with its unit"),
        ("MB", "expected a size with its unit"),
    ],
    ids=[
        "no-unit",
        "php-shorthand-M",
        "shorthand-k",
        "thousands-separator",
        "decimal-comma",
        "zero",
        "under-a-byte",
        "negative",
        "exponent",
        "unknown-unit",
        "two-spaces",
        "empty",
        "no-number",
    ],
)
def test_a_size_that_cannot_be_read_is_refused_naming_max_size(text: str, says: str) -> None:
    with pytest.raises(DoseCalcError) as error:
        byte_size(text)
    assert error.value.field == "max_size"
    assert says in error.value.problem
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("value", [0, -5, True, 2.5], ids=["zero", "negative", "bool", "float"])
def test_a_size_from_python_is_whole_bytes_from_one(value: Any) -> None:
    with pytest.raises(DoseCalcError) as error:
        byte_size(value)
    assert error.value.field == "max_size"


@pytest.mark.parametrize("fmt", ["canvas", "qti21", "markdown", "json"])
def test_only_moodle_and_gift_split(fmt: str) -> None:
    with pytest.raises(DoseCalcError) as error:
        split_limit("2MB", fmt)
    assert error.value.field == "max_size"
    assert f"'{fmt}' cannot be split" in error.value.problem and "moodle or gift" in error.value.problem
    assert split_limit("2MB", "moodle") == split_limit("2MB", "gift") == 2_000_000


# ---- packing -------------------------------------------------------------------------------------------------


def _opening(category: str) -> int:
    return 5


def test_golden_parts_are_filled_in_order_and_a_category_is_named_again_where_a_part_goes_on_with_it() -> None:
    pieces = [Piece("A", 20, "a1"), Piece("A", 20, "a2"), Piece("B", 20, "b1"), Piece("B", 20, "b2")]
    # 60 bytes: 10 fixed + 5 (A) + 20 + 20 = 55; b1 would add 5 (B) + 20 = 80 > 60: a new part, 10 + 5 + 20 + 20 = 55
    assert pack(pieces, fixed=10, opening=_opening, limit=60) == [range(0, 2), range(2, 4)]
    # 50 bytes: 10 + 5 + 20 = 35; a2 would make 55 > 50, so each question is a part of its own, each 35 bytes,
    # the second naming category A again
    assert pack(pieces, fixed=10, opening=_opening, limit=50) == [range(i, i + 1) for i in range(4)]
    # 80 bytes: 10 + 5 + 20 + 20 = 55, + 5 (B) + 20 = 80 fits exactly; b2 would make 100
    assert pack(pieces, fixed=10, opening=_opening, limit=80) == [range(0, 3), range(3, 4)]


def test_a_question_larger_than_the_size_on_its_own_is_refused_with_the_size_it_needs() -> None:
    pieces = [Piece("A", 20, "small"), Piece("B", 30, "large one")]
    # the large one alone: 10 fixed + 5 (B) + 30 = 45 bytes
    with pytest.raises(DoseCalcError) as error:
        pack(pieces, fixed=10, opening=_opening, limit=44)
    assert error.value.field == "max_size"
    assert "'large one'" in error.value.problem and "expected at least 45 bytes" in error.value.problem
    assert len(pack(pieces, fixed=10, opening=_opening, limit=45)) == 2


# ---- the parts of a real export --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_set() -> Variants:
    result = api.exercises(5, 3, variants=4)
    assert isinstance(result, Variants)
    return result


def _moodle_category(part: bytes) -> str | None:
    """The category the first question of a Moodle XML part is imported into (None: no category first)."""
    first = ET.fromstring(part).find("question")
    assert first is not None
    return first.findtext("category/text") if first.get("type") == "category" else None


@pytest.mark.parametrize("limit", [25_000, 60_000])
def test_moodle_parts_are_whole_quizzes_under_the_size_that_together_hold_the_same_questions(
    small_set: Variants, limit: int
) -> None:
    whole = small_set.to_bytes("moodle")
    parts = small_set.to_parts("moodle", limit)
    assert len(parts) >= 2, "the size must split this set for the test to mean anything"
    assert len(whole) > limit
    for part in parts:
        assert len(part) <= limit
        assert _moodle_category(part) is not None  # "get category from file" has one before any question
        assert part.decode("utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    questions = [q for part in parts for q in read_moodle(part.decode("utf-8"))]
    assert questions == read_moodle(whole.decode("utf-8"))  # name, idnumber, category, text, answers, units
    assert len(questions) == 5 * 4  # 5 problems, 4 variants of each
    # some category goes on from one part to the next, named again there
    firsts = [read_moodle(part.decode("utf-8"))[0].category for part in parts[1:]]
    lasts = [read_moodle(part.decode("utf-8"))[-1].category for part in parts[:-1]]
    assert any(first == last for first, last in zip(firsts, lasts, strict=True))


def test_gift_parts_are_whole_quizzes_under_the_size_that_together_hold_the_same_questions(
    small_set: Variants,
) -> None:
    whole = small_set.to_bytes("gift")
    limit = 20_000
    parts = small_set.to_parts("gift", limit)
    assert len(parts) >= 2 and len(whole) > limit
    for part in parts:
        assert len(part) <= limit
        lines = [line for line in part.decode("utf-8").splitlines() if line and not line.startswith("//")]
        assert lines[0].startswith("$CATEGORY: $course$/dosecalc/")
    questions = [q for part in parts for q in read_gift(part.decode("utf-8"))]
    assert questions == read_gift(whole.decode("utf-8"))
    assert len(questions) == 5 * 4
    ids = [q["comment"].split("]")[0] for q in questions]
    assert len(set(ids)) == 5 * 4  # every question keeps its own id


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_an_export_that_fits_is_the_one_file_byte_for_byte(small_set: Variants, fmt: str) -> None:
    whole = small_set.to_bytes(fmt)
    assert small_set.to_parts(fmt, len(whole)) == [whole]
    assert small_set.to_parts(fmt, "1GB") == [whole]
    sheet = api.exercises(4, 9)
    assert sheet.to_parts(fmt, "2MB") == [sheet.to_bytes(fmt)]


def test_each_part_says_which_part_it_is(small_set: Variants) -> None:
    parts = small_set.to_parts("moodle", 25_000)
    for number, part in enumerate(parts, 1):
        assert f"; part {number} of {len(parts)} -->" in part.decode("utf-8").splitlines()[2]


# ---- file names and whole-or-nothing writes --------------------------------------------------------------------


def test_golden_part_names_number_the_file_before_its_format_suffix() -> None:
    assert numbered(Path("out/quiz.xml"), 1, "xml") == [Path("out/quiz.xml")]
    assert numbered(Path("out/quiz.xml"), 3, "xml") == [Path(f"out/quiz-{n}.xml") for n in (1, 2, 3)]
    assert numbered(Path("quiz.gift.txt"), 2, "gift.txt") == [Path("quiz-1.gift.txt"), Path("quiz-2.gift.txt")]
    assert numbered(Path("quiz.moodle"), 2, "xml") == [Path("quiz-1.moodle"), Path("quiz-2.moodle")]
    assert numbered(Path("quiz"), 2, "xml") == [Path("quiz-1"), Path("quiz-2")]
    # 12 parts: two digits each, so that they list in order
    assert numbered(Path("q.XML"), 12, "xml")[0] == Path("q-01.XML")
    assert numbered(Path("q.XML"), 12, "xml")[-1] == Path("q-12.XML")


def test_parts_are_written_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [(tmp_path / f"q-{n}.xml", f"part {n}".encode()) for n in (1, 2, 3)]
    real = os.replace
    calls: list[str] = []

    def fails_on_the_second(source: Any, target: Any) -> None:
        calls.append(str(target))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(source, target)

    monkeypatch.setattr(os, "replace", fails_on_the_second)
    with pytest.raises(DoseCalcError) as error:
        write_all_atomic(files)
    assert error.value.field == "output" and "q-2.xml" in error.value.problem
    assert len(calls) == 2  # the first was renamed, then removed again
    assert sorted(os.listdir(tmp_path)) == []  # no part, no temporary file
    monkeypatch.setattr(os, "replace", real)
    write_all_atomic(files)
    assert [path.read_bytes() for path, _ in files] == [b"part 1", b"part 2", b"part 3"]


def test_a_part_that_cannot_be_written_leaves_no_part(tmp_path: Path) -> None:
    (tmp_path / "q-2.xml").mkdir()  # a folder where the second part goes
    files = [(tmp_path / f"q-{n}.xml", b"x") for n in (1, 2)]
    with pytest.raises(DoseCalcError) as error:
        write_all_atomic(files)
    assert "is a folder" in error.value.problem
    assert sorted(os.listdir(tmp_path)) == ["q-2.xml"]


# ---- the command line ------------------------------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_cli_writes_numbered_parts_and_names_them(tmp_path: Path) -> None:
    target = tmp_path / "quiz.xml"
    code, out, err = _run(
        "exercises", "-n", "5", "--seed", "3", "--variants", "4", "-f", "moodle", "-o", str(target),
        "--max-size", "25kB",
    )  # fmt: skip
    assert code == 0, err
    assert out == ""
    expected = api.exercises(5, 3, variants=4).to_parts("moodle", 25_000)
    names = [f"quiz-{n}.xml" for n in range(1, len(expected) + 1)]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    assert [(tmp_path / name).read_bytes() for name in names] == expected
    assert err.startswith(f"Wrote {len(expected)} files of at most 25,000 bytes each: "), err
    for name in names:
        assert name in err


def test_cli_writes_one_file_when_it_fits(tmp_path: Path) -> None:
    target = tmp_path / "quiz.gift.txt"
    code, _, err = _run("exercises", "-n", "3", "-f", "gift", "-o", str(target), "--max-size", "2MB")
    assert code == 0, err
    assert os.listdir(tmp_path) == ["quiz.gift.txt"]
    assert target.read_bytes() == api.exercises(3, 1).to_bytes("gift")
    assert "one file" in err


def test_cli_names_parts_of_an_earlier_export_left_beside_them(tmp_path: Path) -> None:
    (tmp_path / "quiz-9.xml").write_text("<quiz/>", encoding="utf-8")
    code, _, err = _run("exercises", "-n", "3", "-f", "moodle", "-o", str(tmp_path / "quiz.xml"), "--max-size", "1MB")
    assert code == 0, err
    assert "note: " in err and "quiz-9.xml beside them is not part of this export" in err


def test_cli_a_question_larger_than_the_size_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "quiz.xml"
    code, out, err = _run("exercises", "-n", "3", "-f", "moodle", "-o", str(target), "--max-size", "2kB")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: --max-size: 2,000 bytes cannot hold the question"), err
    assert "expected at least" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--max-size", "2M", "-f", "moodle"), "error: --max-size: '2M': M alone could mean MB or MiB"),
        (("--max-size", "2", "-f", "gift"), "error: --max-size: '2': expected a size with its unit"),
        (("--max-size", "2,5MB", "-f", "moodle"), "error: --max-size: '2,5MB': expected a size with its unit"),
        (("--max-size", "2MB", "-f", "canvas"), "error: --max-size: 'canvas' cannot be split (a zip package"),
        (("--max-size", "2MB", "-f", "markdown"), "error: --max-size: 'markdown' cannot be split"),
    ],
    ids=["php-shorthand", "no-unit", "decimal-comma", "zip-package", "markdown"],
)
def test_cli_refuses_what_it_cannot_split_in_one_line_before_any_work(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    target = tmp_path / "quiz.out"
    full = ["exercises", "-n", "2", "-o", str(target), *args]
    code, out, err = _run(*full)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(says), err
    assert os.listdir(tmp_path) == []


def test_cli_parts_need_an_output_file() -> None:
    code, out, err = _run("exercises", "-n", "2", "-f", "moodle", "--max-size", "2MB")
    assert code == 2 and out == ""
    assert err.startswith("error: --max-size: writes one file or several: give --output FILE"), err


# ---- full size -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_100_variants_of_20_problems_go_under_the_stock_upload_limit_in_whole_parts() -> None:
    result = api.exercises(20, 1, variants=100)
    whole = result.to_bytes("moodle")
    assert len(whole) > 2_000_000  # the one file is over the limit: the case the option is for
    parts = result.to_parts("moodle", "2MB")
    assert len(parts) >= 2
    for part in parts:
        assert len(part) <= 2_000_000  # 2MB = 2 * 10^6 bytes, under PHP's stock 2 MiB (2,097,152 bytes)
        ET.fromstring(part)
    questions = [q for part in parts for q in read_moodle(part.decode("utf-8"))]
    assert questions == read_moodle(whole.decode("utf-8"))
    assert len({q.idnumber for q in questions}) == 20 * 100
