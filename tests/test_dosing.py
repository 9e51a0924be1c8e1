"""Dose calculations: hand-computed golden tables and the laws of the arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.errors import RegimenError
from dosecalc.regimens import load_catalogue
from dosecalc.units import DROP_FACTOR, POUND_IN_KG, Q_, Concentration, parse_concentration, parse_quantity

from .helpers import assert_quantity_close

CATALOGUE = load_catalogue()
CARDS = list(CATALOGUE.cards.values())
#: The single-phase cards: one rate for the whole session (a phased card's total is the sum of its phases,
#: tested in test_phases.py).
SINGLE_PHASE = [card for card in CARDS if card.kind != "phased"]
LB_154_IN_KG = 154 * POUND_IN_KG  # 154 lb x 0.45359237 kg/lb = 69.85322498 kg

# Golden table, computed by hand: (regimen, weight in kg, rate mg/h, total mg/session, sessions).
GOLDEN = [
    # fixed 22 mg/h whatever the weight; 22 mg/h x 4 h = 88 mg; 1 session
    ("rate-22-mg-h", 45.5, 22.0, 88.0, 1),
    ("rate-22-mg-h", 70.0, 22.0, 88.0, 1),
    ("rate-22-mg-h", LB_154_IN_KG, 22.0, 88.0, 1),
    ("rate-22-mg-h", 120.0, 22.0, 88.0, 1),
    # 0.35 mg/kg/h x 45.5 kg = 15.925 mg/h; x 4 h = 63.7 mg; 10 sessions
    ("rate-0.35-mg-kg-h", 45.5, 15.925, 63.7, 10),
    # 0.35 mg/kg/h x 70 kg = 24.5 mg/h; x 4 h = 98 mg
    ("rate-0.35-mg-kg-h", 70.0, 24.5, 98.0, 10),
    # 0.35 mg/kg/h x 69.85322498 kg = 24.448628743 mg/h; x 4 h = 97.794514972 mg
    ("rate-0.35-mg-kg-h", LB_154_IN_KG, 24.448628743, 97.794514972, 10),
    # 0.35 mg/kg/h x 120 kg = 42 mg/h > 25 mg/h cap, so 25 mg/h; x 4 h = 100 mg
    ("rate-0.35-mg-kg-h", 120.0, 25.0, 100.0, 10),
    # 80 mg / 5 h = 16 mg/h for everyone; 7 sessions
    ("total-80-mg-5-h", 45.5, 16.0, 80.0, 7),
    ("total-80-mg-5-h", 120.0, 16.0, 80.0, 7),
    # 80 mg / 2 h = 40 mg/h; 1 session
    ("initial-80-mg-2-h", 70.0, 40.0, 80.0, 1),
    ("initial-80-mg-2-h", LB_154_IN_KG, 40.0, 80.0, 1),
]


@pytest.mark.parametrize(
    ("regimen", "kg", "rate", "total", "sessions"), GOLDEN, ids=[f"{g[0]}@{g[1]:.4g}kg" for g in GOLDEN]
)
def test_golden_table(regimen: str, kg: float, rate: float, total: float, sessions: int) -> None:
    fig = calculate(make_plan(CATALOGUE.get(regimen), WhatIf()), Q_(kg, "kg"))
    assert_quantity_close(fig.rate, Q_(rate, "mg/h"))
    assert_quantity_close(fig.rate_per_kg, Q_(rate / kg, "mg/kg/h"))
    assert_quantity_close(fig.total_dose, Q_(total, "mg"))
    assert_quantity_close(fig.total_dose_per_kg, Q_(total / kg, "mg/kg"))
    assert fig.sessions == sessions
    assert_quantity_close(fig.course_total_dose, Q_(total * sessions, "mg"))


def test_cap_binds_above_71_4_kg_and_keeps_the_uncapped_figure() -> None:
    card = CATALOGUE.get("rate-0.35-mg-kg-h")
    # 25 mg/h / 0.35 mg/kg/h = 71.428... kg
    below = calculate(make_plan(card, WhatIf()), Q_(71.4, "kg"))
    above = calculate(make_plan(card, WhatIf()), Q_(71.5, "kg"))
    assert not below.cap_binds
    assert above.cap_binds
    assert_quantity_close(above.rate, Q_(25, "mg/h"))
    assert_quantity_close(above.uncapped_rate, Q_(0.35 * 71.5, "mg/h"))  # 25.025 mg/h


def test_no_cap_and_other_cap() -> None:
    card = CATALOGUE.get("rate-0.35-mg-kg-h")
    uncapped = calculate(make_plan(card, WhatIf(no_cap=True)), Q_(120, "kg"))
    assert_quantity_close(uncapped.rate, Q_(42, "mg/h"))  # 0.35 x 120
    capped = calculate(make_plan(card, WhatIf(max_rate=Q_(30, "mg/h"))), Q_(120, "kg"))
    assert_quantity_close(capped.rate, Q_(30, "mg/h"))
    assert_quantity_close(capped.total_dose, Q_(120, "mg"))  # 30 mg/h x 4 h


def test_documented_preparation_gives_pump_figures() -> None:
    fig = calculate(make_plan(CATALOGUE.get("total-80-mg-5-h"), WhatIf()), Q_(70, "kg"))
    # 80 mg in 500 mL = 0.16 mg/mL; 16 mg/h / 0.16 mg/mL = 100 mL/h; 80 mg / 0.16 mg/mL = 500 mL
    assert fig.concentration is not None and fig.pump_rate is not None and fig.volume is not None
    assert_quantity_close(fig.concentration, Q_(0.16, "mg/mL"))
    assert_quantity_close(fig.pump_rate, Q_(100, "mL/h"))
    assert_quantity_close(fig.volume, Q_(500, "mL"))


def test_given_concentration_and_drop_factor() -> None:
    what_if = WhatIf(concentration=parse_concentration("100 mg in 50 mL"), drop_factor=Q_(20, "gtt/mL"))
    fig = calculate(make_plan(CATALOGUE.get("rate-0.35-mg-kg-h"), what_if), Q_(154 * POUND_IN_KG, "kg"))
    # 24.448628743 mg/h / 2 mg/mL = 12.2243143715 mL/h; x 20 gtt/mL / 60 min/h = 4.0747714571... gtt/min
    assert fig.pump_rate is not None and fig.drip_rate is not None and fig.volume is not None
    assert_quantity_close(fig.pump_rate, Q_(12.2243143715, "mL/h"))
    assert_quantity_close(fig.drip_rate, Q_(12.2243143715 * 20 / 60, "gtt/min"))
    assert_quantity_close(fig.volume, Q_(97.794514972 / 2, "mL"))


def test_what_if_duration_for_a_total_keeps_the_total() -> None:
    fig = calculate(make_plan(CATALOGUE.get("total-80-mg-5-h"), WhatIf(duration=Q_(4, "h"))), Q_(70, "kg"))
    assert_quantity_close(fig.rate, Q_(20, "mg/h"))  # 80 mg / 4 h
    assert_quantity_close(fig.total_dose, Q_(80, "mg"))


def test_duration_below_the_minimum_is_refused_naming_it() -> None:
    with pytest.raises(RegimenError) as caught:
        make_plan(CATALOGUE.get("initial-80-mg-2-h"), WhatIf(duration=Q_(1.5, "h")))
    assert str(caught.value) == (
        "duration: 1.5 h is shorter than the minimum of 2 h for initial-80-mg-2-h; give 2 h or more"
    )


def test_cohort_arrays_equal_single_patients() -> None:
    weights = np.array([45.5, 70.0, 71.43, 120.0, 3.0])
    for card in CARDS:
        plan = make_plan(card, WhatIf())
        many = calculate(plan, Q_(weights, "kg"))
        for i, kg in enumerate(weights):
            one = calculate(plan, Q_(kg, "kg"))
            assert float(many.rate.magnitude[i]) == pytest.approx(float(one.rate.magnitude), rel=1e-15)
            assert float(many.total_dose.magnitude[i]) == pytest.approx(float(one.total_dose.magnitude), rel=1e-15)


# ---------------------------------------------------------------------------------------- properties

WEIGHTS = st.floats(min_value=0.3, max_value=650, allow_nan=False)
HOURS = st.floats(min_value=2, max_value=720, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(card=st.sampled_from(SINGLE_PHASE), kg=WEIGHTS, hours=HOURS)
def test_total_is_rate_times_duration(card, kg, hours) -> None:  # type: ignore[no-untyped-def]
    fig = calculate(make_plan(card, WhatIf(duration=Q_(hours, "h"))), Q_(kg, "kg"))
    assert_quantity_close(fig.total_dose, fig.rate * Q_(hours, "h"), rtol=1e-12)
    assert_quantity_close(fig.course_total_dose, fig.total_dose * fig.sessions, rtol=1e-12)


@settings(max_examples=300, deadline=None)
@given(kg=WEIGHTS, factor=st.floats(min_value=0.01, max_value=1.0))
def test_weight_based_rate_is_linear_in_weight_and_fixed_rate_is_not(kg: float, factor: float) -> None:
    weighted = make_plan(CATALOGUE.get("rate-0.35-mg-kg-h"), WhatIf(no_cap=True))
    fixed = make_plan(CATALOGUE.get("rate-22-mg-h"), WhatIf())
    small = Q_(kg * factor, "kg")
    assert_quantity_close(calculate(weighted, small).rate * (1 / factor), calculate(weighted, Q_(kg, "kg")).rate, 1e-12)
    assert_quantity_close(calculate(fixed, small).rate, calculate(fixed, Q_(kg, "kg")).rate, 1e-15)


@settings(max_examples=300, deadline=None)
@given(kg=WEIGHTS, cap=st.floats(min_value=1, max_value=200))
def test_rate_never_exceeds_the_cap_and_binds_only_above_it(kg: float, cap: float) -> None:
    fig = calculate(make_plan(CATALOGUE.get("rate-0.35-mg-kg-h"), WhatIf(max_rate=Q_(cap, "mg/h"))), Q_(kg, "kg"))
    assert fig.rate.to("mg/h").magnitude <= cap
    assert fig.cap_binds == (0.35 * kg > cap)


@settings(max_examples=300, deadline=None)
@given(
    card=st.sampled_from(CARDS),
    kg=WEIGHTS,
    mg=st.floats(1, 1000),
    ml=st.floats(1, 1000),
    drops=st.sampled_from([10, 15, 20, 60]),
)
def test_pump_and_drip_rates_follow_concentration_and_drop_factor(card, kg, mg, ml, drops) -> None:  # type: ignore[no-untyped-def]
    conc = Concentration(Q_(mg, "mg") / Q_(ml, "mL"), Q_(mg, "mg"), Q_(ml, "mL"))
    drop_factor = parse_quantity(f"{drops} gtt/mL", DROP_FACTOR)
    fig = calculate(make_plan(card, WhatIf(concentration=conc, drop_factor=drop_factor)), Q_(kg, "kg"))
    assert fig.pump_rate is not None and fig.drip_rate is not None
    assert_quantity_close(fig.pump_rate * conc.value, fig.rate, rtol=1e-12)  # mL/h x mg/mL = mg/h
    # drip (gtt/min) = mL/h x gtt/mL / 60 min/h
    assert fig.drip_rate.to("gtt/min").magnitude == pytest.approx(
        fig.pump_rate.to("mL/h").magnitude * drops / 60, rel=1e-12
    )


@settings(max_examples=300, deadline=None)
@given(card=st.sampled_from(CARDS), kg=WEIGHTS)
def test_results_do_not_depend_on_the_weight_unit(card, kg) -> None:  # type: ignore[no-untyped-def]
    plan = make_plan(card, WhatIf())
    in_kg = calculate(plan, Q_(kg, "kg"))
    in_lb = calculate(plan, Q_(kg / POUND_IN_KG, "lb"))
    in_g = calculate(plan, Q_(kg * 1000, "g"))
    for other in (in_lb, in_g):
        assert_quantity_close(other.rate, in_kg.rate, rtol=1e-12)
        assert_quantity_close(other.total_dose_per_kg, in_kg.total_dose_per_kg, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(minutes=st.floats(min_value=1, max_value=119.999))
def test_a_what_if_below_the_minimum_is_always_refused(minutes: float) -> None:
    with pytest.raises(RegimenError):
        make_plan(CATALOGUE.get("initial-80-mg-2-h"), WhatIf(duration=Q_(minutes, "min")))
