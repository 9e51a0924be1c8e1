"""Exports to learning platforms: Moodle XML, GIFT, Canvas (QTI 1.2) and QTI 2.1, read back by independent
readers (tests/lms_readers.py) and checked against the sheet's key and marking rule."""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc import api
from dosecalc.cli import main
from dosecalc.errors import DoseCalcError
from dosecalc.results import Sheet, Variants
from dosecalc.teaching import lms, sheets
from dosecalc.teaching.exercises import Problem
from dosecalc.teaching.marking import accepted, diagnose, is_right, key_value, mark_one
from dosecalc.teaching.sheets import PROFILES, SheetSpec, decode, fingerprint, sheet_cards
from dosecalc.units import convert_text, unit_text
from dosecalc.wording import MARKING_RULE

from ..lms_readers import (
    UNIT_INCORRECT,
    evaluate,
    grade,
    moodle_grade,
    qti_bounds,
    qti_grade,
    read_canvas,
    read_gift,
    read_moodle,
    read_qti_item,
    unzip,
)

FORMATS = ("moodle", "gift", "canvas", "qti21")
#: The 1EdTech schemas: ../shared/schemas/qti beside the repository (as CI has them), or DOSECALC_QTI_SCHEMAS.
SCHEMAS = Path(
    os.environ.get("DOSECALC_QTI_SCHEMAS") or Path(__file__).resolve().parents[2].parent / "shared" / "schemas" / "qti"
)


# ---- a small sheet, made by hand ---------------------------------------------------------------------------


def _problem(**changes: object) -> Problem:
    """A pump-rate problem: 21.725 mg/h at 2 mg/mL = 10.8625 mL/h, 10.9 mL/h at 0.1 mL/h; a cap ignored gives
    12.5 mL/h."""
    problem = Problem(
        number=1,
        level=2,
        kind="pump-rate",
        regimen="demo",
        question="Given a rate of 21.725 mg/h and a drug concentration of 2 mg/mL: what is the pump rate in mL/h?",
        figure="pump_rate",
        unit="mL/h",
        exact=10.8625,
        answer=10.9,
        step=Decimal("0.1"),
        factors=1,
        steps=("pump rate: 21.725 mg/h \u00f7 2 mg/mL = 10.8625 mL/h, rounded 10.9 mL/h",),
        inputs={},
        errors=(("the rate cap ignored", 12.5),),
    )
    return problem._replace(**changes)


def _sheet(*problems: Problem, profile: str = "standard") -> Sheet:
    spec = SheetSpec(seed=7, size=len(problems), level=2, convention=PROFILES[profile], fingerprint=1234)
    return Sheet(problems, spec, is_key=True)


def test_golden_moodle_export_of_a_small_sheet() -> None:
    sheet = _sheet(_problem())
    [q] = read_moodle(sheet.as_text("moodle"))
    assert q.category == "$course$/dosecalc/level 2/pump-rate"
    assert q.idnumber == f"{sheet.code} #1" and q.name == "01 pump-rate (level 2)"
    # strict units: first, the right value in mL/min, which Moodle knows by the negated multiplier: at minus the
    # key, -10.9, with half the step, 0.05, either side (a response in mL/min divided by -1/60 lands there)
    elsewhere, key, more, *wrong = q.answers
    assert (elsewhere.value, elsewhere.tolerance, elsewhere.fraction) == (Decimal("-10.9"), Decimal("0.05"), 0)
    assert "answered in another unit: the right value in mL/min" in elsewhere.feedback
    # 10.8625 rounded half up to 0.1 = 10.9: the key, exactly (tolerance 0). One place beyond, at 0.01: 10.86, with
    # a twentieth of the step, 0.005, either side. 10.8625 at 0.001 is 10.863 and at 0.0001 itself, both inside
    # [10.855, 10.865): no further right answer.
    assert (key.value, key.tolerance, key.fraction) == (Decimal("10.9"), Decimal("0"), 100)
    assert (more.value, more.tolerance, more.fraction) == (Decimal("10.86"), Decimal("0.005"), 100)
    # Each distractor: the value the error gives, tolerance max(0.1, 0.5 % of it), as check matches it.
    # the cap ignored: 12.5 (tol 0.1);
    # rounded to another place, that value exactly (tol 0): 0.001 -> 10.863 and 0.01 -> 10.86 are right answers
    # (left out); 1 -> 11; tens -> 10; cut off at 0.1 -> 10.8;
    # x1000: 10862.5 (tol 54.3125); /1000: 0.0108625 (tol 0.1);
    # x100: 1086.25 (tol 5.43125); /100: 0.108625 (tol 0.1) meets /1000's [-0.0891375, 0.1108625]: left out;
    # x10: 108.625 (tol 0.543125); /10: 1.08625 (tol 0.1); x60: 651.75 (tol 3.25875);
    # /60: 0.18104166... (tol 0.1) meets /1000's interval: left out;
    # the right value in mL/min as a bare number, 10.9 / 60 = 0.181666666667, lies in /60's interval
    # [0.081, 0.281] (left out, but check names an answer there by it first): no distractor for it
    assert [(a.value, a.tolerance) for a in wrong] == [
        (Decimal("12.5"), Decimal("0.1")),
        (Decimal("11"), Decimal("0")),
        (Decimal("10"), Decimal("0")),
        (Decimal("10.8"), Decimal("0")),
        (Decimal("10862.5"), Decimal("54.3125")),
        (Decimal("0.0108625"), Decimal("0.1")),
        (Decimal("1086.25"), Decimal("5.43125")),
        (Decimal("108.625"), Decimal("0.543125")),
        (Decimal("1.08625"), Decimal("0.1")),
        (Decimal("651.75"), Decimal("3.25875")),
    ]
    assert all(a.fraction == 0 for a in wrong)
    assert "the rate cap ignored" in wrong[0].feedback and "rounded to 1 mL/h, not 0.1" in wrong[1].feedback
    assert "rounded to 10 mL/h" in wrong[2].feedback
    assert "cut off" in wrong[3].feedback and "factor of 1,000" in wrong[4].feedback
    # strict: the asked unit and its spellings at multiplier 1, with "per" as Moodle reads it (every space
    # removed); then mL/min's spellings at minus its multiplier, 1/60
    spelled = ["mL/h", "mL/hr", "ml/h", "ml/hr", "mLperh", "mLperhr", "mlperh", "mlperhr"]
    minutes = [("mL/min", "-0.0166666666666667"), ("ml/min", "-0.0166666666666667")]
    minutes += [("mLpermin", "-0.0166666666666667"), ("mlpermin", "-0.0166666666666667")]
    assert q.units == [(name, Decimal(1)) for name in spelled] + [(n, Decimal(m)) for n, m in minutes]
    # graded units, the whole mark for a unit Moodle cannot confirm: 20 mg/min must not score for 20 mg/h
    assert (q.unitgradingtype, q.unitpenalty, q.showunits) == (1, Decimal("1"), 0)
    assert "Type the unit after the number" in q.text
    assert "spelled mL/h (also read: mL/hr, ml/h, ml/hr, mL per h, mL per hr, ml per h, ml per hr)" in q.text
    assert "any other spelling of it, capitals changed included, is not read here and scores nothing" in q.text
    assert not any("Right." in a.feedback for a in q.answers)
    assert "10.8625 mL/h" in q.general and MARKING_RULE in q.general
    assert "exactly 10.9 mL/h, and from 10.855 mL/h up to, but not including, 10.865 mL/h" in q.general
    assert "10.86 \u00b1 0.005 mL/h, both ends included, so it also accepts exactly 10.865 mL/h" in q.general
    assert "Educational reference only" in q.text


def test_golden_a_right_value_in_another_unit_is_a_distractor_under_strict_units() -> None:
    problem = _problem(unit="mg/h", exact=24.0, answer=24.0, errors=(), kind="rate", figure="rate")
    [q] = read_moodle(_sheet(problem).as_text("moodle"))
    # 24 mg/h: the key 24 (tolerance 0), and 24.00 one place beyond (tolerance 0.005); rounded to tens 20 (to 1,
    # 0.01, 0.001 and cut off: 24, a right answer, left out);
    # x1000 24000; /1000 0.024 [-0.076, 0.124]; x100 2400; /100 0.24 [0.14, 0.34]; x10 240; /10 2.4;
    # x60 1440; /60 0.4 [0.3, 0.5] meets /100's: left out. In mg/min 24 / 60 = 0.4 lies in /60's: left out.
    # In mcg/min 24 mg/h = 400 mcg/min, tolerance 0.05 mg/h = 0.05 x 16.6666666666667 = 0.833333333333335 mcg/min
    # Moodle reads the unit: first the right value in mg/min, at minus the key, -24, with half the step, 0.05;
    # then in mcg/min, a thousand times nearer zero (-0.024, 0.00005), so the two never meet: their units are
    # listed at minus their multipliers, mcg/min's times 1,000 (16.6666666666667 x 1000). The distractor for
    # mcg/min's value as a number alone is for the formats that read no unit
    assert [a.value for a in q.answers] == [
        Decimal(v) for v in ("-24", "-0.024", "24", "24", "20", "24000", "0.024", "2400", "0.24", "240", "2.4", "1440")
    ]
    minutes, micrograms = q.answers[:2]
    assert (minutes.tolerance, micrograms.tolerance) == (Decimal("0.05"), Decimal("0.00005"))
    assert "answered in another unit: the right value in mg/min" in minutes.feedback
    assert "answered in another unit: the right value in mcg/min" in micrograms.feedback
    assert [(name, m) for name, m in q.units if m != 1] == [
        ("mg/min", Decimal("-0.0166666666666667")),
        ("mgpermin", Decimal("-0.0166666666666667")),
        ("mcg/min", Decimal("-16666.6666666667")),
        ("mcgpermin", Decimal("-16666.6666666667")),
    ]
    # 400 mcg/min / -16666.6666666667 = -0.024; 0.4 mg/min / -0.0166666666666667 = -24
    assert "right value in mcg/min" in moodle_grade(q, "400 mcg/min").feedback
    assert "right value in mg/min" in moodle_grade(q, "0.4 mg per min").feedback
    [g] = read_gift(_sheet(problem).as_text("gift"))
    other = g["answers"][-1]
    assert (other.value, other.tolerance) == (Decimal("400"), Decimal("0.833333333333335"))
    assert "answered in another unit: the right value in mcg/min" in other.feedback


def marked_status(problem: Problem, text: str, profile: str) -> str:
    return mark_one(problem, text, PROFILES[profile], partial=False).status


@pytest.mark.parametrize("profile", ["standard", "units-converted"])
def test_moodle_never_scores_a_number_whose_unit_check_marks_wrong(profile: str) -> None:
    [q] = read_moodle(_sheet(_problem(), profile=profile).as_text("moodle"))
    assert moodle_grade(q, "10.9 mL/h").fraction == 1
    assert moodle_grade(q, "10.9ml/hr").fraction == 1
    # the key's number in another unit is another value: 10.9 mL/min is 654 mL/h, wrong for check and Moodle
    assert moodle_grade(q, "10.9 mL/min").fraction == 0
    if profile == "units-converted":
        # the exact 10.8625 mL/h is 0.18104 mL/min; back in mL/h 0.18104 x 60 = 10.8624, in [10.855, 10.865]: scores
        assert moodle_grade(q, "0.18104 mL/min").fraction == 1
        assert marked_status(_problem(), "0.18104 mL/min", profile) == "right"
        # the key converted after rounding: 10.9 / 60 = 0.18167 mL/min, 10.9002 mL/h, neither the key nor within
        # 0.005 of 10.86: wrong in both
        assert moodle_grade(q, "0.18167 mL/min").fraction == 0
        assert marked_status(_problem(), "0.18167 mL/min", profile) == "wrong"


def _seventy() -> Problem:
    """Issue 27's case: a pump rate of 70 mL/h (exact 70.0125), and an error, the weight left out, that gives
    1.2 mL/h, so that the right value in mL/min, 70 / 60 = 1.1666..., typed as a number alone falls in that
    error's interval [1.1, 1.3] (tolerance max(0.1, 0.5 % of 1.2))."""
    return _problem(exact=70.0125, answer=70.0, errors=(("the weight left out", 1.2),))


@pytest.mark.parametrize("profile", ["standard", "pound-2.2-whole-ml-h"])
@pytest.mark.parametrize(
    "response",
    ["1.16666666667 mL/min", "1.1667 mL/min", "1.1667ml/min", "1.1667 ml per min", "1.16 mL/min", "1.16749 mL/min"],
    ids=["issue", "4-places", "no-space", "per", "low-edge", "high-edge"],
)
def test_moodle_strict_says_answered_in_another_unit_as_check_does(profile: str, response: str) -> None:
    problem = _seventy()._replace(step=Decimal("1") if "whole" in profile else Decimal("0.1"))
    [q] = read_moodle(_sheet(problem, profile=profile).as_text("moodle"))
    # 1.16666666667 mL/min x 60 = 70.0000000002 mL/h, the key to the step; 1.16 x 60 = 69.6 and 1.16749 x 60 =
    # 70.0494: at 0.1 mL/h the key's rounding interval is [69.95, 70.05), which 69.6 is not in. So the low edge
    # is another unit only at the whole-mL/h step ([69.5, 70.5)). (Moodle's interval includes its upper end,
    # 70.05 here, which check rounds to 70.1: there Moodle says "another unit" and check does not; both score 0.)
    inside = not (response.startswith("1.16 ") and problem.step == Decimal("0.1"))
    graded = moodle_grade(q, response)
    assert graded.fraction == 0 and graded.unit_known, graded
    mark = mark_one(problem, response, PROFILES[profile], partial=False)
    assert mark.status == "wrong"
    if inside:
        assert "answered in another unit: the right value in mL/min" in graded.feedback, graded
        assert "the weight left out" not in graded.feedback and UNIT_INCORRECT not in graded.feedback
        assert mark.diagnosis == "answered in another unit", mark
    else:
        assert mark.diagnosis != "answered in another unit", mark
        assert "answered in another unit" not in graded.feedback, graded


def test_moodle_without_its_unit_scores_nothing_and_never_says_right() -> None:
    [q] = read_moodle(_sheet(_problem()).as_text("moodle"))
    # a bare number, an unlisted spelling (capitals, a word check reads), a unit of another kind: the key's
    # number matched with the unit wrong, the whole mark lost; the feedback says the number, never "Right"
    for response in ("10.9", "10.9 ML/H", "10.9 mL/hour", "10.9 milliliters per hour", "10.9 mg/h"):
        graded = moodle_grade(q, response)
        assert graded.fraction == 0 and not graded.unit_known, (response, graded)
        assert "Right" not in graded.feedback, (response, graded.feedback)
        assert "This number is the answer in mL/h; it scores only with mL/h" in graded.feedback
        assert graded.feedback.endswith(UNIT_INCORRECT), graded.feedback
    graded = moodle_grade(q, "10.9 mL per hr")  # spaces go: the name mLperhr, which the question lists
    assert graded.fraction == 1 and graded.feedback.startswith("<p>This number is the answer in mL/h")
    # check reads every one of them as mL/h but the one of another kind
    for response in ("10.9 mL/hour", "10.9 milliliters per hour", "10.9 mL per hr"):
        assert marked_status(_problem(), response, "standard") == "right", response


def test_moodle_reads_the_unit_as_its_code_does() -> None:
    from ..lms_readers import moodle_apply_units

    units = {"mL/h": 1.0, "mLperh": 1.0}
    # every space removed, then matched exactly; a comma alone is a decimal point; x10^ is an exponent
    assert moodle_apply_units(" 10.9  mL / h ", units) == (10.9, "mL/h", 1.0)
    assert moodle_apply_units("10.9 mL per h", units) == (10.9, "mLperh", 1.0)
    assert moodle_apply_units("10,9 mL/h", units) == (10.9, "mL/h", 1.0)
    assert moodle_apply_units("1.09x10^1 ml/h", units) == (10.9, "ml/h", None)
    assert moodle_apply_units("mL/h", units) == (None, "", None)


def test_golden_units_converted_profile_lists_other_units_with_moodle_multipliers() -> None:
    [q] = read_moodle(_sheet(_problem(), profile="units-converted").as_text("moodle"))
    # 1 mL/h = 1/60 mL/min: a value in mL/min divided by 0.0166666666666667 is the value in mL/h, in each spelling
    assert [u for u in q.units if u[1] != 1] == [
        (name, Decimal("0.0166666666666667")) for name in ("mL/min", "ml/min", "mLpermin", "mlpermin")
    ]
    assert not any("another unit" in a.feedback for a in q.answers)  # no distractor for a unit that scores
    assert q.unitpenalty == Decimal("1")


def test_golden_gift_export_of_a_small_sheet() -> None:
    sheet = _sheet(_problem(errors=()))
    text = sheet.as_text("gift")
    [q] = read_gift(text)
    assert q["category"] == "$course$/dosecalc/level 2/pump-rate"
    assert f"[id:{sheet.code} #1]" in q["comment"]  # Moodle's GIFT importer reads it as the idnumber
    assert sheet.code not in q["text"]  # never where a student sees it
    assert [(a.value, a.tolerance, a.fraction) for a in q["answers"]][:3] == [
        (Decimal("10.9"), Decimal("0"), 100),  # the key, exactly
        (Decimal("10.86"), Decimal("0.005"), 100),  # 10.8625 at 0.01, a twentieth of the step either side
        (Decimal("11"), Decimal("0"), 0),  # 10.8625 rounded to 1, not 0.1
    ]
    assert "in mL/h, rounded half up to 0.1 mL/h" in q["text"]
    assert "10.8625 mL/h" in q["general"]


def test_golden_qti21_item_writes_the_rules_bounds_as_literals() -> None:
    files = unzip(_sheet(_problem()).to_bytes("qti21"))
    [item] = [name for name in files if name.startswith("items/")]
    rules, feedback = read_qti_item(files[item])
    right = rules[0]
    assert right.score == 1
    # the key 10.9 exactly; 10.8625 at 0.01 is 10.86, so [10.86 - 0.005, 10.86 + 0.005) = [10.855, 10.865)
    assert qti_bounds(right) == [
        (Decimal("10.9"), Decimal("10.9"), "exact"),
        (Decimal("10.855"), Decimal("10.865"), "lt"),
    ]
    for response in ("10.9", "10.90", "10.855", "10.86", "10.8625", "10.8649"):
        assert qti_grade(rules, response) is right, response
    for response in ("10.865", "10.8549", "10.85", "10.94", "10.95", "11"):
        assert qti_grade(rules, response) is not right, response
    cap = qti_grade(rules, "12.5")
    assert cap is not None and "the rate cap ignored" in feedback[cap.feedback]
    assert "10.8625 mL/h" in feedback["WRONG"]


def test_the_qti_emulator_adds_a_tolerance_in_binary_floating_point_as_processors_do() -> None:
    import xml.etree.ElementTree as ET

    # 10.9 + 0.05 is 10.950000000000001 in doubles, above the double nearest 10.95: an equal with a tolerance and
    # the upper bound left out still takes 10.95 (the edge issue 27 found in real processors); literal bounds do not
    equal = ET.fromstring(
        '<equal xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" toleranceMode="absolute" tolerance="0.05 0.05" '
        'includeUpperBound="false"><baseValue baseType="float">10.9</baseValue>'
        '<variable identifier="RESPONSE"/></equal>'
    )
    assert 10.9 + 0.05 > 10.95
    assert evaluate(equal, 10.95)
    literal = ET.fromstring(
        '<lt xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"><variable identifier="RESPONSE"/>'
        '<baseValue baseType="float">10.95</baseValue></lt>'
    )
    assert not evaluate(literal, float("10.95")) and evaluate(literal, float("10.9499"))


def test_golden_canvas_item_has_the_key_and_the_interval_as_two_right_answers() -> None:
    [item] = read_canvas(_sheet(_problem()).to_bytes("canvas"))
    assert item["type"] == "numerical_question"
    # Canvas's importer: exact = varequal, margin = varlte - exact; the precision form (vargt) is not used.
    # The key 10.9 with margin 0; 10.8625 at 0.01 is 10.86, margin a twentieth of 0.1 = 0.005
    assert [(a["exact"], a["low"], a["high"], a["margin"], a["score"]) for a in item["answers"]] == [
        (Decimal("10.9"), Decimal("10.9"), Decimal("10.9"), Decimal("0"), "100"),
        (Decimal("10.86"), Decimal("10.855"), Decimal("10.865"), Decimal("0.005"), "100"),
    ]
    assert item["pick"] is None


# ---- sheets made by dosecalc, over seeds, levels and profiles ----------------------------------------------


def _grid(problem: Problem) -> list[Decimal]:
    """Responses around the key: every step/200 from key - 0.6 step to key + 0.6 step, and the key's and the
    interval's edges with their neighbours a step/10000 away."""
    key, step = key_value(problem), problem.step
    exact = Decimal(f"{problem.exact:.12g}")
    beyond = exact.quantize(step / 10, rounding="ROUND_HALF_UP")
    grid = {key + step * k / 200 for k in range(-120, 121)}
    tiny = step / 10000
    for edge in (key, key - step / 2, key + step / 2, beyond - step / 20, beyond + step / 20):
        grid |= {edge - tiny, edge, edge + tiny}
    return sorted(value for value in grid if value > 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**40),
    level=st.sampled_from([None, 1, 2, 3]),
    profile=st.sampled_from(sorted(PROFILES)),
)
def test_every_export_accepts_what_check_accepts_over_a_grid_of_responses(
    seed: int, level: int | None, profile: str
) -> None:
    sheet = api.exercises(4, seed, level=level, conventions=profile, key=True)
    assert isinstance(sheet, Sheet)
    questions = read_moodle(sheet.as_text("moodle"))
    gift = read_gift(sheet.as_text("gift"))
    canvas = read_canvas(sheet.to_bytes("canvas"))
    package = unzip(sheet.to_bytes("qti21"))
    items = [read_qti_item(package[name]) for name in sorted(package) if name.startswith("items/")]
    assert len(questions) == len(gift) == len(canvas) == len(items) == len(sheet)
    for problem, q, g, c, (rules, _) in zip(sheet.problems, questions, gift, canvas, items, strict=True):
        key, step = key_value(problem), problem.step
        exact = Decimal(f"{problem.exact:.12g}")
        beyond = exact.quantize(step / 10, rounding="ROUND_HALF_UP")  # E, one place beyond the asked one
        upper = beyond + step / 20  # the interval's upper edge: left out by the rule, held by symmetric tolerances
        right = [a for a in q.answers if a.fraction == 100]
        assert (right[0].value, right[0].tolerance) == (key, 0)  # the key first, exactly
        assert (right[1].value, right[1].tolerance) == (beyond, step / 20)
        # GIFT: the same right answers as Moodle XML (the wrong ones below)
        assert [a[:3] for a in g["answers"] if a.fraction == 100] == [a[:3] for a in right]
        assert [(a["exact"], a["margin"]) for a in c["answers"]] == [(a.value, a.tolerance) for a in right]
        for response in _grid(problem):
            rule = is_right(response, problem)
            text = str(response)
            # QTI 2.1: exactly the rule, the bounds read as doubles and the response typed as text
            assert (qti_grade(rules, text) is rules[0]) == rule, (problem.exact, response)
            # Moodle, GIFT, Canvas: the rule, and the interval's upper edge too
            symmetric = rule or response == upper
            assert (grade(q.answers, response) in right) == symmetric, (problem.exact, response)
            assert any(a["low"] <= response <= a["high"] for a in c["answers"]) == symmetric, (problem.exact, response)
            # check marks the text as is_right says
            assert marked_status(problem, text, profile) == ("right" if rule else "wrong"), (problem.exact, text)
        if not is_right(upper, problem):  # said where the platform differs; a finer point can fall on the edge
            assert f"also accepts exactly {lms.plain(upper)} {problem.unit}, which the sheet's rule marks wrong" in (
                q.general
            )
        else:
            assert f"its upper edge, {lms.plain(upper)} {problem.unit}, is right by the sheet's rule" in q.general
        # distractors: never meet a right answer nor the key's rounding interval; each matches its named error
        # as check diagnoses it; QTI 2.1 holds the same ones as GIFT, between literal bounds, both ends included;
        # Moodle the same but the right value in another unit, which it knows by the unit (below)
        wrong = [a for a in g["answers"] if a.fraction == 0]
        assert [qti_bounds(r)[0] for r in rules[1:]] == [
            (a.value - a.tolerance, a.value + a.tolerance, "exact" if a.tolerance == 0 else "lte") for a in wrong
        ]
        assert [a[:3] for a in q.answers if a.fraction == 0 and a.value > 0] == [
            a[:3] for a in wrong if "the right value in" not in a.feedback
        ]
        for d in wrong:
            low, high = d.value - d.tolerance, d.value + d.tolerance
            assert high < key - step / 2 or low > key + step / 2
            assert high < beyond - step / 20 or low > upper
            unit = re.search(r"the right value in (\S+),", d.feedback)
            if unit:
                mark = mark_one(problem, f"{d.value} {unit[1]}", sheet.convention, partial=False)
                assert mark.diagnosis == "answered in another unit", mark
            else:  # anywhere in its interval, check names the error the feedback names
                for response in {d.value, low, high}:
                    if response > 0:
                        words, _ = diagnose(response, problem)
                        assert words is not None and words in d.feedback, (response, words, d)
        _units_as_moodle_and_check_read_them(problem, q, sheet.convention)


def _units_as_moodle_and_check_read_them(problem: Problem, q: Any, convention: Any) -> None:
    """Each unit the question lists, graded by Moodle's code (tests/lms_readers.moodle_grade) and marked by
    check: the asked unit in every spelling scores the key; under convert, the exact answer in another unit of
    the kind scores; under strict, the right value in another unit scores nothing in both, and both say
    "answered in another unit"."""
    key = key_value(problem)
    assert q.units[0] == (problem.unit, 1)
    assert len({name for name, _ in q.units}) == len(q.units)  # Moodle keeps the first of a name given twice
    typed = lms.spellings(problem.unit)
    assert [name for name, m in q.units if m == 1] == [t.replace(" ", "") for t in typed]
    for spelling in typed:
        assert unit_text(spelling) == problem.unit
        response = f"{key} {spelling}"
        graded = moodle_grade(q, response)
        assert graded.fraction == 1 and "Right" not in graded.feedback, (response, graded)
        assert mark_one(problem, response, convention, partial=False).status == "right", response
    others = lms.SAME_KIND.get(problem.unit, ())
    convert = convention.units == "convert"
    assert bool([m for _, m in q.units if m != 1]) == bool(others)
    assert all((m > 0) == convert for _, m in q.units if m != 1)
    for other in others:
        for spelling in lms.spellings(other):
            if convert:  # the exact answer in that unit, to 12 figures, is right by the rule in both
                value = Decimal(f"{convert_text(problem.exact, problem.unit, other):.12g}")
                response = f"{value} {spelling}"
                assert mark_one(problem, response, convention, partial=False).status == "right", response
                # but where the exact answer is the interval's lower edge (179.625 mL/h at 0.1 mL/h: E 179.63,
                # from 179.625), Moodle's multiplier, stored to 14 figures (1/60 as 0.016666666666667), puts
                # 2.99375 mL/min a few 1e-12 below it: outside, in Moodle's code as in its emulation
                if moodle_grade(q, response).fraction != 1:
                    exact = Decimal(f"{problem.exact:.12g}")
                    assert any(exact == a.low and not a.point for a in accepted(problem)), response
                continue
            # the key converted (what the 1.16666666667 mL/min for 70 mL/h is), to 12 figures
            value = Decimal(f"{convert_text(float(key), problem.unit, other):.12g}")
            response = f"{value} {spelling}"
            graded = moodle_grade(q, response)
            assert graded.fraction == 0 and graded.unit_known, (response, graded)
            assert f"answered in another unit: the right value in {other}," in graded.feedback, (response, graded)
            mark = mark_one(problem, response, convention, partial=False)
            assert mark.status == "wrong" and mark.diagnosis == "answered in another unit", (response, mark)


def test_the_same_command_gives_the_same_bytes() -> None:
    for fmt in FORMATS:
        first = api.exercises(5, 99, variants=3).to_bytes(fmt)
        assert first == api.exercises(5, 99, variants=3).to_bytes(fmt), fmt


# ---- variants --------------------------------------------------------------------------------------------


def test_variants_give_one_category_per_position_each_variant_traced_by_its_code() -> None:
    result = api.exercises(3, 2024, variants=4)
    assert isinstance(result, Variants) and len(result) == 4
    codes = [sheet.code for sheet in result]
    assert len(set(codes)) == 4  # four seeds, four sheets
    for n, code in enumerate(codes, 1):  # each code names its variant of its set, for check --sheet
        spec = decode(code, fingerprint(sheet_cards(api.cards().catalogue)))
        assert (spec.seed, spec.variants, spec.variant) == (2024, 4, n)
    questions = read_moodle(result.as_text("moodle"))
    assert len(questions) == 12
    for position in range(1, 4):
        at = [q for q in questions if q.category == f"$course$/dosecalc/set 2024/problem {position:02d}"]
        assert [q.idnumber for q in at] == [f"{code} #{position}" for code in codes]
        keys = [next(a.value for a in q.answers if a.fraction == 100) for q in at]
        assert keys == [key_value(sheet.problems[position - 1]) for sheet in result]
    groups = {}
    for item in read_canvas(result.to_bytes("canvas")):
        groups.setdefault(item["group"], []).append(item)
    assert sorted(groups) == ["Problem 1", "Problem 2", "Problem 3"]
    assert all(len(items) == 4 and {i["pick"] for i in items} == {1} for items in groups.values())
    gift = read_gift(result.as_text("gift"))
    assert [g["category"] for g in gift] == [q.category for q in questions]


def test_variants_and_students_are_not_asked_together() -> None:
    with pytest.raises(DoseCalcError) as error:
        api.exercises(2, 1, variants=2, students=["ana", "ben"])
    assert error.value.field == "variants"
    with pytest.raises(DoseCalcError) as error:
        api.exercises(2, 1, variants=sheets.MAX_VARIANTS + 1)
    assert error.value.field == "variants"
    with pytest.raises(DoseCalcError) as error:  # 50 x 41 = 2,050 questions
        api.exercises(41, 1, variants=50)
    assert error.value.field == "variants" and "2,050 questions" in str(error.value)


# ---- QTI 2.1 against the 1EdTech schemas -------------------------------------------------------------------


@pytest.fixture(scope="module")
def schemas() -> tuple[object, object]:
    if not SCHEMAS.is_dir():
        # The schemas are 1EdTech's, not dosecalc's: the project cannot install them, so their absence is a
        # skip with its reason everywhere (.ci/run says on its first lines whether it found them).
        pytest.skip(f"the QTI schemas are not at {SCHEMAS} (../shared/schemas/qti beside the repository)")
    if os.environ.get("CI") != "true":
        pytest.importorskip("lxml", reason="lxml (the test extra) validates against the schemas")
    from lxml import etree

    qti = etree.XMLSchema(etree.parse(str(SCHEMAS / "qtiv2p1" / "imsqti_v2p1.xsd")))
    cp = etree.XMLSchema(etree.parse(str(SCHEMAS / "imscp_v1p1.xsd")))
    return qti, cp


def _validate(package: bytes, schemas: tuple[object, object], qti_files: bool = True) -> int:
    from lxml import etree

    qti, cp = schemas
    checked = 0
    for name, data in unzip(package).items():
        if name == "imsmanifest.xml":
            schema = cp
        elif qti_files:
            schema = qti
        else:
            etree.fromstring(data)  # well-formed; QTI 1.2 has no schema here
            continue
        document = etree.fromstring(data)
        assert schema.validate(document), (name, schema.error_log)  # type: ignore[attr-defined]
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("count", "seed", "level", "profile", "variants"),
    [
        (6, 1, None, "standard", None),
        (3, 2024, 3, "pound-2.2-whole-ml-h", 3),
        (4, 77, 2, "units-converted", 2),
        (3, 5, 1, "whole-ml-h", None),
    ],
    ids=["mixed", "level-3-variants", "converted-variants", "level-1"],
)
def test_every_qti21_item_test_and_manifest_validates(
    schemas: tuple[object, object], count: int, seed: int, level: int | None, profile: str, variants: int | None
) -> None:
    result = api.exercises(count, seed, level=level, conventions=profile, variants=variants)
    checked = _validate(result.to_bytes("qti21"), schemas)
    assert checked == 2 + count * (variants or 1)  # the manifest, the test and every item
    _validate(result.to_bytes("canvas"), schemas, qti_files=False)


# ---- hostile card text --------------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> & ]]> <![CDATA[ \x00\x07\x1b[31m\x7f\x85 \"q\" 'a' {~=#:} \\ \n// $CATEGORY: x"


def _hostile_sheet() -> Sheet:
    return _sheet(
        _problem(
            question=HOSTILE,
            kind="pump-rate" + HOSTILE,
            regimen=HOSTILE,
            steps=(HOSTILE, "rate: ]]>"),
            errors=((HOSTILE, 12.5),),
        )
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_card_text_never_yields_invalid_xml_markup_or_control_codes(fmt: str) -> None:
    import xml.etree.ElementTree as ET

    sheet = _hostile_sheet()
    data = sheet.to_bytes(fmt)
    texts = unzip(data) if fmt in ("canvas", "qti21") else {"file": data}
    for name, raw in texts.items():
        text = raw.decode("utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text), name
        assert "<script" not in text and "http" not in text.replace("http://www.imsglobal.org/xsd/", ""), name
        if fmt != "gift":
            ET.fromstring(raw)  # well-formed, whatever the card says
    if fmt == "moodle":
        [q] = read_moodle(data.decode())
        assert "&lt;script&gt;" in q.text and "]]&gt;" in q.text and "<script" not in q.text
        first_error = next(a for a in q.answers if a.fraction == 0 and a.value > 0)
        assert "]]&gt;" in q.general and "&lt;script&gt;" in first_error.feedback
    if fmt == "gift":
        lines = [line for line in data.decode().splitlines() if line]
        assert sum(line.startswith("$CATEGORY:") for line in lines) == 1  # the export's own, not the card's
        [q] = read_gift(data.decode())
        assert "&lt;script&gt;" in q["text"] and "{~=#:}" in q["text"]
        assert q["answers"][0].value == Decimal("10.9")


#: Format characters that reorder or hide text: the bidi embeddings and overrides (U+202A-U+202E), the isolates
#: (U+2066-U+2069), a zero-width space, a byte-order mark, and a line separator (category Zl).
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"


@pytest.mark.parametrize("fmt", FORMATS)
def test_bidi_overrides_and_format_characters_from_python_text_never_reach_an_export(fmt: str) -> None:
    import unicodedata

    # a card made in Python (not loaded from a file, where they are refused) whose text would show
    # "gnp.exe" reversed around the number: every format character is removed, the letters kept in order
    title = f"pump\u202erate{BIDI}"
    sheet = _sheet(
        _problem(
            question=f"What is the pump rate\u202e in mL/h?\u2028Next line{BIDI}",
            kind=title,
            steps=(f"pump rate\u2066: 10.8625 mL/h{BIDI}",),
            errors=((f"the rate cap\u202d ignored{BIDI}", 12.5),),
        )
    )
    data = sheet.to_bytes(fmt)
    texts = unzip(data) if fmt in ("canvas", "qti21") else {"file": data}
    for name, raw in texts.items():
        text = raw.decode("utf-8")
        found = sorted({f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in ("Cf", "Zl", "Zp")})
        assert found == [], (name, found)
    joined = "".join(raw.decode("utf-8") for raw in texts.values())
    assert "the pump rate in mL/h?" in joined, fmt
    if fmt != "canvas":  # Canvas holds no distractors
        assert "the rate cap ignored" in joined, fmt
    if fmt == "moodle":
        [q] = read_moodle(data.decode())
        assert "in mL/h?<br/>Next line" in q.text  # the line separator is a line break
    if fmt == "gift":
        [q] = read_gift(data.decode())
        assert "in mL/h?<br/>Next line" in q["text"]  # a line break in HTML, the GIFT question one line


def test_hostile_card_text_keeps_qti21_valid(schemas: tuple[object, object]) -> None:
    _validate(_hostile_sheet().to_bytes("qti21"), schemas)


def test_cdata_is_split_around_its_end_marker() -> None:
    import xml.etree.ElementTree as ET

    from dosecalc.render.lms import cdata

    assert ET.fromstring(f"<t>{cdata('a]]>b]]>')}</t>").text == "a]]>b]]>"


# ---- the command line and the API's bytes ------------------------------------------------------------------


class _Stdout(io.TextIOWrapper):
    def __init__(self, terminal: bool) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def _run(terminal: bool, *args: str) -> tuple[int, bytes, str]:
    out, err = _Stdout(terminal), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return code, buffer.getvalue(), err.getvalue()


def test_cli_writes_each_format_to_a_file_and_zip_packages_to_a_pipe(tmp_path: Path) -> None:
    for fmt in FORMATS:
        target = tmp_path / f"quiz.{fmt}"
        code, _, err = _run(
            False, "exercises", "-n", "3", "--seed", "4", "--variants", "2", "-f", fmt, "-o", str(target)
        )
        assert code == 0, err
        assert target.read_bytes() == api.exercises(3, 4, variants=2).to_bytes(fmt)
    code, out, err = _run(False, "exercises", "-n", "2", "-f", "qti21")
    assert code == 0, err
    assert out == api.exercises(2, 1).to_bytes("qti21")


def test_cli_refuses_a_zip_package_to_a_terminal() -> None:
    code, out, err = _run(True, "exercises", "-f", "canvas")
    assert code == 2 and out == b""
    assert "--output" in err and "zip" in err and "Traceback" not in err


def test_cli_variants_with_students_is_one_line_naming_the_option(tmp_path: Path) -> None:
    names = tmp_path / "class.csv"
    names.write_text("student\nana\nben\n", encoding="utf-8")
    code, _, err = _run(False, "exercises", "--variants", "2", "--students", str(names), "-f", "moodle")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: --variants: cannot be given with students"), err


def test_cli_a_format_the_result_has_not_is_named_as_typed() -> None:
    code, _, err = _run(False, "exercises", "-n", "2", "--variants", "2", "-f", "html")
    assert code == 2 and err.startswith("error: --format: 'html' is not a format of this result"), err
    assert "moodle, gift, canvas, qti21" in err


def test_zip_formats_are_bytes_not_text() -> None:
    sheet = api.exercises(2, 1)
    with pytest.raises(DoseCalcError) as error:
        sheet.as_text("qti21")
    assert error.value.field == "format" and "to_bytes" in str(error.value)
    assert sheet.to_bytes("moodle") == sheet.as_text("moodle").encode("utf-8")
    assert sys.getsizeof(sheet.to_bytes("canvas")) > 0
