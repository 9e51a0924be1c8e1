"""The plasma-concentration simulation: exactness, conservation and the laws of a linear model."""

from __future__ import annotations

import itertools
import math

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
