"""Worked steps (--explain): each step is the arithmetic that produced the figure it explains."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.regimens import load_catalogue
from dosecalc.units import Q_, parse_concentration
from dosecalc.wording.words import unit_label as display_unit

from .helpers import WORKED_EXAMPLE, run

CATALOGUE = load_catalogue()
CARDS = list(CATALOGUE.cards.values())


def _apply(terms: list[dict], operators: list[str], unit: str) -> float:
    """Re-derive a step from its terms, in ``unit`` (the step's result unit): plain arithmetic on the numbers,
    then the one factor pint gives between the units (1 where they agree; 10 mcg/kg/min x 70 kg = 42 mg/h
    needs 60 / 1000)."""
    value, units = terms[0]["value"], Q_(1.0, terms[0]["unit"])
    for operator, term in zip(operators, terms[1:], strict=True):
        if operator == "x":
            value, units = value * term["value"], units * Q_(1.0, term["unit"])
        elif operator == "/":
            value, units = value / term["value"], units / Q_(1.0, term["unit"])
    return value * float(units.to(unit).magnitude)


def test_explain_json_steps_match_the_figures_and_their_own_arithmetic() -> None:
    result = run("table", *WORKED_EXAMPLE, "--explain", "--format", "json")
    assert result.exit_code == 0, result.output
    for row in result.json()["rows"]:
        steps = row["steps"]
        by_figure = {step["figure"]: step for step in steps}
        # the last step for each figure gives exactly the figure in the row
        for figure in (
            "rate",
            "total_dose",
            "pump_rate",
            "volume",
            "rate_per_kg",
            "total_dose_per_kg",
            "course_total_dose",
            "drip_rate",
        ):
            assert by_figure[figure]["result"]["value"] == pytest.approx(row[figure]["value"], rel=1e-12), figure
            assert by_figure[figure]["result"]["unit"] == row[figure]["unit"], figure
        # 154 lb x 0.45359237 kg/lb = 69.85322498 kg
        weight = by_figure["weight"]
        assert weight["terms"] == [{"value": 154.0, "unit": "lb"}, {"value": 0.45359237, "unit": "kg/lb"}]
        assert weight["result"]["value"] == pytest.approx(69.85322498, rel=1e-12)
        for step in steps:
            if step["operators"] and step["operators"][0] in ("x", "/") and step["figure"] != "drip_rate":
                expected = _apply(step["terms"], step["operators"], step["result"]["unit"])
                assert expected == pytest.approx(step["result"]["value"], rel=1e-12)


def test_explain_text_for_the_documented_example() -> None:
    result = run("table", *WORKED_EXAMPLE, "--regimen", "rate-0.35-mg-kg-h", "--explain", "--format", "markdown")
    assert result.exit_code == 0, result.output
    # Figures on the way at two places more than the table (69.853 kg, 24.449 mg/h), each rounding to the
    # table's figure (69.9 kg, 24.4 mg/h; 24.45 would round half up to 24.5), and given as the table rounds it.
    # 154 x 0.45359237 = 69.85322498 kg; x 0.35 = 24.448628743 mg/h; x 4 h = 97.794514972 mg; / 2 mg/mL =
    # 12.2243143715 mL/h and 48.897257486 mL; x 20 gtt/mL = 244.48628743 gtt/h; / 60 = 4.0747714572 gtt/min;
    # x 10 sessions = 977.94514972 mg
    for line in [
        "weight: 154 lb × 0.45359237 kg/lb = 69.853 kg, rounded 69.9 kg",
        "rate: 0.35 mg/kg/h × 69.853 kg = 24.449 mg/h, rounded 24.4 mg/h",
        "rate cap: 24.449 mg/h ≤ 25 mg/h: the cap does not bind (24.449 mg/h)",
        "dose per session: 24.449 mg/h × 4 h = 97.795 mg, rounded 97.8 mg",
        "concentration: 100 mg ÷ 50 mL = 2 mg/mL",
        "pump rate: 24.449 mg/h ÷ 2 mg/mL = 12.224 mL/h, rounded 12.2 mL/h",
        "volume per session: 97.795 mg ÷ 2 mg/mL = 48.897 mL, rounded 48.9 mL",
        "drip rate: 12.224 mL/h × 20 gtt/mL = 244.4863 gtt/h",
        "drip rate: 244.4863 gtt/h ÷ 60 min/h = 4.07 gtt/min, rounded 4 gtt/min",
        "course total: 97.795 mg × 10 sessions = 977.945 mg, rounded 977.9 mg",
    ]:
        assert line in result.stdout, line


@settings(max_examples=200, deadline=None)
@given(kg=st.floats(0.3, 650), card=st.sampled_from(CARDS))
def test_every_figure_on_the_way_rounds_to_the_tables_figure(kg: float, card: Any) -> None:
    """The double-rounding trap of issue 19: a shown 24.45 rounds half up to 24.5 while the table says 24.4."""
    from dosecalc.wording import numbers

    figures = calculate(make_plan(card, WhatIf(concentration=parse_concentration("2 mg/mL"))), Q_(kg, "kg"), True)
    for step in figures.steps:
        unit = display_unit(step.result)
        if numbers.has_rule(unit):
            value = float(step.result.magnitude)
            shown = numbers.intermediate(value, unit)
            assert numbers.rounded(float(shown.replace(",", "")), unit) == numbers.rounded(value, unit), (shown, unit)
            assert len(shown.replace(",", "")) > len(numbers.rounded(value, unit).replace(",", "")) or shown == (
                numbers.rounded(value, unit)
            )


@settings(max_examples=100, deadline=None)
@given(card=st.sampled_from(CARDS), kg=st.floats(0.3, 650), conc=st.sampled_from(["2 mg/mL", "80 mg in 500 mL"]))
def test_explaining_never_changes_a_figure(card, kg, conc) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(card, WhatIf(concentration=parse_concentration(conc), drop_factor=Q_(15.0, "gtt/mL")))
    plain = calculate(plan, Q_(kg, "kg"))
    explained = calculate(plan, Q_(kg, "kg"), explain=True)
    assert explained.steps and not plain.steps
    for field in (
        "rate",
        "total_dose",
        "rate_per_kg",
        "total_dose_per_kg",
        "course_total_dose",
        "pump_rate",
        "volume",
        "drip_rate",
    ):
        assert getattr(explained, field).magnitude == getattr(plain, field).magnitude, field
    for step in explained.steps:
        assert math.isfinite(float(step.result.magnitude))


def test_cap_step_says_when_it_binds() -> None:
    doc = run("table", "-w", "120 kg", "-r", "rate-0.35-mg-kg-h", "--explain", "-f", "json").json()
    cap = next(step for step in doc["rows"][0]["steps"] if step["figure"] == "cap")
    assert cap["text"] == "rate cap: 42 mg/h > 25 mg/h: the cap binds, so the rate is the cap (25 mg/h)"


def test_explain_is_refused_for_csv_and_absent_without_the_flag() -> None:
    refused = run("table", "--explain", "--format", "csv")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        "error: --explain: worked steps come as table, markdown, html or json, not csv"
    ]
    assert "steps" not in run("table", "--format", "json").json()["rows"][0]


def test_schedule_explain_in_json() -> None:
    doc = run("schedule", "rate-22-mg-h", "--explain", "--format", "json", "--step", "1 h").json()
    assert doc["steps"][0]["text"] == "rate: 22 mg/h (fixed rate: the same for every patient)"


def test_a_rate_in_mcg_per_kg_per_min_is_worked_with_its_factors_as_the_keys_work_it() -> None:
    args = ("table", "-r", "bolus-0.5-mg-kg-then-10-mcg-kg-min", "-w", "154 lb", "--explain")
    text = run(*args, "--format", "markdown").stdout
    # 154 lb x 0.45359237 kg/lb = 69.85322498 kg; x 10 mcg/kg/min = 698.5322498 mcg/min;
    # x 60 min/h = 41,911.934988 mcg/h; / 1,000 mcg/mg = 41.911934988 mg/h, shown 41.9 mg/h
    assert "rate: 10 mcg/kg/min × 69.853 kg = 698.5322 mcg/min" in text
    assert "rate: 698.5322 mcg/min × 60 min/h ÷ 1,000 mcg/mg = 41.912 mg/h, rounded 41.9 mg/h" in text
    assert "10 mcg/kg/min × 69.853 kg = 41.912 mg/h" not in text  # no conversion hidden in one step
    doc = run(*args, "--format", "json").json()
    (row,) = doc["rows"]
    rates = [step for step in row["steps"] if step["figure"] == "rate"]
    assert [step["operators"] for step in rates] == [["x"], ["x", "/"]]
    assert rates[1]["terms"][1:] == [{"value": 60.0, "unit": "min/h"}, {"value": 1000.0, "unit": "mcg/mg"}]
    assert rates[1]["result"]["value"] == pytest.approx(row["phases"][1]["rate"]["value"], rel=1e-15)
    for step in rates:
        # every factor is written in the step: its plain arithmetic gives its result with no hidden factor
        value = step["terms"][0]["value"]
        for operator, term in zip(step["operators"], step["terms"][1:], strict=True):
            value = value * term["value"] if operator == "x" else value / term["value"]
        assert value == pytest.approx(step["result"]["value"], rel=1e-12), step
    assert rates[1]["result"]["value"] == pytest.approx(154 * 0.45359237 * 10 * 60 / 1000, rel=1e-12)


def test_a_rate_per_kg_per_hour_in_mg_stays_one_step() -> None:
    # a phase per kg in mg/kg/h needs no factor: one step, 0.35 mg/kg/h x 70 kg = 24.5 mg/h
    from dosecalc.dosing import _per_patient_steps

    (step,) = _per_patient_steps("rate", Q_(0.35, "mg/kg/h"), Q_(70.0, "kg"), Q_(24.5, "mg/h"))
    assert step.operators == ("x",) and step.result == Q_(24.5, "mg/h")
    # mg/kg/min needs only x 60 min/h: 0.01 mg/kg/min x 70 kg = 0.7 mg/min; x 60 = 42 mg/h
    first, second = _per_patient_steps("rate", Q_(0.01, "mg/kg/min"), Q_(70.0, "kg"), Q_(42.0, "mg/h"))
    assert first.result.to("mg/min").magnitude == pytest.approx(0.7, rel=1e-12)
    assert second.operators == ("x",) and second.terms[1] == Q_(60.0, "min/h")


@settings(max_examples=300, deadline=None)
@given(value=st.floats(-1e9, 1e9, allow_nan=False), places=st.integers(0, 6))
def test_a_remembered_rounding_is_the_rounding_worked_out_afresh(value: float, places: int) -> None:
    """round_half_up remembers what it worked out (a sheet shows a figure many times): the same Decimal as the
    rule gives, read to 12 significant figures and rounded half up, the first time and every time after."""
    from decimal import ROUND_HALF_UP, Decimal

    from dosecalc.wording import numbers

    expected = Decimal(f"{value:.12g}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    for _ in range(2):
        got = numbers.round_half_up(value, places)
        assert str(got) == str(expected), (value, places)


def test_zero_and_minus_zero_are_not_remembered_as_one() -> None:
    # 0.0 == -0.0 in Python, and they are written differently: "0.0" and "-0.0" at one place
    from dosecalc.wording import numbers

    assert str(numbers.round_half_up(0.0, 1)) == "0.0"
    assert str(numbers.round_half_up(-0.0, 1)) == "-0.0"
    assert str(numbers.round_half_up(0.0, 1)) == "0.0"
    assert numbers.intermediate(2.25, "mg") == numbers.intermediate(2.25, "mg") == "2.25"  # 2.25 mg -> 2.3 mg
