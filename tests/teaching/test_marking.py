"""Marking: answers read as a teacher reads them, the sheet's rule, diagnosis, and a class at once.

Most tests here mark hand-made problems whose keys are worked by hand in the test, so they hold whatever
problems the generator makes; the end-to-end tests mark generated sheets against their own keys.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import ClassMarks, Marks, exercises, mark
from dosecalc.errors import DoseCalcError
from dosecalc.formats import as_text
from dosecalc.teaching.exercises import Problem
from dosecalc.teaching.marking import (
    NO_ANSWER,
    RIGHT,
    RULE,
    UNREADABLE,
    WRONG,
    Unreadable,
    read_answer,
    read_answer_rows,
)
from dosecalc.teaching.marking import (
    mark as mark_answers,
)
from dosecalc.teaching.sheets import PROFILES, Convention, SheetSpec

from ..helpers import run

STANDARD = PROFILES["standard"]


def problem(number: int, unit: str, exact: float, step: str, errors: tuple[tuple[str, float], ...] = ()) -> Problem:
    answer = float(Decimal(f"{exact:.12g}").quantize(Decimal(step), rounding="ROUND_HALF_UP"))
    return Problem(
        number, 1, "test", None, f"problem {number}", "x", unit, exact, answer, Decimal(step), 1, (), {}, errors
    )


# Three problems with keys worked by hand:
# 1. a rate: 80 mg / 6 h = 13.333... mg/h, to 0.1 mg/h: 13.3 mg/h
# 2. a pump rate: 22 mg/h / 2 mg/mL = 11 mL/h, to 0.1 mL/h: 11 mL/h; the cap ignored would give
#    0.35 mg/kg/h x 90 kg / 2 mg/mL = 15.75 mL/h
# 3. a drip rate: 20 mL/h x 20 gtt/mL / 60 min/h = 6.667 gtt/min, to whole drops: 7 gtt/min
RATE = problem(1, "mg/h", 80 / 6, "0.1")
PUMP = problem(2, "mL/h", 22 / 2, "0.1", (("the 25 mg/h cap ignored", 0.35 * 90 / 2),))
DRIP = problem(3, "gtt/min", 20 * 20 / 60, "1")
SHEET = (RATE, PUMP, DRIP)
# 4. a weight-based rate for 154 lb: 0.35 mg/kg/h x 154 lb x 0.45359237 kg/lb = 24.449 mg/h, to 0.1: 24.4 mg/h;
#    the pounds used as kilograms give 0.35 x 154 = 53.9 mg/h
POUNDS = problem(4, "mg/h", 0.35 * 154 * 0.45359237, "0.1")._replace(inputs={"weight": "154 lb"})


def marked(text: str | None, p: Problem = RATE, convention: Convention = STANDARD, partial: bool = False):  # type: ignore[no-untyped-def]
    return mark_answers([p], {p.number: text}, convention, partial)[0]


# ---- reading answers ---------------------------------------------------------------------------------------

SPELLINGS = ["13.3", "13.3 mg/h", "13.3 mg/hr", "13.3 mg per hour", "13.3mg/h", "13.3 MG/H", "13.3 milligrams/hour"]


@pytest.mark.parametrize("text", SPELLINGS, ids=SPELLINGS)
def test_any_spelling_of_the_asked_unit_is_the_asked_unit(text: str) -> None:
    assert marked(text).status == RIGHT


@pytest.mark.parametrize(
    "text", ["11 mL/h", "11 ml/h", "11 mL/hr", "11 millilitres per hour", "11.0", "11.004"], ids=str
)
def test_pump_rate_spellings(text: str) -> None:
    assert marked(text, PUMP).status == RIGHT


@pytest.mark.parametrize("text", ["7 gtt/min", "7 drops/min", "7 drops per minute", "7 gtts/min"], ids=str)
def test_drip_rate_spellings(text: str) -> None:
    assert marked(text, DRIP).status == RIGHT


@pytest.mark.parametrize(
    ("text", "value"),
    [("2000", "2000"), ("2000.5", "2000.5"), ("1234567 mg", "1234567"), ("16.", "16"), ("0.5", "0.5")],
    ids=str,
)
def test_numbers_a_teacher_reads(text: str, value: str) -> None:
    reading = read_answer(text)
    assert reading is not None and reading.value == Decimal(value)


# 5.834 mcg/kg/min to 0.01 is 5.83; 226.887 mg to 0.1 is 226.9: written with a decimal comma, "5,834" and
# "226,887" look like 5834 and 226887 with thousands separators. No one can tell which, so neither is read.
SWITCHED = problem(1, "mcg/kg/min", 5.834, "0.01")
TOTAL = problem(1, "mg", 226.887, "0.1")


@pytest.mark.parametrize(
    ("text", "p"),
    [("5,834", SWITCHED), ("226,887", TOTAL), ("2,000", TOTAL), ("1,234,567 mg", TOTAL), ("2,000.5", TOTAL)],
    ids=["5,834", "226,887", "2,000", "1,234,567", "2,000.5"],
)
def test_a_comma_before_three_digits_is_unreadable_with_the_calculators_message(text: str, p: Problem) -> None:
    from dosecalc.errors import QuantityError
    from dosecalc.units import WEIGHT, parse_quantity

    result = marked(text, p)
    assert result.status == UNREADABLE and result.diagnosis is None, result
    # the calculator's own words, for the same text typed as a weight
    with pytest.raises(QuantityError) as refused:
        parse_quantity(f"{text.split()[0]} kg", WEIGHT)
    calculator = str(refused.value).split(" has ", 1)[1].split(", e.g.")[0]
    assert calculator.startswith("a comma, which could be a thousands separator or a decimal comma")
    assert f"has {calculator}" in result.reason
    # and the example is in the asked unit: 12.345 to 0.01 is 12.35 (mcg/kg/min), to 0.1 is 12.3 (mg)
    assert result.reason.endswith("e.g. 12.35 mcg/kg/min" if p is SWITCHED else "e.g. 12.3 mg"), result.reason


@pytest.mark.parametrize(
    ("unit", "step", "exact", "shown"),
    [
        ("h", "0.1", 2.747, "12.3 h"),  # 12.345 to 0.1 = 12.3
        ("mg", "0.1", 80.0, "12.3 mg"),
        ("gtt/min", "1", 6.667, "12 gtt/min"),  # 12.345 to whole drops = 12
        # 12.3 is the key itself, and the example is still 12.3: one chosen to avoid the key (23.5 here) would
        # tell a student with a graded sheet, who never sees the key, that the key is 12.3
        ("mg/h", "0.1", 12.3, "12.3 mg/h"),
    ],
    ids=["h", "mg", "gtt-min", "whatever-the-key"],
)
def test_unreadable_feedback_gives_an_example_in_the_asked_unit_whatever_the_key(
    unit: str, step: str, exact: float, shown: str
) -> None:
    p = problem(1, unit, exact, step)
    for text in ("abc", "-3"):
        result = marked(text, p)
        assert result.status == UNREADABLE and result.reason.endswith(shown), result.reason
        assert "mL/h" not in result.reason or unit == "mL/h"


def test_the_unreadable_example_says_nothing_of_the_key() -> None:
    # keys either side of the example and the example itself: 12.2, 12.3, 12.4 mL/h, to 0.1 mL/h
    reasons = {marked("abc", problem(1, "mL/h", exact, "0.1")).reason for exact in (12.2, 12.3, 12.4, 57.0)}
    assert reasons == {"unreadable: is not a number; write the number, then its unit if you like, e.g. 12.3 mL/h"}


def test_a_semicolon_separated_file_is_refused_naming_the_semicolon() -> None:
    # what a spreadsheet in a decimal-comma locale saves as CSV: ';' between cells, ',' as the decimal mark
    with pytest.raises(DoseCalcError, match=r"separated by semicolons \(;\).*save it again as comma-separated"):
        read_answer_rows([["student;problem;answer"], ["ana;1;13", "3"]], "answers.csv")
    with pytest.raises(DoseCalcError, match="has no header this reads"):  # no ';': the usual message
        read_answer_rows([["answer"], ["13.3"]], "answers.csv")


def test_no_leading_zero_is_read_with_a_remark() -> None:
    reading = read_answer(".5 mg")
    assert reading is not None and reading.value == Decimal("0.5") and reading.remark
    assert "leading zero" in marked(".5", RATE).reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("7,16", "comma"),
        ("1,5", "comma"),
        ("abc", "not a number"),
        ("13.3 cc/h", "cc"),
        ("13.3 mg/hx", "unknown unit"),
        ("-13.3", "negative"),
        ("x" * 80, "longer"),
        ("13.3\x1b[2J", "control"),
    ],
    ids=["decimal-comma", "short-decimal-comma", "letters", "cc", "unknown-unit", "negative", "long", "escape"],
)
def test_unreadable_answers_say_why(text: str, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        read_answer(text)
    result = marked(text)
    assert result.status == UNREADABLE and reason in result.reason


@pytest.mark.parametrize("text", [None, "", "   "], ids=["missing", "empty", "spaces"])
def test_a_blank_is_no_answer(text: str | None) -> None:
    assert marked(text).status == NO_ANSWER


# ---- the rule ----------------------------------------------------------------------------------------------


def test_the_rule_at_its_edges() -> None:
    # key 13.3 mg/h at 0.1 (exact 80 / 6 = 13.3333...); one place beyond, at 0.01: 13.33, so the interval of
    # more precise answers is [13.33 - 0.005, 13.33 + 0.005) = [13.325, 13.335)
    for text in ("13.3", "13.30", "13.325", "13.3349", "13.333333"):
        assert marked(text).status == RIGHT, text
    for text in ("13.335", "13.3249", "13.25", "13.3499", "13.2", "13.4"):
        assert marked(text).status == WRONG, text


STEPS = ["0.001", "0.01", "0.1", "1"]


@settings(max_examples=300, deadline=None)
@given(thousandths=st.integers(1_000, 5_000_000), step=st.sampled_from(STEPS))
def test_the_rule_holds_at_its_edges(thousandths: int, step: str) -> None:
    # The exact answer is n thousandths of the step: n x step / 1000. Worked in whole numbers of those units,
    # rounding half up of m units to a multiple of q units is (m + q // 2) // q x q:
    #   the key K: n to a multiple of 1000; E, one place beyond the asked one: n to a multiple of 100;
    #   the exact answer at two places beyond: n to a multiple of 10.
    n, s = thousandths, Decimal(step)
    unit = s / 1000
    key = (n + 500) // 1000 * 1000
    beyond = (n + 50) // 100 * 100
    finer = (n + 5) // 10 * 10
    p = problem(1, "mL/h", float(n * unit), step)
    assert Decimal(str(p.answer)) == key * unit  # the generator's key agrees with the hand-rounded one

    def status(units: int) -> str:
        return marked(str(units * unit), p).status

    # the key: right, as written to the asked place and with a trailing zero
    assert status(key) == RIGHT
    assert marked(f"{key * unit:.{max(-s.as_tuple().exponent + 1, 1)}f}", p).status == RIGHT
    # E - step/20 (E less 50 units) is in; the interval is [E - 50, E + 50) in these units
    assert status(beyond - 50) == RIGHT
    assert status(beyond + 49) == RIGHT  # just below the upper edge, as written to three places beyond
    # the upper edge itself: out, unless the exact answer at two places beyond lands on it (rounding twice:
    # n in [E + 45, E + 49] is E at one place beyond but E + 50 at two) or it is the key
    assert status(beyond + 50) == (RIGHT if finer == beyond + 50 or beyond + 50 == key else WRONG)
    # just below the lower edge: E - 51 is neither the key (a multiple of 1000) nor a multiple of 10 below E - 45
    assert status(beyond - 51) == WRONG
    # one unit off at the asked place: another key, more than step/20 from E (|E - K| <= 500 units)
    assert status(key + 1000) == WRONG
    if key > 1000:
        assert status(key - 1000) == WRONG


def test_the_issues_two_edges() -> None:
    # 2.747 h asked to 0.1 h: the key 2.7 h; one place beyond, 2.75 h. 2.75 and 2.7468 round to 2.75 at 0.01
    hours = problem(1, "h", 2.747, "0.1")
    for text in ("2.7", "2.70", "2.75", "2.7468", "2.747", "2.745", "2.7549"):
        assert marked(text, hours).status == RIGHT, text
    cut = marked("2.74", hours, partial=True)  # 2.747 cut off at 0.01
    assert (
        cut.status == WRONG and cut.diagnosis is not None and cut.diagnosis.startswith("cut off (truncated) at 0.01 h")
    )
    assert "2.747 h, is 2.75 h to 0.01 h" in cut.diagnosis and cut.credit == STANDARD.partial_rounding / 100
    assert marked("2.755", hours).status == WRONG  # the upper edge: 2.76 at 0.01
    # 3.67 gtt/min asked to whole drops: the key 4; one place beyond, 3.7. 3.5 rounds to 4 but is 3.5 at 0.1
    drops = problem(2, "gtt/min", 3.67, "1")
    for text in ("4", "4.0", "3.7", "3.67", "3.65"):
        assert marked(text, drops).status == RIGHT, text
    off = marked("3.5", drops, partial=True)
    assert off.status == WRONG and off.credit == 0
    assert off.diagnosis == (
        "given more precisely than asked, but off at 0.1 gtt/min: the exact answer, 3.67 gtt/min, is 3.7 gtt/min "
        "to 0.1 gtt/min; write 4 gtt/min, or a value right to 0.1 gtt/min"
    )


def test_the_exact_answer_rounded_to_a_finer_place_scores_where_rounding_twice_crosses_the_edge() -> None:
    # 2.7449 h: 2.74 at 0.01 (E), so [2.735, 2.745); at 0.001 it is 2.745, the correct rounding to three places
    p = problem(1, "h", 2.7449, "0.1")
    assert marked("2.745", p).status == RIGHT
    assert marked("2.7450", p).status == RIGHT
    assert marked("2.7451", p).status == WRONG  # 2.75 at 0.01, and no rounding of 2.7449
    assert marked("2.746", p).status == WRONG


def test_the_key_converted_after_rounding_is_marked_by_the_rule_and_said_so() -> None:
    # 13.333 mg/h = 0.22222 mg/min; the key 13.3 mg/h converted is 13.3 / 60 = 0.22167 mg/min, which is back
    # 0.2217 x 60 = 13.302 mg/h: not the key, and 13.30 at 0.01, not 13.33
    converted = PROFILES["units-converted"]
    assert marked("0.2222 mg/min", convention=converted).status == RIGHT  # 13.332 mg/h, 13.33 at 0.01
    late = marked("0.2217 mg/min", convention=converted, partial=True)
    assert late.status == WRONG and late.credit == converted.partial_rounding / 100
    assert "(0.2217 mg/min is 13.302 mg/h)" in late.reason
    assert late.diagnosis is not None and late.diagnosis.startswith("the key converted to mg/min after rounding")
    # a strict sheet: the right value in another unit, whichever way it was converted
    assert marked("0.2217 mg/min").diagnosis == "answered in another unit"


def test_the_rule_is_printed_as_it_is_worded_in_one_place(tmp_path: Path) -> None:
    import re

    def words(text: str) -> str:
        return " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())

    rule = words(RULE)
    help_text = run("check", "--help")
    assert rule in words(help_text.stdout), help_text.stdout
    sheet = exercises(count=2, seed=3)
    assert rule in words(as_text(sheet, "markdown"))
    readme = Path(__file__).resolve().parents[2] / "README.md"
    assert rule in words(re.sub(r"(?m)^> ", "", readme.read_text(encoding="utf-8")))  # quoted there


def test_another_unit_of_the_same_kind_follows_the_convention() -> None:
    # 13.333 mg/h = 0.2222 mg/min
    strict = marked("0.2222 mg/min")
    assert strict.status == WRONG and "in mg/min" in strict.reason and strict.credit == 0
    assert marked("0.2222 mg/min", partial=True).credit == STANDARD.partial_unit / 100
    assert marked("0.2222 mg/min", convention=PROFILES["units-converted"]).status == RIGHT
    # not the same kind: mL/h for mg/h is wrong in any convention
    other = marked("13.3 mL/h", convention=PROFILES["units-converted"])
    assert other.status == WRONG and "mL/h" in other.reason


# ---- diagnosis ---------------------------------------------------------------------------------------------

DIAGNOSES = [
    ("133", RATE, "factor of 10"),  # 13.33 x 10
    ("1.33", RATE, "factor of 10"),
    ("13333", RATE, "1,000"),
    ("0.0133", RATE, "1,000"),
    ("800", RATE, "60"),  # 13.33 x 60
    ("15.75", PUMP, "cap ignored"),  # 0.35 x 90 / 2
    ("13", RATE, "rounded to 1"),  # rounded to whole mg/h, not 0.1
    ("10", RATE, "rounded to 10"),  # rounded to tens
    ("6", DRIP, "cut off"),  # 6.667 truncated
    ("13.2", RATE, "too early"),  # within 2 % of 13.333 but not the key
    ("53.9", POUNDS, "pounds not converted"),  # 0.35 x 154
    # a slip after rounding: 0.35 mg/kg/h x 90 kg / 2.5 mg/mL = 12.6 mL/h, to whole mL/h: 13 mL/h, written 130;
    # 130 is 4 mL/h from 126 (the exact value x 10), outside one step, but exactly the key x 10
    ("130", problem(5, "mL/h", 0.35 * 90 / 2.5, "1"), "factor of 10"),
    ("13000", problem(5, "mL/h", 0.35 * 90 / 2.5, "1"), "1,000"),
    ("780", problem(5, "mL/h", 0.35 * 90 / 2.5, "1"), "60"),  # 13 x 60
]


@pytest.mark.parametrize(("text", "p", "words"), DIAGNOSES, ids=[d[0] + "-" + d[2].split()[0] for d in DIAGNOSES])
def test_each_error_is_diagnosed_for_its_wrong_answer(text: str, p: Problem, words: str) -> None:
    result = marked(text, p)
    assert result.status == WRONG
    assert result.diagnosis is not None and words in result.diagnosis


@pytest.mark.parametrize("p", [*SHEET, POUNDS], ids=lambda p: f"{p.number}-{p.unit}")
def test_the_right_answer_gets_no_diagnosis(p: Problem) -> None:
    result = marked(str(p.answer), p)
    assert result.status == RIGHT and result.diagnosis is None


def test_partial_credit_for_rounding_only_when_asked() -> None:
    assert marked("13").credit == 0
    assert marked("13", partial=True).credit == STANDARD.partial_rounding / 100
    assert marked("133", partial=True).credit == 0  # a power of ten earns nothing
    # merely close (13.2 for 13.333): a hint in the feedback, but no proven rounding error, so no credit
    close = marked("13.2", partial=True)
    assert "too early" in (close.diagnosis or "") and close.credit == 0


@pytest.mark.parametrize("text", ["1e1000000", "1e-999999999", "9e16"], ids=str)
def test_numbers_beyond_any_answer_are_unreadable_not_a_crash(text: str) -> None:
    result = marked(text)
    assert result.status == UNREADABLE and "than any answer" in result.reason


def test_unnamed_rows_of_a_class_are_never_merged() -> None:
    rows = [["student", "problem", "answer"], ["ann", "1", "13.3"], ["", "1", "13.3"], ["", "2", "11"]]
    readings, _ = read_answer_rows(rows, "a.csv")
    assert [r.student for r in readings] == ["ann", "(row 3, no name)", "(row 4, no name)"]


# ---- a class -----------------------------------------------------------------------------------------------

# Hand-worked scores against SHEET (keys 13.3 mg/h, 11 mL/h, 7 gtt/min):
#   ana: 13.3 right, 11 mL/hr right, 7 right                       -> 3/3
#   ben: 133 wrong (x10), blank (no answer), 6.667 right (rounds to 7) -> 1/3
#   cat: 7,16 unreadable, 11.0 right, 6 wrong (cut off)             -> 1/3
LONG = """student,problem,answer
ana,1,13.3
ana,2,11 mL/hr
ana,3,7
ben,1,133
ben,2,
ben,3,6.667
cat,1,"7,16"
cat,2,11.0
cat,3,6
"""
WIDE = """student,Q1,Q2,Q3,email
ana,13.3,11 mL/hr,7,ana@example.org
ben,133,,6.667,ben@example.org
cat,"7,16",11.0,6,cat@example.org
"""
SCORES = {"ana": 3, "ben": 1, "cat": 1}


def class_marks(text: str, order: list[int] | None = None) -> ClassMarks:
    from dosecalc.results import Sheet

    rows = list(csv.reader(io.StringIO(text)))
    if order is not None:
        rows = [rows[0]] + [rows[1:][i] for i in order]
    readings, ignored = read_answer_rows(rows, "answers.csv")
    sheet = Sheet(SHEET, SheetSpec(1, 3, None, STANDARD, 0))
    return ClassMarks(
        tuple(
            Marks(tuple(mark_answers(SHEET, r.answers, STANDARD)), sheet, student=r.student, notes=r.problems)
            for r in readings
        ),
        tuple(ignored),
    )


@pytest.mark.parametrize("layout", [LONG, WIDE], ids=["long", "wide"])
def test_golden_class_scores(layout: str) -> None:
    result = class_marks(layout)
    assert {m.student: m.score for m in result} == SCORES
    assert all(m.out_of == 3 for m in result)
    cat = next(m for m in result if m.student == "cat")
    assert [m.status for m in cat] == [UNREADABLE, RIGHT, WRONG]
    assert result.unreadable == 1
    gradebook = list(csv.DictReader(io.StringIO(as_text(result, "csv"))))
    assert [(row["student"], row["score"], row["out_of"], row["1"], row["2"], row["3"]) for row in gradebook] == [
        ("ana", "3", "3", "1", "1", "1"),
        ("ben", "1", "3", "0", "0", "1"),
        ("cat", "1", "3", "0", "1", "0"),
    ]


def test_item_analysis_of_the_golden_class() -> None:
    items = class_marks(LONG).item_analysis().items
    # problem 1: ana right, ben wrong (133), cat unreadable; problem 3: ana and ben right, cat wrong (6)
    assert items[0].counts == {"right": 1, "wrong": 1, "unreadable": 1, "no answer": 0}
    assert items[0].wrong_answers[0][:2] == ("133 mg/h", 1)
    assert items[1].counts == {"right": 2, "wrong": 0, "unreadable": 0, "no answer": 1}
    assert items[2].errors[0][0].startswith("cut off")


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(9))))
def test_marking_does_not_depend_on_row_order(order: list[int]) -> None:
    shuffled = class_marks(LONG, order)
    assert {m.student: [x.status for x in m] for m in shuffled} == {
        m.student: [x.status for x in m] for m in class_marks(LONG)
    }
    assert as_text(shuffled.item_analysis(), "json") == as_text(class_marks(LONG).item_analysis(), "json")


def test_an_answer_given_twice_differently_is_unreadable_whatever_the_order() -> None:
    for rows in (
        [["problem", "answer"], ["1", "13.3"], ["1", "12"]],
        [["problem", "answer"], ["1", "12"], ["1", "13.3"]],
    ):
        (reading,), _ = read_answer_rows(rows, "a.csv")
        (result,) = mark_answers([RATE], reading.answers, STANDARD, unreadable=reading.unreadable)
        assert result.status == UNREADABLE and "rows 2, 3" in result.reason


def test_a_row_split_by_a_comma_is_not_misread() -> None:
    # 1,10,5: the student wrote 10,5 unquoted; reading 10 would mark a value they did not mean
    (reading,), _ = read_answer_rows([["problem", "answer"], ["1", "10", "5"]], "a.csv")
    (result,) = mark_answers([RATE], reading.answers, STANDARD, unreadable=reading.unreadable)
    assert result.status == UNREADABLE and "more cells than the header" in result.reason


def test_a_header_that_is_no_layout_is_refused() -> None:
    with pytest.raises(DoseCalcError, match="no header"):
        read_answer_rows([["name", "value"], ["a", "1"]], "a.csv")


# ---- end to end: generated sheets, codes, the command line ------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), level=st.sampled_from([None, 1, 2, 3]), profile=st.sampled_from(sorted(PROFILES)))
def test_every_key_is_right_in_every_spelling_and_one_unit_off_at_the_asked_place_is_wrong(
    seed: int, level: int | None, profile: str
) -> None:
    sheet = exercises(count=6, seed=seed, level=level, conventions=profile)
    spellings = {"mg/h": "mg per hour", "mL/h": "ml/hr", "gtt/min": "drops/min", "mg": "milligrams"}
    for p in sheet:
        key = f"{p.answer:.{p.places}f}"
        answers = {1: key, 2: f"{key} {p.unit}", 3: f"{key} {spellings.get(p.unit, p.unit)}"}
        half = p.step / 2
        exact = Decimal(f"{p.exact:.12g}")
        # one unit away at the asked place: never the key, and never within step/20 of the exact answer rounded
        # one place further (that lies within step/2 + step/20 of the key)
        below, above = Decimal(str(p.answer)) - p.step, Decimal(str(p.answer)) + p.step
        for text in answers.values():
            assert mark_answers([p], {p.number: text}, sheet.convention)[0].status == RIGHT, (p, text)
        for outside in (below, above):
            if outside > 0:
                assert mark_answers([p], {p.number: str(outside)}, sheet.convention)[0].status == WRONG, (p, outside)
        assert abs(exact - Decimal(str(p.answer))) <= half


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), level=st.sampled_from([None, 1, 2, 3]), profile=st.sampled_from(sorted(PROFILES)))
def test_the_key_slipped_by_a_power_of_ten_or_sixty_is_always_diagnosed(
    seed: int, level: int | None, profile: str
) -> None:
    sheet = exercises(count=8, seed=seed, level=level, conventions=profile)
    for p in sheet:
        for factor in (Decimal(10), Decimal(1000), Decimal(60)):
            for slipped in (Decimal(str(p.answer)) * factor, Decimal(str(p.answer)) / factor):
                result = mark_answers([p], {p.number: f"{slipped:.8g}"}, sheet.convention)[0]
                assert result.status == WRONG and result.diagnosis, (p, slipped, result.reason)


def test_answers_in_each_others_boxes_are_named_by_the_problem_they_answer() -> None:
    # keys: 1. 80 / 6 = 13.333 -> 13.3 mg/h; 2. 22 / 2 = 11 mL/h; 3. 20 × 20 / 60 = 6.667 -> 7 gtt/min.
    # Problems 1 and 2 swapped: 11 is problem 2's key, 13.3 problem 1's.
    one, two, three = mark_answers(SHEET, {1: "11", 2: "13.3", 3: "6"}, STANDARD)
    assert one.status == WRONG and one.diagnosis == "this is problem 2's answer (11 mL/h): in the wrong box?"
    assert one.reason == "expected 13.3 mg/h; this is problem 2's answer (11 mL/h): in the wrong box?"
    assert two.status == WRONG and two.diagnosis is not None
    assert two.diagnosis.startswith("this is problem 1's answer (13.3 mg/h): in the wrong box?"), two.reason
    # 6 gtt/min is no other problem's key (13.3, 11): not said to be in the wrong box
    assert three.status == WRONG and "wrong box" not in three.reason
    # a unit that cannot be the other problem's (mg/h is no flow, mL/h no dose rate) is not its answer; a right
    # answer is left alone
    alone = mark_answers(SHEET, {1: "13.3", 2: "13.3 mL/h", 3: "11 mg/h"}, STANDARD)
    assert alone[0].status == RIGHT and alone[0].reason == "right"
    assert "wrong box" not in alone[1].reason and "wrong box" not in alone[2].reason


def test_an_answer_in_the_wrong_box_is_said_first_before_an_error_it_also_matches() -> None:
    # problem 2 (11 mL/h) with the cap ignored gives 15.75 mL/h; if problem 1's key were 15.8 (to 0.1), an answer
    # of 15.8 in box 2 is both: the box first, then the error
    first = problem(1, "mL/h", 15.78, "0.1")  # 15.78 -> 15.8 mL/h
    result = mark_answers((first, PUMP), {2: "15.8"}, STANDARD)[1]
    assert result.diagnosis == (
        "this is problem 1's answer (15.8 mL/h): in the wrong box? Or: the 25 mg/h cap ignored"
    ), result.reason
    assert result.reason == f"expected 11 mL/h; {result.diagnosis}"


# Seed 1043, level 3, problem 3: 202 lb, bolus 0.5 mg/kg, then 10 mcg/kg/min for the 8 h session. Per kg:
# 0.5 mg/kg + 10 mcg/kg/min × 60 min/h ÷ 1000 mcg/mg × 8 h = 0.5 + 4.8 = 5.3 mg/kg.
#   exact pound: 202 × 0.45359237 = 91.62565874 kg; × 5.3 = 485.616 mg -> 485.6 mg
#   2.2 lb = 1 kg: 202 / 2.2 = 91.818182 kg; × 5.3 = 486.636 mg -> 486.6 mg
#   the exact pound the wrong way: 202 / 0.45359237 = 445.334 kg; × 5.3 = 2360.27 mg
#   2.2 the wrong way: 202 × 2.2 = 444.4 kg; × 5.3 = 2355.32 mg
EXACT_RULE = "the sheet's pound rule: 1 lb = 0.45359237 kg"
COURSE_RULE = "the sheet's pound rule: 2.2 lb = 1 kg"


@pytest.mark.parametrize(
    ("profile", "key", "answer", "words"),
    [
        ("standard", 485.6, "486.6", f"the weight converted with 2.2 lb = 1 kg, not exactly ({EXACT_RULE})"),
        ("standard", 485.6, "486.64", f"the weight converted with 2.2 lb = 1 kg, not exactly ({EXACT_RULE})"),
        ("standard", 485.6, "2360.3", f"the pounds divided by 0.45359237 instead of multiplied ({EXACT_RULE})"),
        (
            "pound-2.2",
            486.6,
            "485.6",
            f"the weight converted with the exact pound, 1 lb = 0.45359237 kg ({COURSE_RULE})",
        ),
        ("pound-2.2", 486.6, "2355.3", f"the pounds multiplied by 2.2 instead of divided ({COURSE_RULE})"),
    ],
    ids=["2.2-for-exact", "2.2-for-exact-unrounded", "exact-wrong-way", "exact-for-2.2", "2.2-wrong-way"],
)
def test_a_slip_of_the_pound_rule_is_diagnosed_naming_the_sheets_rule(
    profile: str, key: float, answer: str, words: str
) -> None:
    sheet = exercises(count=3, seed=1043, level=3, conventions=profile)
    p = sheet[2]
    assert p.kind == "session-total", p.question
    assert p.question.startswith("For a patient weighing 202 lb, the regimen gives"), p.question
    assert p.answer == key
    result = mark_answers([p], {p.number: answer}, sheet.convention)[0]
    assert result.status == WRONG and result.diagnosis == words, result.reason


def test_an_answer_on_the_far_side_of_the_key_is_not_named_a_slip_of_the_pound_rule() -> None:
    # key 485.6 (exact 485.616); the 2.2 rule gives 486.636, 0.2 % away, inside its own 0.5 % tolerance. 484.6 is
    # 1.016 below the exact value and 2.036 below 486.636: nearer the key, so not the 2.2 rule
    sheet = exercises(count=3, seed=1043, level=3)
    result = mark_answers([sheet[2]], {3: "484.6"}, sheet.convention)[0]
    assert result.status == WRONG and "2.2" not in (result.diagnosis or ""), result.reason


def test_the_score_is_out_of_the_problems_on_the_sheet(tmp_path: Path) -> None:
    sheet = exercises(count=10, seed=2024)
    answers = tmp_path / "a.csv"
    answers.write_text(f"problem,answer\n1,{sheet[0].answer}\n2,{sheet[1].answer}\n")
    result = mark(answers, sheet=sheet.code)
    assert isinstance(result, Marks)
    assert (result.right, result.out_of) == (2, 10)
    # without a code: the seed, and the count defaults to 10 as for exercises
    assert mark(answers, seed=2024).out_of == 10


def test_check_by_code_needs_nothing_else_and_exits_by_readability(tmp_path: Path) -> None:
    key = json.loads(
        run("exercises", "-n", "3", "--seed", "9", "--level", "3", "--pound", "2.2", "--answers", "-f", "json").stdout
    )
    code = key["sheet_code"]
    first = key["problems"][0]
    answers = tmp_path / "a.csv"
    answers.write_text(f"problem,answer\n1,{first['answer']['value']} {first['unit']}\n2,\n")
    done = run("check", str(answers), "--sheet", code, "-f", "json")
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == {
        "right": 1,
        "out_of": 3,
        "points": 1,
        "percent": pytest.approx(100 / 3),
        "partial_credit": False,
    }
    assert [m["status"] for m in result["marks"]] == ["right", "no answer", "no answer"]
    answers.write_text("problem,answer\n1,abc\n")
    unreadable = run("check", str(answers), "--sheet", code)
    assert unreadable.exit_code == 1 and "UNREADABLE" in unreadable.stdout
    # the same sheet named by its old flags gives the same marks; another sheet is another key
    same = run("check", str(answers), "--seed", "9", "-n", "3", "--level", "3", "--pound", "2.2", "-f", "json")
    assert json.loads(same.stdout)["sheet_code"] == code


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda code: code[:-1], "is not a sheet code"),
        (lambda code: code[:5] + ("X" if code[5] != "X" else "Y") + code[6:], "is not a sheet code"),
    ],
    ids=["missing-character", "wrong-character"],
)
def test_a_mistyped_code_is_refused(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    code = exercises(count=3, seed=4).code
    answers = tmp_path / "a.csv"
    answers.write_text("problem,answer\n1,1\n")
    done = run("check", str(answers), "--sheet", change(code))
    assert done.exit_code == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_a_code_from_other_cards_is_refused(tmp_path: Path, card_folder: Path) -> None:
    code = exercises(count=3, seed=4).code
    answers = tmp_path / "a.csv"
    answers.write_text("problem,answer\n1,1\n")
    done = run("check", str(answers), "--sheet", code, "--regimens-dir", str(card_folder), "--no-builtin")
    assert done.exit_code == 2 and "other regimen cards" in done.stderr


@pytest.mark.parametrize(
    ("spec", "constant", "made_by"),
    [
        (SheetSpec(4, 3, None, STANDARD, 123), "_OPEN_SHEET_VERSION", 1),  # an open sheet on its own: format 5
        (SheetSpec(4, 3, None, STANDARD, 123, variants=3, variant=2), "FORMAT_VERSION", 8),  # a variant: format 6
    ],
    ids=["unknown-1", "newer-than-7"],
)
def test_a_code_of_another_format_version_is_refused(spec: SheetSpec, constant: str, made_by: int) -> None:
    from dosecalc.teaching import sheets

    code = sheets.encode(spec)
    original = getattr(sheets, constant)
    try:
        setattr(sheets, constant, made_by)
        other = sheets.encode(spec)
    finally:
        setattr(sheets, constant, original)
    assert sheets.decode(code, 123) == spec
    with pytest.raises(DoseCalcError, match=f"made by sheet format {made_by}; this dosecalc reads formats 5, 6 and 7"):
        sheets.decode(other, 123)


@pytest.mark.parametrize(
    ("spec", "constant", "made_by"),
    [
        (SheetSpec(4, 3, None, STANDARD, 123), "_OPEN_SHEET_VERSION", 2),
        (SheetSpec(4, 3, None, STANDARD, 123, variants=3, variant=2), "FORMAT_VERSION", 3),
        (SheetSpec(4, 3, None, STANDARD._replace(decimal="comma"), 123), "_COMMA_VERSION", 4),
    ],
    ids=["open-sheet-format-2", "variant-format-3", "comma-format-4"],
)
def test_a_code_an_older_dosecalc_made_is_refused_in_one_line_saying_so(
    tmp_path: Path, spec: SheetSpec, constant: str, made_by: int
) -> None:
    """Formats 2, 3 and 4 stood for problems worded and drawn otherwise (a phased regimen without articles, a
    gravity drip of 1 gtt/min): their codes are refused rather than regenerate other problems."""
    from dosecalc.teaching import sheets

    original = getattr(sheets, constant)
    try:
        setattr(sheets, constant, made_by)  # the layout is the same: only the version differs
        old = sheets.encode(spec)
    finally:
        setattr(sheets, constant, original)
    with pytest.raises(DoseCalcError, match=rf"was made by an older dosecalc \(sheet format {made_by}\)"):
        sheets.decode(old, 123)
    assert exercises(count=3, seed=4).code[0] in "AB"  # made today: format 5 (0101) in the first 4 bits
    answers = tmp_path / "a.csv"
    answers.write_text("problem,answer\n1,1\n")
    real_old = "4058-0FT0-56PP-JJHZ-1MP2-G"  # made by the dosecalc before format 5: 6 problems of seed 2024
    done = run("check", str(answers), "--sheet", real_old)
    assert done.exit_code == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "was made by an older dosecalc (sheet format 2)" in done.stderr
    assert "mark it with the dosecalc version that made the sheet, or make the sheet again" in done.stderr


def test_a_sheet_regenerated_from_its_code_is_byte_identical() -> None:
    from dosecalc.teaching.sheets import decode

    for options in ({"seed": 3}, {"seed": 77, "level": 3, "pound": "2.2"}, {"seed": 5, "conventions": "whole-ml-h"}):
        sheet = exercises(count=7, **options)  # type: ignore[arg-type]
        spec = decode(sheet.code, sheet.spec.fingerprint)
        again = exercises(spec.size, spec.seed, level=spec.level, conventions=spec.convention)
        assert again.code == sheet.code
        for fmt in ("markdown", "json", "html"):
            assert again.key().as_text(fmt) == sheet.key().as_text(fmt)


def test_a_class_with_its_own_codes(tmp_path: Path) -> None:
    sheets = exercises(count=3, seed=11, students=["ana", "ben"])
    ana, ben = sheets
    assert ana.code != ben.code  # neighbours' sheets differ
    answers = tmp_path / "class.csv"
    answers.write_text(
        "student,sheet,problem,answer\n"
        f"ana,{ana.code},1,{ana[0].answer}\n"
        f"ben,{ben.code},1,{ben[0].answer}\n"
        f"ben,{ben.code},2,{ben[1].answer}\n"
    )
    result = mark(answers)
    assert isinstance(result, ClassMarks)
    assert [(m.student, m.right, m.out_of) for m in result] == [("ana", 1, 3), ("ben", 2, 3)]
    gradebook, items = tmp_path / "gb.csv", tmp_path / "items.csv"
    done = run("check", str(answers), "--gradebook", str(gradebook), "--items", str(items))
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(gradebook.open()))
    assert [(r["student"], r["score"], r["out_of"], r["percent"]) for r in rows] == [
        ("ana", "1", "3", repr(100 / 3)),
        ("ben", "2", "3", repr(200 / 3)),
    ]
    assert [r["problem"] for r in csv.DictReader(items.open())] == ["1", "2", "3"]


def test_spreadsheet_formulas_in_names_are_neutralised(tmp_path: Path) -> None:
    answers = tmp_path / "class.csv"
    code = exercises(count=2, seed=1).code
    answers.write_text('student,problem,answer\n=HYPERLINK("x"),1,1\n')
    gradebook = tmp_path / "gb.csv"
    run("check", str(answers), "--sheet", code, "--gradebook", str(gradebook))
    assert next(csv.DictReader(gradebook.open()))["student"].startswith("'=")


def test_a_student_without_a_code_in_a_class_with_codes_is_reported_not_guessed(tmp_path: Path) -> None:
    ana = exercises(count=2, seed=11, students=["ana"])[0]
    answers = tmp_path / "class.csv"
    answers.write_text(f"name,sheet code,problem,answer\nana,{ana.code},1,{ana[0].answer}\nben,,1,5\n")
    result = mark(answers)
    assert isinstance(result, ClassMarks)
    assert [m.student for m in result] == ["ana"]
    assert [str(r) for r in result.refused] == ["ben: not marked: no sheet code in the sheet column, and no --sheet"]
    assert run("check", str(answers)).exit_code == 1
    # the gradebook keeps a row for ben, with no score and the reason
    gradebook = list(csv.DictReader(io.StringIO(as_text(result, "csv"))))
    assert [(r["student"], r["score"], r["note"]) for r in gradebook] == [
        ("ana", "1", ""),
        ("ben", "", "not marked: no sheet code in the sheet column, and no --sheet"),
    ]


def test_the_method_option_is_part_of_the_sheet_and_its_code() -> None:
    plain = run("exercises", "-n", "4", "--seed", "4", "--level", "2", "--answers", "-f", "json").json()
    formula = run(
        "exercises", "-n", "4", "--seed", "4", "--level", "2", "--method", "formula", "--answers", "-f", "json"
    )
    assert formula.exit_code == 0, formula.stderr
    sheet = formula.json()
    assert sheet["sheet_code"] != plain["sheet_code"]
    assert "Worked steps by the formula method (D/H x Q)." in sheet["conventions"]
    from dosecalc.teaching.sheets import decode

    assert decode(sheet["sheet_code"], exercises(count=1).spec.fingerprint).convention.method == "formula"
    refused = run("exercises", "--method", "guess")
    assert refused.exit_code == 2 and "--method" in refused.stderr


def test_a_students_file_is_read_by_its_header_and_its_rows_are_counted_as_written(tmp_path: Path) -> None:
    several = tmp_path / "class.csv"
    several.write_text("Student Name,Email\nana,a@example.org\n")
    with pytest.raises(DoseCalcError, match="none headed student, name or id"):
        exercises(count=1, students=several)
    twice = tmp_path / "twice.csv"
    twice.write_text("name\nana\n\nben\nana\n")  # the blank row 3 still counts: ana is on rows 2 and 5
    with pytest.raises(DoseCalcError, match="row 5: 'ana' is named twice \\(row 2 too\\)"):
        exercises(count=1, students=twice)
    plain = tmp_path / "plain.csv"
    plain.write_text("ana\nben\n")  # one column without a heading: every row a name
    assert [sheet.student for sheet in exercises(count=1, students=plain)] == ["ana", "ben"]


def test_an_unknown_profile_name_is_not_read_as_a_file() -> None:
    with pytest.raises(DoseCalcError, match="neither a built-in profile \\(standard"):
        exercises(count=1, conventions="nosuch")
