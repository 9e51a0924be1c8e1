"""Worked steps (--explain): each step is the arithmetic that produced the figure it explains."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.regimens import load_catalogue
from dosecalc.units import Q_, parse_concentration

from .helpers import WORKED_EXAMPLE, run

CATALOGUE = load_catalogue()
CARDS = list(CATALOGUE.cards.values())


def _apply(terms: list[dict], operators: list[str]) -> float:
    """Re-derive a step from its terms with plain arithmetic (units are checked separately)."""
    value = terms[0]["value"]
    for operator, term in zip(operators, terms[1:], strict=True):
        if operator == "x":
            value *= term["value"]
        elif operator == "/":
            value /= term["value"]
    return value


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
                assert _apply(step["terms"], step["operators"]) == pytest.approx(step["result"]["value"], rel=1e-12)


def test_explain_text_for_the_documented_example() -> None:
    result = run("table", *WORKED_EXAMPLE, "--regimen", "rate-0.35-mg-kg-h", "--explain", "--format", "markdown")
    assert result.exit_code == 0, result.output
    for line in [
        "weight: 154 lb × 0.45359237 kg/lb = 69.85 kg",
        "rate: 0.35 mg/kg/h × 69.85 kg = 24.45 mg/h",
        "rate cap: 24.45 mg/h ≤ 25 mg/h: the cap does not bind (24.45 mg/h)",
        "dose per session: 24.45 mg/h × 4 h = 97.79 mg",
        "concentration: 100 mg ÷ 50 mL = 2 mg/mL",
        "pump rate: 24.45 mg/h ÷ 2 mg/mL = 12.22 mL/h",
        "drip rate: 12.22 mL/h × 20 gtt/mL = 244.49 gtt/h",
        "drip rate: 244.49 gtt/h ÷ 60 min/h = 4.07 gtt/min",
    ]:
        assert line in result.stdout


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
