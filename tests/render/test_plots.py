"""Charts: files of the right kind and size, drawn from the engine's own figures."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from dosecalc import curves
from dosecalc.dosing import WhatIf, calculate, make_plan
from dosecalc.errors import DoseCalcError
from dosecalc.regimens import load_catalogue
from dosecalc.render import charts
from dosecalc.schedules import build_schedule
from dosecalc.units import Q_

from ..helpers import ISSUE_17_IDS, ISSUE_26_IDS, SEED_IDS, run

pytest.importorskip("matplotlib")
BOLUS = "bolus-0.5-mg-kg-then-10-mcg-kg-min"
#: The seven cards whose rates, crossings and panels the tests below work out by hand.
PLANS = [make_plan(load_catalogue().cards[card_id], WhatIf()) for card_id in (*SEED_IDS, *ISSUE_17_IDS)]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("kind", charts.CHART_KINDS)
@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_command_writes_the_file(tmp_path: Path, kind: str, suffix: str) -> None:
    target = tmp_path / f"chart.{suffix}"
    result = run("plot", kind, "--weight", "80 kg", "--output", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert len(data) > 5000
    if suffix == "png":
        width, height = png_size(data)
        # 7 in x 4.2-5.2 in at 150 dpi; the cumulative chart of every card has three panels of lengths (under
        # 2 h, 3 to 5 h, 4 days): 2.9 in each and 0.6 in = 9.3 in, 1,395 px
        tallest = 1400 if kind == "cumulative" else 900
        assert 900 <= width <= 1200 and 500 <= height <= tallest
    else:
        text = data.decode("utf-8")
        assert "<svg" in text and "Educational reference only" in text
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_rate_vs_weight_lines_are_the_engines_rates_with_crossings_and_caps() -> None:
    fig = charts.rate_vs_weight(PLANS)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
    # the two 22 mg/h cards give the same rate at every weight: one line, named for both, so neither hides
    assert "rate-22-mg-h = rate-22-mg-h-4-days" in lines and "rate-22-mg-h-4-days" not in lines
    for plan in PLANS:
        label = next(name for name in lines if plan.card.id in name.split(" = "))
        line = lines[label]
        weights = np.asarray(line.get_xdata(), dtype=float)
        expected = calculate(plan, Q_(weights, "kg")).rate.to("mg/h").magnitude
        assert np.array_equal(np.asarray(line.get_ydata(), dtype=float), expected)
    crossing_weights = sorted(float(c.weight.magnitude) for c in curves.crossings(PLANS, 40, 150))
    # Rates from 40 to 150 kg: 22 mg/h (both 22 mg/h cards, equal, so never crossing each other); 0.35 mg/kg/h
    # capped at 25; 80 mg / 5 h = 16; 80 mg / 2 h = 40; 0.5 mg/kg / (40/60 h) = 0.75 mg/kg/h (30 to 112.5 mg/h);
    # 10 mcg/kg/min = 0.6 mg/kg/h (24 to 90 mg/h). They cross where 0.35 kg = 16 (45.714 kg), 0.75 kg = 40
    # (53.333 kg), 0.35 kg = 22 (62.857 kg, once for each 22 mg/h card) and 0.6 kg = 40 (66.667 kg); the others
    # stay apart over the range (0.75 kg and 0.6 kg are above 25 and 22 throughout)
    assert crossing_weights == pytest.approx([16 / 0.35, 40 / 0.75, 22 / 0.35, 22 / 0.35, 40 / 0.6], rel=1e-9)
    # on the chart, the shared 22 mg/h line crosses 0.35 mg/kg/h once
    drawn = sorted(float(m.get_xdata()[0]) for m in ax.get_lines() if m.get_gid() == "crossing")
    assert drawn == pytest.approx([16 / 0.35, 40 / 0.75, 22 / 0.35, 40 / 0.6], rel=1e-9)
    start = curves.cap_start(PLANS[1], 40, 150)
    assert start is not None and float(start.magnitude) == pytest.approx(25 / 0.35, rel=1e-9)  # 71.43 kg


def test_equal_rates_written_in_other_units_are_one_line_that_never_crosses_itself() -> None:
    # 10 mcg/kg/min x 60 min/h / 1,000 mcg/mg = 0.6 mg/kg/h: the phased card's infusion and the 96-hour card's
    # target rate are one line, equal but for rounding, which must not read as crossings all along it
    bolus, prolonged = (load_catalogue().cards[card_id] for card_id in (BOLUS, ISSUE_26_IDS[2]))
    plans = [make_plan(bolus, WhatIf()), make_plan(prolonged, WhatIf())]
    assert curves.crossings(plans, 40, 150) == []
    lines = curves.rate_by_weight(plans).lines
    assert [line.regimen for line in lines] == [f"{BOLUS} = rate-0.6-mg-kg-h-96-h"]
    assert lines[0].rate_mg_h[0] == pytest.approx(0.6 * 40, rel=1e-12)  # 0.6 mg/kg/h x 40 kg = 24 mg/h


def test_a_crossing_on_a_weight_of_the_grid_is_found(tmp_path: Path) -> None:
    # 42 mg/h and 0.5 mg/kg/h are equal at 42 / 0.5 = 84 kg, which the 2,001-point grid from 40 to 150 kg holds
    # (40 + 800 x 0.055); 22 mg/h and 0.4 mg/kg/h at 22 / 0.4 = 55 kg, on the grid from 30 to 130 kg (every 0.05)
    source = '[[sources]]\ncitation = "Course handout"\nsays = "A teaching regimen."\n'
    cards = {
        "a": 'kind = "fixed-rate"\nrate = "42 mg/h"',
        "b": 'kind = "weight-based-rate"\nrate_per_kg = "0.5 mg/kg/h"',
        "c": 'kind = "fixed-rate"\nrate = "22 mg/h"',
        "d": 'kind = "weight-based-rate"\nrate_per_kg = "0.4 mg/kg/h"',
    }
    for name, dose in cards.items():
        text = f'id = "teach-{name}"\ntitle = "t"\nindication = "i"\n{dose}\nduration = "2 h"\nsessions = 1\n'
        (tmp_path / f"{name}.toml").write_text(text + source, encoding="utf-8")
    found = load_catalogue(tmp_path, builtin=False).cards
    a, b, c, d = (make_plan(found[f"teach-{name}"], WhatIf()) for name in "abcd")
    assert 84.0 in np.linspace(40, 150, 2001) and 55.0 in np.linspace(30, 130, 2001)
    crossing = curves.crossings([a, b], 40, 150)
    assert [(c.weight.magnitude, c.rate.magnitude, c.between) for c in crossing] == [
        (pytest.approx(84.0, rel=1e-12), pytest.approx(42.0, rel=1e-12), ("teach-a", "teach-b"))
    ]
    assert [c.weight.magnitude for c in curves.crossings([c, d], 30, 130)] == [pytest.approx(55.0, rel=1e-12)]
    # lines that meet and stay together are not a crossing: 0.5 mg/kg/h capped at 42 mg/h against 42 mg/h
    capped = make_plan(found["teach-b"], WhatIf(max_rate=Q_(42.0, "mg/h")))
    assert curves.crossings([a, capped], 40, 150) == []


def test_cumulative_and_schedule_charts_use_the_schedule() -> None:
    weight = Q_(70.0, "kg")
    fig = charts.cumulative(PLANS, weight)
    drawn = {line.get_label(): line for ax in fig.axes for line in ax.get_lines()}
    for plan in PLANS:
        schedule = build_schedule(calculate(plan, weight), curves.CHART_STEP)
        doses = schedule.cumulative_dose.to("mg").magnitude
        if doses[0] > 0:  # a bolus at the start: the line rises from 0 mg at 0 h
            doses = np.concatenate(([0.0], doses))
        assert np.array_equal(drawn[plan.card.id].get_ydata(), doses)
    # panels by length: 40 min and 2 h; 3, 4, 4 and 5 h; 96 h (each panel's longest at most 4 x its shortest)
    panels = [sorted(line.get_label() for line in ax.get_lines()) for ax in fig.axes]
    assert panels == [
        ["initial-80-mg-2-h", "total-0.5-mg-kg-40-min"],
        ["bolus-0.5-mg-kg-then-10-mcg-kg-min", "rate-0.35-mg-kg-h", "rate-22-mg-h", "total-80-mg-5-h"],
        ["rate-22-mg-h-4-days"],
    ]
    fig = charts.schedule_chart(PLANS[0], weight)
    rate_line = fig.axes[0].get_lines()[0]
    assert set(np.asarray(rate_line.get_ydata(), dtype=float)) == {22.0}
    assert not [line for line in fig.axes[0].get_lines() if line.get_gid() == "bolus"]


def test_the_schedule_chart_shows_a_bolus() -> None:
    """A bolus has no rate: the chart marks it on both panels, and the dose rises from 0 mg at once."""
    bolus_card = next(plan for plan in PLANS if plan.card.id == BOLUS)
    fig = charts.schedule_chart(bolus_card, Q_(70.0, "kg"))
    marks = [line for ax in fig.axes for line in ax.get_lines() if line.get_gid() == "bolus"]
    assert len(marks) == 2 and all(float(line.get_xdata()[0]) == 0.0 for line in marks)
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert "bolus 35 mg at once" in texts  # 0.5 mg/kg x 70 kg = 35 mg
    dose = fig.axes[1].get_lines()[0]
    assert list(dose.get_xdata()[:2]) == [0.0, 0.0] and list(dose.get_ydata()[:2]) == [0.0, 35.0]


def test_the_concentration_chart_ends_where_its_figures_end() -> None:
    import dosecalc

    simulation = dosecalc.simulate("rate-0.35-mg-kg-h", sessions=2, interval="24 h")
    fig = charts.concentration_chart(simulation.runs)
    end = float(simulation.time.to("h").magnitude[-1])  # 24 h + 4 h + the 12 h after = 40 h
    assert end == pytest.approx(40.0)
    assert fig.axes[0].get_xlim() == pytest.approx((0.0, end))


def test_simulate_plot_is_the_simulated_concentration(tmp_path: Path) -> None:
    target = tmp_path / "c.svg"
    result = run("simulate", "initial-80-mg-2-h", "--plot", str(target), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "Predicted plasma concentration" in target.read_text(encoding="utf-8")


def test_wrong_suffix_and_missing_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = run("plot", "cumulative", "--output", str(tmp_path / "c.jpg"))
    assert wrong.exit_code == 2
    assert wrong.stderr.startswith("error: --output: ") and "should end in .png or .svg" in wrong.stderr
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    hint = r"charts need matplotlib: install the plot extra \(in dosecalc's source folder: pip install '\.\[plot\]'\)"
    with pytest.raises(DoseCalcError, match=hint):
        charts.rate_vs_weight([])


def test_the_patient_is_marked_at_the_engines_rates() -> None:
    weight = Q_(154.0, "lb")
    fig = charts.rate_vs_weight(PLANS, patient=weight)
    marks = [line for line in fig.axes[0].get_lines() if line.get_gid() == "patient"]
    kg = 154 * 0.45359237  # 69.85322498 kg
    points = sorted(
        (float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in marks if len(line.get_xdata()) == 1
    )
    # 80 mg / 5 h = 16 mg/h; 22 mg/h (the 4 h and the 4-day card); 0.35 mg/kg/h x 69.853 kg = 24.4486
    # mg/h (under the cap); 80 mg / 2 h = 40 mg/h; 0.6 mg/kg/h (10 mcg/kg/min) x 69.853 kg = 41.912 mg/h;
    # 0.5 mg/kg x 69.853 kg / (40/60 h) = 52.390 mg/h
    # (the two 22 mg/h cards share one line, so one mark)
    assert [x for x, _ in points] == pytest.approx([kg] * 6, rel=1e-12)
    assert sorted(y for _, y in points) == pytest.approx([16, 22, 0.35 * kg, 40, 0.6 * kg, 0.75 * kg], rel=1e-12)
    unmarked = charts.rate_vs_weight(PLANS)
    assert not [line for line in unmarked.axes[0].get_lines() if line.get_gid() == "patient"]


def test_a_weight_changes_the_rate_chart_and_options_that_would_change_nothing_are_refused(tmp_path: Path) -> None:
    with_patient = tmp_path / "with.svg"
    without = tmp_path / "without.svg"
    assert run("plot", "rate-vs-weight", "-w", "154 lb", "-o", str(with_patient)).exit_code == 0
    assert run("plot", "rate-vs-weight", "-o", str(without)).exit_code == 0
    assert 'id="patient' in with_patient.read_text(encoding="utf-8")
    assert 'id="patient' not in without.read_text(encoding="utf-8")
    refusals = [
        (
            ["cumulative", "--from", "50 kg"],
            "error: --from: applies to the rate-vs-weight chart only, not to cumulative",
        ),
        (["schedule", "--to", "90 kg"], "error: --to: applies to the rate-vs-weight chart only, not to schedule"),
        (
            ["schedule", "-r", "rate-22-mg-h", "-r", "total-80-mg-5-h"],
            "error: --regimen: the schedule chart draws one regimen; give one",
        ),
        (
            ["rate-vs-weight", "-w", "200 kg"],
            "error: --weight: 200 kg is outside the chart's 40 to 150 kg; widen the range to mark the patient",
        ),
    ]
    for args, message in refusals:
        result = run("plot", *args, "-o", str(tmp_path / "refused.png"))
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [message]
    assert not (tmp_path / "refused.png").exists()


def test_the_concentration_chart_keeps_its_peaks_whatever_the_table_step() -> None:
    import dosecalc

    coarse = dosecalc.simulate("rate-22-mg-h", step="6 h")
    lines = [line for line in coarse.chart().figure.axes[0].get_lines() if line.get_label() == "rate-22-mg-h"]
    drawn = float(np.max(np.asarray(lines[0].get_ydata(), dtype=float)))
    peak = float(coarse.runs[0].summary.peak_concentration.to("ng/mL").magnitude)
    assert drawn == pytest.approx(peak, rel=1e-9)  # the 4 h peak, not the 6 h row after it
