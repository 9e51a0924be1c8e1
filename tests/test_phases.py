"""Phased regimens: the new cards' figures by hand, and the laws of phases in tables, schedules and simulations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosecalc
from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.pk import course_of, get_model, simulate
from dosecalc.regimens import PhasedCard, builtin_dir, load_card
from dosecalc.schedules import build_schedule
from dosecalc.units import Q_

from .helpers import assert_quantity_close, run, value

BOLUS_THEN_INFUSION = "bolus-0.5-mg-kg-then-10-mcg-kg-min"


def test_new_cards_by_hand_from_the_api() -> None:
    rows = {
        row.regimen: row
        for row in dosecalc.table(
            "70 kg",
            ["total-0.5-mg-kg-40-min", BOLUS_THEN_INFUSION, "rate-22-mg-h-4-days"],
        )
    }
    # 0.5 mg/kg x 70 kg = 35 mg over 40 min: 35 mg / (40/60 h) = 52.5 mg/h
    depression = rows["total-0.5-mg-kg-40-min"]
    assert_quantity_close(depression.total_dose, Q_(35, "mg"))
    assert_quantity_close(depression.rate, Q_(52.5, "mg/h"))
    # bolus 0.5 mg/kg x 70 kg = 35 mg; then 10 mcg/kg/min x 70 kg = 700 mcg/min = 0.7 mg/min = 42 mg/h
    # for the card's 3 h: 42 x 3 = 126 mg; total 35 + 126 = 161 mg
    surgery = rows[BOLUS_THEN_INFUSION]
    bolus, infusion = surgery.phases
    assert_quantity_close(bolus.amount, Q_(35, "mg"))
    assert bolus.at_once and bolus.rate is None
    assert_quantity_close(infusion.rate, Q_(42, "mg/h"))  # type: ignore[arg-type]
    assert_quantity_close(infusion.amount, Q_(126, "mg"))
    assert_quantity_close(surgery.total_dose, Q_(161, "mg"))
    assert_quantity_close(surgery.rate, Q_(42, "mg/h"))
    # 22 mg/h x 4 days x 24 h/day = 2,112 mg
    assert_quantity_close(rows["rate-22-mg-h-4-days"].total_dose, Q_(2112, "mg"))


def test_new_cards_by_hand_from_the_cli() -> None:
    doc = run("table", "-w", "154 lb", "-r", BOLUS_THEN_INFUSION, "-f", "json").json()
    row = doc["rows"][0]
    kg = 154 * 0.45359237  # 69.85322498 kg
    # bolus 0.5 mg/kg x 69.853 kg = 34.927 mg; infusion 0.6 mg/kg/h x 69.853 kg = 41.912 mg/h, x 3 h = 125.736 mg
    assert [value(p["dose"], "mg").magnitude for p in row["phases"]] == pytest.approx([0.5 * kg, 0.6 * kg * 3])
    assert value(row["total_dose"], "mg").magnitude == pytest.approx(0.5 * kg + 1.8 * kg, rel=1e-12)
    assert row["phases"][0]["rate"] is None and row["phases"][0]["type"] == "bolus"
    text = run("table", "-w", "70 kg", "-r", BOLUS_THEN_INFUSION).stdout
    assert "Phase 1 (0:00): bolus 0.5 mg/kg at once: 35 mg." in text
    assert "Phase 2 (0:00 to 3:00): infusion 10 mcg/kg/min to the end of the session: 126 mg at 42 mg/h." in text
    assert "35 mg + 126 mg = 161 mg" in text


def test_the_other_new_cards_by_hand_from_the_cli_with_no_folder() -> None:
    # built in: no --regimens-dir. 0.5 mg/kg x 70 kg = 35 mg over 40 min: 35 mg / (40/60 h) = 52.5 mg/h
    (depression,) = run("table", "-r", "total-0.5-mg-kg-40-min", "-w", "70 kg", "-f", "json").json()["rows"]
    assert value(depression["total_dose"], "mg").magnitude == pytest.approx(35, rel=1e-12)
    assert value(depression["rate"], "mg/h").magnitude == pytest.approx(52.5, rel=1e-12)
    text = run("table", "-r", "total-0.5-mg-kg-40-min", "-w", "70 kg", "-f", "markdown").stdout
    assert "| total-0.5-mg-kg-40-min | 52.5 | 0.75 | 0.67 | 35 | 0.5 | 35 (1 x) |" in text
    # 22 mg/h x 4 days x 24 h/day = 2,112 mg, the same for every weight
    (days,) = run("table", "-r", "rate-22-mg-h-4-days", "-w", "154 lb", "-f", "json").json()["rows"]
    assert value(days["total_dose"], "mg").magnitude == pytest.approx(2112, rel=1e-12)
    assert value(days["rate"], "mg/h").magnitude == pytest.approx(22, rel=1e-12)
    # a plain table gives all ten: the three of issue 17 after the four seed cards, then the three of issue 26
    ids = [row["regimen"] for row in run("table", "-w", "70 kg", "-f", "json").json()["rows"]]
    assert ids[4:7] == ["rate-22-mg-h-4-days", "total-0.5-mg-kg-40-min", BOLUS_THEN_INFUSION]
    assert ids[7:] == ["rate-40-mg-h-5-days", "total-1-mg-kg-40-min", "rate-0.6-mg-kg-h-96-h"]


def test_a_what_if_duration_stretches_the_last_phase_and_refuses_one_shorter_than_the_phases(tmp_path: Path) -> None:
    # 1 h instead of 3 h: 35 mg + 42 mg/h x 1 h = 77 mg
    row = dosecalc.table("70 kg", BOLUS_THEN_INFUSION, duration="1 h").rows[0]
    assert_quantity_close(row.total_dose, Q_(77, "mg"))
    card = _card(tmp_path, PHASES_WITH_TITRATION)
    with pytest.raises(dosecalc.DoseCalcError, match=r"shorter than the 1\.5 h the phases of"):
        make_plan(card, WhatIf(duration=Q_(1, "h")))


PHASES_WITH_TITRATION = """\
id = "teach-phases"
title = "Teaching: bolus over 30 min, a titration, then a rate"
indication = "Classroom exercise"
drug = "ketamine"
kind = "phased"
duration = "4 h"
sessions = 1

[[phases]]
type = "bolus"
dose = "20 mg"
over = "30 min"

[[phases]]
type = "titration"
start_rate = "10 mg/h"
step = "5 mg/h"
every = "15 min"
max_rate = "20 mg/h"
duration = "1 h"

[[phases]]
type = "infusion"
rate_per_kg = "0.2 mg/kg/h"

[[sources]]
citation = "Course handout"
says = "A teaching regimen."
"""


def _card(folder: Path, text: str) -> PhasedCard:
    path = folder / "card.toml"
    path.write_text(text, encoding="utf-8")
    card = load_card(path)
    assert isinstance(card, PhasedCard)
    return card


def test_titration_steps_by_hand(tmp_path: Path) -> None:
    card = _card(tmp_path, PHASES_WITH_TITRATION)
    figures = calculate(make_plan(card, WhatIf()), Q_(50, "kg"))
    bolus, titration, infusion = figures.phases
    # bolus 20 mg over 0.5 h = 40 mg/h
    assert_quantity_close(bolus.rate, Q_(40, "mg/h"))  # type: ignore[arg-type]
    # titration 0.5 h to 1.5 h: 10, 15, 20, 20 mg/h for 15 min each = (10 + 15 + 20 + 20) x 0.25 = 16.25 mg
    assert [float(r.magnitude) for _, _, r in titration.pieces] == [10, 15, 20]
    assert_quantity_close(titration.amount, Q_(16.25, "mg"))
    # infusion 0.2 mg/kg/h x 50 kg = 10 mg/h from 1.5 h to 4 h: 25 mg; total 20 + 16.25 + 25 = 61.25 mg
    assert_quantity_close(infusion.amount, Q_(25, "mg"))
    assert_quantity_close(figures.total_dose, Q_(61.25, "mg"))


weights = st.floats(min_value=1.0, max_value=250.0, allow_nan=False)
hours = st.floats(min_value=1.5, max_value=48.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(kg=weights, session=hours)
def test_total_is_the_sum_of_the_phases_doses(
    tmp_path_factory: pytest.TempPathFactory, kg: float, session: float
) -> None:
    card = _card(tmp_path_factory.mktemp("c"), PHASES_WITH_TITRATION)
    figures = calculate(make_plan(card, WhatIf(duration=Q_(session, "h"))), Q_(kg, "kg"))
    parts = sum(float(p.amount.to("mg").magnitude) for p in figures.phases)
    assert float(figures.total_dose.to("mg").magnitude) == pytest.approx(parts, rel=1e-12)
    # each stretched phase gives rate x time: the pieces add up to its dose
    for phase in figures.phases:
        if phase.pieces:
            pieces = sum(float(r.to("mg/h").magnitude) * (t1 - t0) for t0, t1, r in phase.pieces)
            assert float(phase.amount.to("mg").magnitude) == pytest.approx(pieces, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(kg=weights, minutes=st.sampled_from([1, 5, 7, 15, 25, 60]))
def test_schedule_cumulative_dose_is_continuous_across_boundaries_and_ends_on_the_total(
    tmp_path_factory: pytest.TempPathFactory, kg: float, minutes: int
) -> None:
    card = _card(tmp_path_factory.mktemp("c"), PHASES_WITH_TITRATION)
    figures = calculate(make_plan(card, WhatIf()), Q_(kg, "kg"))
    schedule = build_schedule(figures, Q_(minutes, "min"))
    time = schedule.time.to("h").magnitude
    cumulative = schedule.cumulative_dose.to("mg").magnitude
    assert cumulative[-1] == pytest.approx(float(figures.total_dose.to("mg").magnitude), rel=1e-12)
    assert np.all(np.diff(cumulative) >= -1e-9)  # never falls
    # every boundary is a row; between rows the dose added is the integral of the rate (no jump: no bolus at once)
    for phase in figures.phases:
        for t in (float(phase.start.to("h").magnitude), float(phase.end.to("h").magnitude)):
            assert np.any(np.isclose(time, t, atol=1e-12)), t
    rates = schedule.rate.to("mg/h").magnitude
    assert np.allclose(np.diff(cumulative), rates[:-1] * np.diff(time), rtol=1e-9, atol=1e-9)


def test_a_bolus_at_once_is_a_jump_of_its_amount_in_the_schedule() -> None:
    row = dosecalc.table("80 kg", BOLUS_THEN_INFUSION).rows[0]
    schedule = build_schedule(row, Q_(30, "min"))
    # 0.5 mg/kg x 80 kg = 40 mg at 0:00, then 0.6 mg/kg/h x 80 kg = 48 mg/h: 24 mg in each 30 min
    assert schedule.cumulative_dose.to("mg").magnitude[:3] == pytest.approx([40, 64, 88], rel=1e-12)
    assert schedule.step_dose.to("mg").magnitude[0] == pytest.approx(40, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(kg=st.floats(min_value=40, max_value=150), minute=st.floats(min_value=0.5, max_value=400))
def test_a_bolus_is_simulated_over_one_minute_and_superposition_holds(kg: float, minute: float) -> None:
    model = get_model("domino")
    row = dosecalc.table(f"{kg!r} kg", BOLUS_THEN_INFUSION).rows[0]
    course = course_of(row)
    weight = Q_(kg, "kg")
    at = Q_(np.array([0.0, 1.0 / 60.0, minute / 60.0]), "h")
    both = simulate(model, weight, course, at).concentration.to("ng/mL").magnitude
    # at t = 0 nothing has been given yet: the bolus runs from 0:00 for 1 min, not into V1 whole at one instant
    assert both[0] == 0.0
    # by 1 min it has not all stayed in V1: below 0.5 mg/kg / 0.063 L/kg = 7.9365 mg/L = 7,936.5 ng/mL
    assert 0 < both[1] < 0.5 / 0.063 * 1000
    # superposition: bolus alone + infusion alone = both together, at any time
    alone = course._replace(boluses=())
    bolus = course._replace(profile=())
    parts = [simulate(model, weight, c, at).concentration.to("ng/mL").magnitude for c in (alone, bolus)]
    assert both[1:] == pytest.approx(parts[0][1:] + parts[1][1:], rel=1e-9)
    # the same weight-free figure at every weight: V1 and the doses are both per kg
    per_kg = simulate(model, Q_(70.0, "kg"), course_of(dosecalc.table("70 kg", BOLUS_THEN_INFUSION).rows[0]), at)
    assert both == pytest.approx(per_kg.concentration.to("ng/mL").magnitude, rel=1e-9)
    # what was given is accounted for: in the body plus eliminated
    sim = simulate(model, weight, course, at)
    held = sim.central + sim.peripheral_fast + sim.peripheral_slow + sim.eliminated
    assert held.to("mg").magnitude == pytest.approx(sim.infused.to("mg").magnitude, rel=1e-9, abs=1e-12)


def test_simulate_runs_a_phased_card_from_the_cli() -> None:
    doc = run("simulate", BOLUS_THEN_INFUSION, "-w", "70 kg", "--format", "json").json()
    # the first row, 0:00, is before any of the 1 min bolus has run in
    assert value(doc["rows"][0]["concentration"], "ng/mL").magnitude == 0.0
    # the peak is at the end of that minute (1 min = 1/60 h), after mixing: well below 35 mg / 4.41 L = 7,937 ng/mL
    assert value(doc["summary"]["time_of_peak"], "h").magnitude == pytest.approx(1 / 60, abs=1e-9)
    assert value(doc["summary"]["peak_concentration"], "ng/mL").magnitude < 0.6 * 0.5 / 0.063 * 1000
    assert any("evenly over 1 min" in note for note in doc["notes"])


def test_a_phased_cohort_row_equals_the_table_row() -> None:
    cohort = dosecalc.cohort([("p1", "70 kg"), ("p2", "154 lb")], BOLUS_THEN_INFUSION)
    frame = cohort.to_dataframe()
    totals = frame[("total_dose", "mg")].tolist()
    expected = [
        float(r.total_dose.to("mg").magnitude) for r in dosecalc.table(["70 kg", "154 lb"], BOLUS_THEN_INFUSION)
    ]
    assert totals == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ('[[phases]]\ntype = "bolus"\ndose = "1 mg"\ndose_per_kg = "1 mg/kg"\n', "exactly one of dose or dose_per_kg"),
        ('[[phases]]\ntype = "infusion"\n', "exactly one of rate or rate_per_kg"),
        (
            '[[phases]]\ntype = "infusion"\nrate = "1 mg/h"\n\n[[phases]]\ntype = "bolus"\ndose = "1 mg"\n',
            "phase 1 needs a duration",
        ),
        ('[[phases]]\ntype = "infusion"\nrate = "1 mg/h"\nduration = "5 h"\n', "longer than the session"),
        ('[[phases]]\ntype = "push"\ndose = "1 mg"\n', "phases.0.type: must be one of bolus, infusion, titration"),
    ],
    ids=["two doses", "no rate", "open phase first", "too long", "unknown type"],
)
def test_broken_phases_are_refused_naming_the_field(tmp_path: Path, phases: str, message: str) -> None:
    text = PHASES_WITH_TITRATION.split("[[phases]]")[0] + phases + '\n[[sources]]\ncitation = "c"\nsays = "s"\n'
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(dosecalc.DoseCalcError, match=message):
        load_card(path)


@pytest.mark.parametrize("level", ["1", "2", "3"])
def test_exercises_over_the_built_in_cards_ask_about_the_phases_and_describe_no_phased_card_by_one_dose(
    level: str,
) -> None:
    # the phased card gives its own kinds (a bolus, an infusion's rate, a session's total); the kinds that
    # describe a card by one documented dose never pick it
    phased = {"bolus-dose", "infusion-rate", "infusion-pump-rate", "session-total"}
    result = run("exercises", "-n", "40", "--seed", "5", "--level", level, "-f", "json", "--answers")
    assert result.exit_code == 0, result.output
    problems = result.json()["problems"]
    on_card = [p for p in problems if p["regimen"] == BOLUS_THEN_INFUSION]
    assert on_card and all(p["kind"] in phased for p in on_card), on_card
    assert all(p["regimen"] == BOLUS_THEN_INFUSION for p in problems if p["kind"] in phased)
    for problem in on_card:
        assert "a bolus of 0.5 mg/kg at once, then an infusion of 10 mcg/kg/min" in problem["question"]


def test_exercises_from_a_folder_of_one_phased_card_alone_give_every_level(tmp_path: Path) -> None:
    (card,) = builtin_dir().glob(f"*{BOLUS_THEN_INFUSION}.toml")
    (tmp_path / card.name).write_text(card.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("exercises", "--regimens-dir", str(tmp_path), "--no-builtin", "-n", "6", "-f", "json", "--answers")
    assert result.exit_code == 0, result.output
    problems = result.json()["problems"]
    assert [p["level"] for p in problems] == [1, 2, 3, 1, 2, 3]
    assert {p["regimen"] for p in problems} <= {BOLUS_THEN_INFUSION, None}


def test_a_what_if_cap_caps_each_infusing_phase_and_says_what_it_would_have_been() -> None:
    row = dosecalc.table("70 kg", BOLUS_THEN_INFUSION, max_rate="30 mg/h").rows[0]
    # the infusion's 42 mg/h is capped at 30 mg/h: 35 mg + 30 mg/h x 3 h = 125 mg; the bolus is not a rate
    assert row.cap_binds
    assert_quantity_close(row.rate, Q_(30, "mg/h"))
    assert_quantity_close(row.uncapped_rate, Q_(42, "mg/h"))
    assert_quantity_close(row.total_dose, Q_(125, "mg"))
    assert_quantity_close(row.planned_total_dose, Q_(161, "mg"))


def test_a_phased_schedule_gives_each_rows_pump_and_drip_rates() -> None:
    s = dosecalc.schedule(
        BOLUS_THEN_INFUSION,
        "70 kg",
        step="1 h",
        concentration="2 mg/mL",
        drop_factor="20 gtt/mL",
    ).schedule
    # 42 mg/h / 2 mg/mL = 21 mL/h; x 20 gtt/mL / 60 min/h = 7 gtt/min; the bolus is 35 mg / 2 mg/mL = 17.5 mL
    assert s.pump_rate.to("mL/h").magnitude == pytest.approx([21] * 4, rel=1e-12)  # type: ignore[union-attr]
    assert s.drip_rate.to("gtt/min").magnitude == pytest.approx([7] * 4, rel=1e-12)  # type: ignore[union-attr]
    assert s.cumulative_volume.to("mL").magnitude == pytest.approx([17.5, 38.5, 59.5, 80.5], rel=1e-12)  # type: ignore[union-attr]


# Each rate unit a phase may be written in, with the figure that makes 42 mg/h at 70 kg:
# 0.6 mg/kg/h x 70 = 42; 10 mcg/kg/min x 70 x 60 / 1,000 = 42; 0.01 mg/kg/min x 70 x 60 = 42;
# 600 mcg/kg/h x 70 / 1,000 = 42; 42 mg/h; 0.7 mg/min x 60 = 42; 700 mcg/min x 60 / 1,000 = 42; 42,000 mcg/h / 1,000.
WRITTEN_RATES = [
    ("rate_per_kg", "0.6 mg/kg/h"),
    ("rate_per_kg", "10 mcg/kg/min"),
    ("rate_per_kg", "0.01 mg/kg/min"),
    ("rate_per_kg", "600 mcg/kg/h"),
    ("rate", "42 mg/h"),
    ("rate", "0.7 mg/min"),
    ("rate", "700 mcg/min"),
    ("rate", "42000 mcg/h"),
]


@pytest.mark.parametrize(("key", "rate"), WRITTEN_RATES, ids=[rate for _, rate in WRITTEN_RATES])
def test_an_infusion_in_any_rate_unit_a_card_may_use_is_worded_as_written(tmp_path: Path, key: str, rate: str) -> None:
    source = (builtin_dir() / next(p.name for p in builtin_dir().glob("*bolus*.toml"))).read_text(encoding="utf-8")
    text = source.replace('rate_per_kg = "10 mcg/kg/min"', f'{key} = "{rate}"').replace(BOLUS_THEN_INFUSION, "mine")
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    (row,) = dosecalc.table("70 kg", "mine", regimens_dir=folder, builtin=False)
    # bolus 0.5 mg/kg x 70 kg = 35 mg; the infusion 42 mg/h x 3 h = 126 mg; 35 + 126 = 161 mg
    assert_quantity_close(row.total_dose, Q_(161, "mg"))
    shown = rate.replace("42000", "42,000")
    notes = dosecalc.table("70 kg", "mine", regimens_dir=folder, builtin=False).as_text("markdown")
    assert f"infusion {shown} to the end of the session: 126 mg at 42 mg/h." in notes
