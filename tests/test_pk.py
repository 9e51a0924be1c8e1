"""The plasma-concentration simulation: exactness, conservation and the laws of a linear model."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from dosecalc.pk import Course, PKModel, load_models, output_times, simulate, summarise
from dosecalc.units import Q_

from .helpers import run

DOMINO = load_models()["domino"]
WEIGHT = Q_(70.0, "kg")


def test_domino_parameters_are_those_checked() -> None:
    # V1 = 0.063 L/kg; k10 0.4381, k12 0.5921, k13 0.5900, k21 0.2470, k31 0.0146 per minute
    assert DOMINO.v1.to("L/kg").magnitude == pytest.approx(0.063, rel=1e-15)
    rates = (DOMINO.k10_per_min, DOMINO.k12_per_min, DOMINO.k13_per_min, DOMINO.k21_per_min, DOMINO.k31_per_min)
    assert rates == (0.4381, 0.5921, 0.5900, 0.2470, 0.0146)
    assert DOMINO.drug == "racemic ketamine"
    assert "opentiva" in DOMINO.checked


def course(rate: float = 24.5, hours: float = 4.0, sessions: int = 1, interval: float = 24.0) -> Course:
    return Course(Q_(rate, "mg/h"), Q_(hours, "h"), sessions, Q_(interval, "h"))


def test_mass_balance_at_every_output_time() -> None:
    plan = course(sessions=3)
    sim = simulate(DOMINO, WEIGHT, plan, output_times(Q_(60, "h"), Q_(7, "min"), 10_000))
    infused = sim.infused.to("mg").magnitude
    held = sum(q.to("mg").magnitude for q in (sim.central, sim.peripheral_fast, sim.peripheral_slow, sim.eliminated))
    total = 24.5 * 4 * 3  # mg infused over the course
    assert infused[-1] == pytest.approx(total, rel=1e-12)
    assert np.max(np.abs(infused - held)) <= 1e-9 * total


def _reference(model: PKModel, plan: Course, hours: np.ndarray) -> np.ndarray:
    """Concentration (ng/mL) by numerical integration (scipy Radau, tight tolerances), piece by piece."""
    k10, k12, k13, k21, k31 = (
        model.k10_per_min,
        model.k12_per_min,
        model.k13_per_min,
        model.k21_per_min,
        model.k31_per_min,
    )
    rate = plan.rate.to("mg/min").magnitude
    length = plan.duration.to("min").magnitude
    every = plan.interval.to("min").magnitude
    edges = sorted(
        {
            0.0,
            *[s * every for s in range(plan.sessions)],
            *[s * every + length for s in range(plan.sessions)],
            float(hours[-1] * 60),
        }
    )
    minutes = hours * 60
    out = np.zeros_like(minutes)
    state = np.zeros(3)
    for a, b in itertools.pairwise(edges):
        on = any(s * every <= a < s * every + length for s in range(plan.sessions))
        r = rate if on else 0.0

        def f(_t: float, y: np.ndarray, r: float = r) -> list[float]:
            return [
                r - (k10 + k12 + k13) * y[0] + k21 * y[1] + k31 * y[2],
                k12 * y[0] - k21 * y[1],
                k13 * y[0] - k31 * y[2],
            ]

        inside = (minutes >= a) & (minutes <= b)
        sol = solve_ivp(f, (a, b), state, method="Radau", rtol=1e-11, atol=1e-13, dense_output=True)
        out[inside] = sol.sol(minutes[inside])[0]
        state = sol.y[:, -1]
    volume = model.v1.to("L/kg").magnitude * 70.0
    return out / volume * 1000  # mg/L = mcg/mL; x 1000 = ng/mL


def test_exact_solution_matches_numerical_integration() -> None:
    plan = course(rate=40, hours=2, sessions=2, interval=24)
    times = output_times(Q_(40, "h"), Q_(10, "min"), 10_000)
    exact = simulate(DOMINO, WEIGHT, plan, times).concentration.to("ng/mL").magnitude
    numeric = _reference(DOMINO, plan, times.to("h").magnitude)
    scale = float(np.max(numeric))
    assert np.max(np.abs(exact - numeric)) <= 1e-7 * scale


def test_two_sessions_are_the_sum_of_shifted_single_sessions() -> None:
    times = output_times(Q_(48, "h"), Q_(5, "min"), 10_000)
    both = simulate(DOMINO, WEIGHT, course(sessions=2, interval=20), times).concentration.magnitude
    first = simulate(DOMINO, WEIGHT, course(), times).concentration.magnitude
    hours = times.to("h").magnitude
    shifted = simulate(DOMINO, WEIGHT, course(), Q_(np.maximum(hours - 20, 0), "h")).concentration.magnitude
    shifted[hours < 20] = 0
    assert np.allclose(both, first + shifted, rtol=1e-9, atol=1e-9 * float(np.max(both)))


@settings(max_examples=30, deadline=None)
@given(rate=st.floats(1, 200), factor=st.floats(0.1, 10), hours=st.floats(0.5, 12))
def test_concentration_is_linear_in_dose(rate: float, factor: float, hours: float) -> None:
    times = output_times(Q_(hours + 6, "h"), Q_(15, "min"), 10_000)
    one = simulate(DOMINO, WEIGHT, course(rate, hours), times).concentration.magnitude
    scaled = simulate(DOMINO, WEIGHT, course(rate * factor, hours), times).concentration.magnitude
    assert np.allclose(scaled, one * factor, rtol=1e-9, atol=1e-12)


def test_no_infusion_gives_zero() -> None:
    sim = simulate(DOMINO, WEIGHT, course(rate=0.0), output_times(Q_(10, "h"), Q_(30, "min"), 10_000))
    assert np.all(sim.concentration.magnitude == 0)


def test_one_compartment_limit_matches_its_closed_form() -> None:
    one = DOMINO.model_copy(update={"k12_per_min": 0.0, "k13_per_min": 0.0})
    k10 = one.k10_per_min
    volume = 0.063 * 70  # L
    rate = 24.5 / 60  # mg/min
    times = output_times(Q_(6, "h"), Q_(5, "min"), 10_000)
    conc = simulate(one, WEIGHT, course(), times).concentration.to("ng/mL").magnitude
    minutes = times.to("min").magnitude
    # during the infusion C = R / (k10 V) (1 - exp(-k10 t)); after it, decay from the end value
    during = rate / (k10 * volume) * (1 - np.exp(-k10 * np.minimum(minutes, 240)))
    closed = during * np.exp(-k10 * np.maximum(minutes - 240, 0)) * 1000
    assert np.allclose(conc, closed, rtol=1e-9, atol=1e-12)


def test_summary_peak_troughs_and_half_time() -> None:
    plan = course(sessions=2)
    times = output_times(Q_(40, "h"), Q_(5, "min"), 10_000)
    summary = summarise(DOMINO, WEIGHT, plan, times)
    sim = simulate(DOMINO, WEIGHT, plan, Q_(np.array([4.0, 24.0, 28.0]), "h")).concentration.magnitude
    assert summary.end_of_session[0].magnitude == pytest.approx(sim[0], rel=1e-12)
    assert summary.trough_before_next[0].magnitude == pytest.approx(sim[1], rel=1e-12)
    assert summary.peak_concentration.magnitude >= max(sim) * (1 - 1e-12)
    half = summary.half_time_after_end
    assert half is not None
    after = simulate(DOMINO, WEIGHT, plan, Q_(np.array([28.0 + half.to("h").magnitude]), "h")).concentration
    assert after.magnitude[0] == pytest.approx(sim[2] / 2, rel=1e-6)
    assert math.isfinite(half.magnitude)


def test_simulate_json_contract_and_drug_warning() -> None:
    result = run("simulate", "rate-22-mg-h", "--weight", "70 kg", "--step", "30 min", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = result.json()
    assert doc["disclaimer"].startswith("Educational reference only")
    assert doc["model"]["id"] == "domino" and doc["regimen"] == "rate-22-mg-h"
    assert doc["rows"][0] == {"time": {"value": 0.0, "unit": "h"}, "concentration": {"value": 0.0, "unit": "ng/mL"}}
    assert doc["rows"][-1]["time"]["value"] == pytest.approx(16.0, rel=1e-15)  # 4 h + 12 h
    assert doc["summary"]["peak_concentration"]["unit"] == "ng/mL"
    assert any("S(+)-ketamine" in note and "not interchangeable mg for mg" in note for note in doc["notes"])
    # the same figures as the engine called directly
    times = Q_(np.array([row["time"]["value"] for row in doc["rows"]]), "h")
    expected = simulate(DOMINO, WEIGHT, course(22, 4), times).concentration.to("ng/mL").magnitude
    assert [row["concentration"]["value"] for row in doc["rows"]] == pytest.approx(list(expected), rel=1e-12)


def test_simulate_compare_and_csv() -> None:
    result = run("simulate", "initial-80-mg-2-h", "--compare", "total-80-mg-5-h", "--format", "csv", "--step", "1 h")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert header == "time_h,concentration_ng_per_ml_initial-80-mg-2-h,concentration_ng_per_ml_total-80-mg-5-h"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--sessions", "3", "--interval", "2 h"],
            "error: --interval: 2 h is shorter than the 4 h infusion; sessions cannot overlap",
        ),
        (["--model", "marsh"], "error: --model: unknown model 'marsh'; known models: domino"),
        (
            ["--step", "1 s", "--sessions", "10"],
            # 9 x 24 h + 4 h + 12 h = 232 h = 835,200 s: rows at 0, 1, ..., 835,200 s
            "error: --step: gives 835,201 rows up to 232 h; the most is 10,000, so choose a larger step",
        ),
    ],
    ids=["overlapping sessions", "unknown model", "too many rows"],
)
def test_simulate_refusals(args: list[str], message: str) -> None:
    result = run("simulate", "rate-22-mg-h", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [message]


# --------------------------------------------------------------------------------------- a bolus given over a time


def _ode_reference(model: PKModel, stretches: list[tuple[float, float, float]], minutes: np.ndarray) -> np.ndarray:
    """Central amount (mg) at ``minutes`` by integrating the three-compartment ODEs with scipy's Radau, input
    R(t) = the sum of the (start min, end min, rate mg/min) stretches running at t, restarted at every edge so
    the solver never steps across a jump of the input. Independent of dosecalc's matrix exponential."""
    k10, k12, k13 = model.k10_per_min, model.k12_per_min, model.k13_per_min
    k21, k31 = model.k21_per_min, model.k31_per_min
    edges = sorted({0.0, float(minutes[-1]), *(t for s in stretches for t in s[:2] if t < minutes[-1])})
    out = np.zeros_like(minutes)
    state = np.zeros(3)
    for a, b in itertools.pairwise(edges):
        r = sum(rate for t0, t1, rate in stretches if t0 <= a < t1)

        def f(_t: float, y: np.ndarray, r: float = r) -> list[float]:
            return [
                r - (k10 + k12 + k13) * y[0] + k21 * y[1] + k31 * y[2],
                k12 * y[0] - k21 * y[1],
                k13 * y[0] - k31 * y[2],
            ]

        inside = (minutes >= a) & (minutes <= b)
        sol = solve_ivp(f, (a, b), state, method="Radau", rtol=1e-11, atol=1e-13, dense_output=True)
        out[inside] = sol.sol(minutes[inside])[0]
        state = sol.y[:, -1]
    return out


def test_a_bolus_at_once_is_simulated_over_one_minute_as_an_ode_solver_gives_it() -> None:
    from dosecalc import api

    table = api.simulate("bolus-0.5-mg-kg-then-10-mcg-kg-min", "70 kg", step="1 min")
    run_ = table.runs[0]
    # 0.5 mg/kg x 70 kg = 35 mg over 1 min = 35 mg/min; 10 mcg/kg/min x 70 kg = 700 mcg/min = 0.7 mg/min for 180 min
    stretches = [(0.0, 1.0, 35.0), (0.0, 180.0, 0.7)]
    minutes = table.time.to("min").magnitude
    reference = _ode_reference(DOMINO, stretches, minutes) / (0.063 * 70) * 1000  # mg / 4.41 L = mg/L; x 1000 ng/mL
    exact = run_.simulation.concentration.to("ng/mL").magnitude
    # tolerance: Radau at rtol 1e-11 agrees with the exact solution to far better than 1e-7 of the peak
    assert np.max(np.abs(exact - reference)) <= 1e-7 * float(np.max(reference))
    # the dose given by 0.5 min: 35 mg/min x 0.5 min + 0.7 mg/min x 0.5 min = 17.85 mg; by 1 min, 35.7 mg
    given = run_.course.infused(np.array([0.5, 1.0]))
    assert given == pytest.approx([17.85, 35.7], rel=1e-12)
    # nothing in the body at 0:00 (no instant of amount / V1 = 35 mg / 4.41 L = 7,937 ng/mL)
    assert exact[0] == 0.0
    # the peak: at the end of the minute of bolus, equal to the ODE solution there, found by a dense search too
    dense = np.linspace(0.0, 10.0, 10_001)  # every 0.001 min over the first 10 min
    by_ode = _ode_reference(DOMINO, stretches, dense) / (0.063 * 70) * 1000
    peak = run_.summary.peak_concentration.to("ng/mL").magnitude
    assert run_.summary.time_of_peak.to("min").magnitude == pytest.approx(1.0, abs=1e-6)
    assert peak == pytest.approx(float(np.max(by_ode)), rel=1e-7)
    assert float(dense[np.argmax(by_ode)]) == pytest.approx(1.0, abs=1e-3)


def test_a_one_minute_bolus_in_one_compartment_matches_its_closed_form() -> None:
    one = DOMINO.model_copy(update={"k12_per_min": 0.0, "k13_per_min": 0.0})
    k10 = one.k10_per_min  # 0.4381 / min
    plan = Course(Q_(0.0, "mg/h"), Q_(1.0, "h"), profile=(), boluses=((0.0, 35.0),))
    minutes = np.array([0.5, 1.0, 3.0])
    conc = simulate(one, WEIGHT, plan, Q_(minutes / 60, "h")).concentration.to("ng/mL").magnitude
    # during the minute: A1 = R / k10 (1 - exp(-k10 t)) with R = 35 mg/min; after it, A1(1) exp(-k10 (t - 1))
    during = 35.0 / k10 * (1 - np.exp(-k10 * np.minimum(minutes, 1.0)))
    amount = during * np.exp(-k10 * np.maximum(minutes - 1.0, 0.0))
    # e.g. at 1 min: 35 / 0.4381 x (1 - e^-0.4381) = 79.89 x 0.3547 = 28.34 mg; / 4.41 L = 6.43 mg/L = 6,426 ng/mL
    assert conc == pytest.approx(amount / (0.063 * 70) * 1000, rel=1e-9)
    assert conc[1] == pytest.approx(6426, rel=1e-3)


def test_a_bolus_given_over_a_stated_time_is_simulated_over_that_time() -> None:
    from dosecalc import api

    # a card's bolus with `over` is already a stretch of constant rate: 20 mg over 30 min = 0.6667 mg/min
    plan = Course(Q_(0.0, "mg/h"), Q_(1.0, "h"), profile=((0.0, 30.0, 20.0 / 30.0),))
    minutes = np.arange(0.0, 121.0, 5.0)
    exact = simulate(DOMINO, WEIGHT, plan, Q_(minutes / 60, "h")).concentration.to("ng/mL").magnitude
    reference = _ode_reference(DOMINO, [(0.0, 30.0, 20.0 / 30.0)], minutes) / (0.063 * 70) * 1000
    assert np.max(np.abs(exact - reference)) <= 1e-7 * float(np.max(reference))
    # a card with no bolus given at once has none to give over a minute
    depression = api.simulate("total-0.5-mg-kg-40-min", "70 kg").runs[0]
    assert depression.course.boluses == ()


def test_the_output_says_the_bolus_was_given_over_one_minute_and_why_peaks_are_over_stated() -> None:
    result = run("simulate", "bolus-0.5-mg-kg-then-10-mcg-kg-min", "-w", "70 kg", "--step", "1 h")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "bolus 35 mg at once (simulated over 1 min), then 42 mg/h for 3 h" in text
    assert "peak 4,101 ng/mL at 0:01 (h:mm)" in text  # not 7,937 ng/mL at 0:00 (35 mg / 4.41 L at one instant)
    assert "states no time for it, so the simulation gives it evenly over 1 min" in text
    assert "V1 (0.063 L/kg) is far below other published central volumes" in text
    # a long infusion with no bolus does not carry the note on fast inputs
    long = run("simulate", "total-80-mg-5-h", "-w", "70 kg", "--step", "1 h")
    assert "far below other published central volumes" not in " ".join(long.stdout.split()), long.output


def test_the_model_notes_figure_for_0_5_mg_kg_over_40_min_is_what_it_simulates() -> None:
    from dosecalc import api

    # the model card says: about 240 ng/mL at the end of 0.5 mg/kg over 40 min (against 185 ng/mL reported)
    run_ = api.simulate("total-0.5-mg-kg-40-min", "70 kg").runs[0]
    assert run_.summary.peak_concentration.to("ng/mL").magnitude == pytest.approx(240, rel=0.005)
    assert run_.summary.time_of_peak.to("min").magnitude == pytest.approx(40, abs=1e-6)
    assert "about 240 ng/mL" in " ".join(DOMINO.notes) and "240 ng/mL" in (DOMINO.fast_input_note or "")


def test_the_domino_card_does_not_call_its_two_implementations_independent() -> None:
    checked = " ".join(DOMINO.checked.split())
    assert "Two implementations agree (likely one table); not checked against the paper" in checked
    assert "checked against two independent" not in checked


def test_sessions_cannot_overlap_a_bolus_running_on_past_the_end() -> None:
    from dosecalc.errors import DoseCalcError
    from dosecalc.pk import check_course

    # a 60 min session ending with a bolus at 60 min given over 1 min gives drug for 61 min: 1.01667 h
    plan = Course(Q_(0.0, "mg/h"), Q_(1.0, "h"), 2, Q_(1.0, "h"), profile=((0.0, 60.0, 1.0),), boluses=((60.0, 5.0),))
    with pytest.raises(DoseCalcError, match=r"1 h is shorter than the 1\.01667 h infusion"):
        check_course(plan)
    check_course(plan._replace(interval=Q_(61.0, "min")))  # 61 min is enough


def test_the_four_day_card_of_s_ketamine_is_refused_by_the_racemic_model() -> None:
    # the 4-day card's 22 mg/h is the S(+)-ketamine trial's rate (Sigtermans 2009): no racemic-ketamine curve for it
    result = run("simulate", "rate-22-mg-h-4-days", "-w", "70 kg")
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert "rate-22-mg-h-4-days doses S(+)-ketamine" in result.stderr
    assert "not interchangeable with racemic ketamine mg for mg" in result.stderr


@settings(max_examples=200, deadline=None)
@given(
    centre=st.floats(min_value=-3, max_value=3),
    wiggle=st.floats(min_value=-5, max_value=5),
    low=st.floats(min_value=-4, max_value=0),
    width=st.floats(min_value=1e-6, max_value=5),
)
def test_the_bounded_search_finds_the_floats_scipys_bounded_minimize_scalar_finds(
    centre: float, wiggle: float, low: float, width: float
) -> None:
    from scipy.optimize import minimize_scalar

    from dosecalc.pk import _bounded_minimum

    def f(x: float) -> float:
        return float((x - centre) ** 2 + 0.1 * wiggle * np.sin(5 * x))

    found = minimize_scalar(f, bounds=(low, low + width), method="bounded", options={"xatol": 1e-9})
    x, fun = _bounded_minimum(f, low, low + width, 1e-9)
    assert (float(x).hex(), float(fun).hex()) == (float(found.x).hex(), float(found.fun).hex())


def phased_course(sessions: int = 1) -> Course:
    # 35 mg at once at 0 min (simulated over 1 min), then 0.7 mg/min for 4 h: a bolus-then-infusion card's shape
    return Course(
        Q_(42.0, "mg/h"), Q_(4.0, "h"), sessions, Q_(24.0, "h"), profile=((0.0, 240.0, 0.7),), boluses=((0.0, 35.0),)
    )


@settings(max_examples=100, deadline=None)
@given(
    kg=st.floats(min_value=3, max_value=250),
    hours=st.floats(min_value=0, max_value=60),
    phased=st.booleans(),
    sessions=st.integers(min_value=1, max_value=3),
)
def test_the_searches_one_time_at_a_time_get_simulates_floats_to_the_bit(
    kg: float, hours: float, phased: bool, sessions: int
) -> None:
    from dosecalc.pk import _probe

    weight = Q_(kg, "kg")
    plan = phased_course(sessions) if phased else course(sessions=sessions)
    expected = float(simulate(DOMINO, weight, plan, Q_(np.array([hours]), "h")).concentration.magnitude[0])
    assert _probe(DOMINO, weight, plan)(hours).hex() == expected.hex()


@pytest.mark.parametrize("plan", [course(), course(sessions=3), phased_course(), phased_course(2)])
def test_the_chart_curve_is_the_simulation_to_1e_11_of_its_peak(plan: Course) -> None:
    from dosecalc.pk import chart_concentration

    # the chart's grid: 1,201 even times and every breakpoint, so gaps of two or three lengths
    breaks, _ = plan.pieces()
    end = float(breaks[-1]) / 60 + 12
    hours = np.union1d(np.linspace(0.0, end, 1201), breaks / 60.0)
    exact = simulate(DOMINO, WEIGHT, plan, Q_(hours, "h")).concentration.to("ng/mL").magnitude
    drawn = chart_concentration(DOMINO, WEIGHT, plan, hours)
    assert np.max(np.abs(drawn - exact)) <= 1e-11 * np.max(exact)


@pytest.mark.parametrize(
    ("func", "low", "high"),
    [
        (lambda x: (x - 1.0) ** 2, 2.0, 2.0),  # a range of no width
        (lambda x: 3.0, 0.0, 5.0),  # a constant
        (lambda x: float("nan") if x > 1 else -x, 0.0, 4.0),  # NaN over part of the range
        (lambda x: float(np.sin(1 / (x + 1e-3))), 0.0, 1.0),  # many minima
    ],
    ids=["no-width", "constant", "nan", "wild"],
)
def test_the_bounded_search_matches_scipy_on_edge_cases(func: Any, low: float, high: float) -> None:
    from scipy.optimize import minimize_scalar

    from dosecalc.pk import _bounded_minimum

    found = minimize_scalar(func, bounds=(low, high), method="bounded", options={"xatol": 1e-9})
    x, fun = _bounded_minimum(func, low, high, 1e-9)
    assert (float(x).hex(), float(fun).hex()) == (float(found.x).hex(), float(found.fun).hex())
