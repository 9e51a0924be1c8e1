"""A school that writes a decimal comma: answers read under it, the rule stated on the sheet and held in its
code (format 4), and every code of formats 2 and 3 decoding to the same sheet as before."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

import dosecalc
from dosecalc.errors import DoseCalcError, quote
from dosecalc.results import Marks, Sheet
from dosecalc.teaching.keys import TeacherKey
from dosecalc.teaching.marking import Reading, Unreadable, read_answer
from dosecalc.teaching.sheets import DECIMAL_COMMA_RULE, PROFILES, convention_from_mapping, decode

from ..helpers import run


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("0,37", "0.37", None),
        ("327,0 mg", "327.0", "mg"),
        ("1,234", "1.234", None),  # the comma is this school's decimal mark: one point two three four
        ("5,834 mcg/kg/min", "5.834", "mcg/kg/min"),
        ("0.37", "0.37", None),  # a point before two digits can only be a decimal point
        ("0.375", "0.375", None),  # nor can a point after a lone 0
        ("16", "16", None),
    ],
    ids=["0,37", "327,0 mg", "1,234", "with a unit", "a point", "0.375", "whole"],
)
def test_a_decimal_comma_is_read_under_the_comma(text: str, value: str, unit: str | None) -> None:
    assert read_answer(text, "12.3 mg", "comma") == Reading(Decimal(value), unit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.234", "has a point before three digits (1.234), which could be a thousands point or a decimal point; "
         "write 1,234 for the decimal, 1234 for the whole number"),
        ("12.500 mg", "(12.500)"),
        ("1.234,5", "has both a point and a comma (1.234,5); write the decimal comma alone"),
        ("1,2,3", "has more than one comma (1,2,3)"),
        ("abc", "e.g. 12,3 mg"),  # the example is written with the school's mark
    ],
    ids=["1.234", "12.500", "both marks", "two commas", "example in comma"],
)  # fmt: skip
def test_an_ambiguous_number_is_refused_under_the_comma(text: str, message: str) -> None:
    with pytest.raises(Unreadable) as raised:
        read_answer(text, "12.3 mg", "comma")
    assert message in str(raised.value)


def test_a_leading_comma_is_read_with_a_remark_in_the_schools_mark() -> None:
    assert read_answer(",5", "12.3 mg", "comma") == Reading(Decimal("0.5"), None, "write a leading zero: 0,5")


def _bag_sheet(**options: str) -> Sheet:
    sheet = dosecalc.exercises(count=3, seed=5, **options)  # type: ignore[arg-type]
    assert isinstance(sheet, Sheet)
    # 1,000 mL / 181 mL/h = 5.5249 h, rounded half up to 0.1 h: 5.5 h
    assert sheet[0].question == "A 1000 mL bag runs at 181 mL/h. How long does it take to infuse, in h?"
    return sheet


def test_a_comma_sheet_marks_a_comma_answer_right_and_a_point_sheet_says_decimal_comma() -> None:
    comma, point = _bag_sheet(decimal="comma"), _bag_sheet()
    assert [p.question for p in comma] == [p.question for p in point]  # the same problems; only the mark differs
    marked = dosecalc.mark({1: "5,5", 2: "5,52 h"}, sheet=comma.code)
    assert isinstance(marked, Marks)
    assert [m.status for m in marked][:1] == ["right"]
    refused = dosecalc.mark({1: "5,5"}, sheet=point.code)
    assert isinstance(refused, Marks)
    assert refused.marks[0].status == "unreadable"
    assert "uses a decimal comma (5,5); this sheet reads a decimal point: write 5.5" in refused.marks[0].reason


def test_a_comma_answer_that_is_wrong_is_diagnosed_as_any_other() -> None:
    comma = _bag_sheet(decimal="comma")
    marked = dosecalc.mark({1: "55,2"}, sheet=comma.code)  # 5.52 x 10: the decimal point one place out
    assert isinstance(marked, Marks)
    assert marked.marks[0].status == "wrong" and "factor of 10" in marked.marks[0].reason


def test_the_comma_is_stated_on_the_sheet_and_held_in_its_code() -> None:
    comma, point = _bag_sheet(decimal="comma"), _bag_sheet()
    assert comma.code != point.code
    # format 7 in the code's first 4 bits: 0111, so the first base32 character (5 bits) is E (01110) or F (01111)
    assert comma.code[0] in "EF" and point.code[0] in "AB"  # format 5: 0101, so 01010 (A) or 01011 (B)
    spec = decode(comma.code, comma.spec.fingerprint)
    assert spec.convention.decimal == "comma" and spec.seed == 5 and spec.size == 3
    for fmt in ("markdown", "html", "json"):
        assert "Decimal comma: write 0,37" in comma.as_text(fmt)
        assert "Decimal comma" not in point.as_text(fmt)
    assert DECIMAL_COMMA_RULE in comma.convention.lines()


def test_every_kind_of_sheet_round_trips_under_the_comma() -> None:
    key = TeacherKey(bytes(range(32)))
    made = [
        dosecalc.exercises(count=3, seed=5, decimal="comma", students=["Ana"])[0],
        dosecalc.exercises(count=3, seed=8, decimal="comma", variants=2)[1],
        dosecalc.exercises(count=3, seed=2024, decimal="comma", teacher_key=key),
    ]
    prints = made[0].spec.fingerprint
    for sheet in made:
        assert isinstance(sheet, Sheet)
        spec = decode(sheet.code, prints, key_print=key.fingerprint)
        assert spec == sheet.spec and spec.convention.decimal == "comma"
    graded = made[2]
    marked = dosecalc.mark({1: f"{graded[0].answer}".replace(".", ",")}, sheet=graded.code, teacher_key=key)
    assert isinstance(marked, Marks) and marked.marks[0].status == "right"


def _problems(sheet: Sheet) -> str:
    text = "\n".join(f"{p.number}|{p.kind}|{p.question}|{p.exact!r}" for p in sheet)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Codes of formats 5 and 6 (sheets without the decimal comma), with a digest of their problems (number, kind,
#: question, exact answer): they must go on standing for the same sheets. First recorded for formats 2 and 3
#: (below), recorded again when the cards' fingerprint changed (the 4-day card's drug became S(+)-ketamine),
#: the questions' wording changed ("the regimen gives") and a graded sheet's seeds came to hold every field of
#: its code, and in formats 5 and 6, when a phased regimen came to be worded with articles and a gravity drip's
#: answer to be one a gravity set runs: changes made on purpose, each of which a recorded code must follow (and
#: the last of which took new format numbers, so that no code of before stands for other problems).
CODES = [
    ("A058-0FT0-56PP-JJHZ-1MDC-G", "6a8d5ff25488151b", {"count": 6, "seed": 2024}),
    ("BG30-RW57-PPJJ-HZ1Q-J3G", "7ba2186606167a98", {"count": 4, "seed": 99, "level": 3,
                                                    "conventions": "pound-2.2-whole-ml-h"}),
    ("CG08-05GD-37WB-G56P-PJJH-Z1NK-50", "7132b0175a844ba6", {"count": 3, "seed": 5, "students": ["Ana"]}),
    ("C808-0808-219N-NMMM-FRD1-05", "692b395ba8ca275d", {"count": 3, "seed": 8, "variants": 2}),
    ("D00J-15QR-9XE8-41P1-9NNM-MMFR-DH53", "a5ea9e76bf0cf780", {"count": 5, "seed": 2024, "graded": True}),
    ("DG08-HX0A-M26C-41PF-SYRW-00AD-DD55-3Y38-8MG", "fe1d8c331994a9bc",
     {"count": 3, "seed": 11, "students": ["Ben"], "graded": True}),
]  # fmt: skip
#: The same sheets' codes as an older dosecalc made them, in formats 2 (an open sheet on its own) and 3: their
#: problems are no longer made (a drip rate of 1 gtt/min, a phased regimen worded without articles), so each is
#: refused, saying that an older dosecalc made it.
OLD_CODES = [
    ("4058-0FT0-56PP-JJHZ-1MP2-G", 2),
    ("5G30-RW57-PPJJ-HZ1Q-0SR", 2),
    ("6G08-05GD-37WB-G56P-PJJH-Z1NB-3C", 3),
    ("6808-0808-219N-NMMM-FRDK-W9", 3),
    ("700J-15QR-9XE8-41P1-9NNM-MMFR-D2YB", 3),
    ("7G08-HX0A-M26C-41PF-SYRW-00AD-DD55-3Y3A-07G", 3),
]


@pytest.mark.parametrize(("code", "made_by"), OLD_CODES, ids=[o[0] for o in OLD_CODES])
def test_codes_of_an_older_dosecalc_are_refused_saying_so(code: str, made_by: int) -> None:
    key = TeacherKey(bytes(range(32)))
    with pytest.raises(DoseCalcError) as caught:
        dosecalc.mark({}, sheet=code, teacher_key=key)
    assert str(caught.value) == (
        f"sheet: {quote(code)} was made by an older dosecalc (sheet format {made_by}), whose problems were worded and "
        "drawn otherwise: mark it with the dosecalc version that made the sheet, or make the sheet again"
    )
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("code", "digest", "options"), CODES, ids=[o[0] for o in CODES])
def test_recorded_codes_decode_to_the_same_sheets(code: str, digest: str, options: dict) -> None:  # type: ignore[type-arg]
    key = TeacherKey(bytes(range(32)))
    options = dict(options)
    graded = options.pop("graded", False)
    marked = dosecalc.mark({}, sheet=code, teacher_key=key if graded else None)
    assert isinstance(marked, Marks)
    assert _problems(marked.sheet) == digest
    assert marked.sheet.convention.decimal == "point"
    made = dosecalc.exercises(teacher_key=key if graded else None, **options)
    sheet = made if isinstance(made, Sheet) else made[-1]
    assert sheet.code == code  # made today without the comma: the very same code


def test_the_profile_file_and_the_options_choose_the_comma(tmp_path: Path) -> None:
    assert convention_from_mapping({"decimal": "comma"}, "ours.toml").decimal == "comma"
    with pytest.raises(DoseCalcError, match="decimal must be one of point, comma; got 'dot'"):
        convention_from_mapping({"decimal": "dot"}, "ours.toml")
    assert all(profile.decimal == "point" for profile in PROFILES.values())
    profile = tmp_path / "ours.toml"
    profile.write_text('decimal = "comma"\npound = "2.2"\n')
    sheet = dosecalc.exercises(count=2, seed=5, conventions=profile)
    assert isinstance(sheet, Sheet) and sheet.convention.decimal == "comma" and sheet.convention.pound == "2.2"
    with pytest.raises(DoseCalcError, match=r"decimal: .dot. is not one of point, comma"):
        dosecalc.exercises(count=2, seed=5, decimal="dot")


def test_the_command_line_makes_and_marks_a_comma_sheet(tmp_path: Path) -> None:
    made = run("exercises", "-n", "3", "--seed", "5", "--decimal", "comma", "-f", "json")
    assert made.exit_code == 0, made.output
    code = made.json()["sheet_code"]
    answers = tmp_path / "answers.csv"
    answers.write_text('problem,answer\n1,"5,5 h"\n')
    checked = run("check", str(answers), "--sheet", code, "-f", "json")
    assert checked.exit_code == 0, checked.output
    assert checked.json()["marks"][0]["status"] == "right"
    by_seed = run("check", str(answers), "--seed", "5", "-n", "3", "--decimal", "comma", "-f", "json")
    assert by_seed.exit_code == 0, by_seed.output
    assert by_seed.json()["marks"][0]["status"] == "right"
    point = run("check", str(answers), "--seed", "5", "-n", "3", "-f", "json")
    assert point.exit_code == 1 and point.json()["marks"][0]["status"] == "unreadable"
    both = run("check", str(answers), "--sheet", code, "--decimal", "comma")
    assert both.exit_code == 2 and "holds the decimal already" in both.stderr
