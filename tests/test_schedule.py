"""Schedules: golden rows by hand and the laws every schedule keeps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.errors import QuantityError
from dosecalc.regimens import Catalogue, load_catalogue
from dosecalc.schedules import build_schedule, step_count
from dosecalc.units import Q_, parse_concentration

from .helpers import assert_quantity_close

CATALOGUE = load_catalogue()
CARDS = list(CATALOGUE.cards.values())


def test_golden_schedule_with_a_step_that_divides_the_duration() -> None:
    figures = calculate(make_plan(CATALOGUE.get("rate-0.35-mg-kg-h"), WhatIf()), Q_(70, "kg"))
    schedule = build_schedule(figures, Q_(1, "h"))
    # 0.35 mg/kg/h x 70 kg = 24.5 mg/h; rows at 0, 1, 2, 3, 4 h; cumulative 0, 24.5, 49, 73.5, 98 mg
    assert_quantity_close(schedule.time, Q_(np.array([0.0, 1, 2, 3, 4]), "h"))
    assert_quantity_close(schedule.cumulative_dose, Q_(np.array([0.0, 24.5, 49, 73.5, 98]), "mg"))
    assert_quantity_close(schedule.step_dose, Q_(np.array([0.0, 24.5, 24.5, 24.5, 24.5]), "mg"))
    # 98 mg / 70 kg = 1.4 mg/kg at the end
    assert_quantity_close(schedule.cumulative_dose_per_kg[-1], Q_(1.4, "mg/kg"))


def test_golden_schedule_whose_step_does_not_divide_the_duration() -> None:
    what_if = WhatIf(concentration=parse_concentration("2 mg/mL"))
    figures = calculate(make_plan(CATALOGUE.get("initial-80-mg-2-h"), what_if), Q_(70, "kg"))
    schedule = build_schedule(figures, Q_(45, "min"))
    # 80 mg / 2 h = 40 mg/h; rows at 0, 0.75, 1.5 and 2 h (the last step is 30 min)
    assert_quantity_close(schedule.time, Q_(np.array([0.0, 0.75, 1.5, 2.0]), "h"))
    # 40 mg/h x 0.75 h = 30 mg; x 1.5 h = 60 mg; end 80 mg; last step 20 mg
    assert_quantity_close(schedule.cumulative_dose, Q_(np.array([0.0, 30, 60, 80]), "mg"))
    assert_quantity_close(schedule.step_dose[-1], Q_(20, "mg"))
    # 40 mg/h / 2 mg/mL = 20 mL/h; 80 mg / 2 mg/mL = 40 mL at the end
    assert schedule.pump_rate is not None and schedule.cumulative_volume is not None
    assert_quantity_close(schedule.pump_rate[0], Q_(20, "mL/h"))
    assert_quantity_close(schedule.cumulative_volume[-1], Q_(40, "mL"))


def test_step_count_treats_near_whole_ratios_as_whole() -> None:
    assert step_count(Q_(4, "h"), Q_(15, "min")) == 16
    assert step_count(Q_(2, "h"), Q_(7, "min")) == 18  # 17 whole steps of 7 min, then 1 min
    assert step_count(Q_(1, "h"), Q_(2, "h")) == 1


def test_too_many_rows_are_refused() -> None:
    figures = calculate(make_plan(CATALOGUE.get("rate-22-mg-h"), WhatIf(duration=Q_(96, "h"))), Q_(70, "kg"))
    with pytest.raises(QuantityError, match=r"^step: gives 345,601 rows for 96 h; the most is 10,000"):
        build_schedule(figures, Q_(1, "s"))


@settings(max_examples=300, deadline=None)
@given(card=st.sampled_from(CARDS), kg=st.floats(0.3, 650), hours=st.floats(2, 96), step_min=st.floats(1, 600))
def test_schedule_times_increase_and_cumulative_dose_ends_on_the_total(card, kg, hours, step_min) -> None:  # type: ignore[no-untyped-def]
    figures = calculate(make_plan(card, WhatIf(duration=Q_(hours, "h"))), Q_(kg, "kg"))
    schedule = build_schedule(figures, Q_(step_min, "min"))
    times = schedule.time.to("h").magnitude
    assert times[0] == 0
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(hours, rel=1e-15)
    cumulative = schedule.cumulative_dose.to("mg").magnitude
    assert np.all(np.diff(cumulative) >= 0)
    assert cumulative[-1] == pytest.approx(figures.total_dose.to("mg").magnitude, rel=1e-15)
    assert np.sum(schedule.step_dose.to("mg").magnitude) == pytest.approx(cumulative[-1], rel=1e-9)


def test_a_drop_factor_adds_the_drip_rate_to_every_row(catalogue: Catalogue) -> None:
    """The issue's example: 154 lb, 100 mg in 50 mL, a 20 gtt/mL set, 1 h steps."""
    plan = make_plan(
        catalogue.get("rate-0.35-mg-kg-h"),
        WhatIf(concentration=parse_concentration("100 mg in 50 mL"), drop_factor=Q_(20.0, "gtt/mL")),
    )
    schedule = build_schedule(calculate(plan, Q_(154.0, "lb")), Q_(1.0, "h"))
    assert schedule.drip_rate is not None
    # 0.35 mg/kg/h x 69.85322498 kg = 24.448628743 mg/h; / 2 mg/mL = 12.2243143715 mL/h;
    # x 20 gtt/mL / 60 min/h = 4.07477145717 gtt/min, the same in every row of a constant-rate infusion
    for value in schedule.drip_rate.to("gtt/min").magnitude:
        assert value == pytest.approx(4.07477145717, rel=1e-10)
    without = build_schedule(calculate(make_plan(plan.card, WhatIf()), Q_(70.0, "kg")), Q_(1.0, "h"))
    assert without.drip_rate is None


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [
        (4, 15),  # 240 min / 24 rows = 10 min, under the 15 min floor: 15 min, 17 rows as before
        (6, 15),  # 360 / 24 = 15 min exactly
        (8, 20),  # 480 / 24 = 20 min
        (12, 30),  # 720 / 24 = 30 min
        (96, 240),  # 5,760 / 24 = 240 min = 4 h: 25 rows, not 385
        (2 / 3, 15),  # a 40-min infusion keeps 15 min
        (1000, 1440),  # past the longest round step: a day
    ],
)
def test_the_default_step_is_the_shortest_round_step_giving_about_24_rows(hours: float, minutes: int) -> None:
    from dosecalc.schedules import default_step

    assert_quantity_close(default_step(Q_(hours, "h"), Q_(15.0, "min"), 24), Q_(minutes, "min"))


@settings(max_examples=200, deadline=None)
@given(span_min=st.floats(1, 30 * 24 * 60), floor_min=st.sampled_from([5.0, 15.0, 30.0]), rows=st.integers(4, 400))
def test_a_default_step_is_round_at_least_the_floor_and_gives_at_most_the_rows(
    span_min: float, floor_min: float, rows: int
) -> None:
    from dosecalc.schedules import _ROUND_STEPS, default_step

    step = float(default_step(Q_(span_min, "min"), Q_(floor_min, "min"), rows).to("min").magnitude)
    assert step in _ROUND_STEPS and step >= floor_min
    if step < _ROUND_STEPS[-1]:
        assert span_min / step <= rows  # at most about ``rows`` rows (plus the row at 0)
        shorter = [s for s in _ROUND_STEPS if floor_min <= s < step]
        assert all(span_min / s > rows for s in shorter)  # and no shorter round step would do


def test_a_four_day_schedule_without_a_step_has_about_24_rows(catalogue: Catalogue) -> None:
    import dosecalc

    # 22 mg/h for 96 h: a 4 h step gives rows at 0, 4, ..., 96 h: 25 rows; 88 mg in each step (22 x 4)
    s = dosecalc.schedule("rate-22-mg-h-4-days")
    assert len(s.time) == 25
    assert_quantity_close(s.step_dose[1], Q_(88.0, "mg"))
    assert len(dosecalc.schedule("rate-22-mg-h").time) == 17  # 4 h at 15 min: 0, 0:15, ..., 4:00
