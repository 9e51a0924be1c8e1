"""The handout's SVG charts: each line, rule and mark is drawn where its figure falls on the axes, the words on
them follow the display rules, text is escaped, and the charts need no matplotlib."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dosecalc import DISCLAIMER
from dosecalc.dosing import WhatIf, make_plan
from dosecalc.regimens import load_catalogue
from dosecalc.render import figures, svg
from dosecalc.units import Q_

from ..helpers import run

NS = {"s": "http://www.w3.org/2000/svg"}


def plans(*ids: str) -> list:  # type: ignore[type-arg]
    cards = load_catalogue().cards
    return [make_plan(cards[card_id], WhatIf()) for card_id in ids]


class Axes:
    """The pixel scale of a panel, read back from two of its labelled ticks on each axis."""

    def __init__(self, root: ET.Element, panel: int = 0) -> None:
        frames = [r for r in root.iter(f"{{{NS['s']}}}rect") if r.get("stroke") == "#555555"]
        frame = frames[panel]
        self.top = float(frame.get("y", "0"))
        self.bottom = self.top + float(frame.get("height", "0"))
        texts = [(t, (t.text or "").replace(",", "")) for t in root.iter(f"{{{NS['s']}}}text")]
        numbers = [(t, float(v)) for t, v in texts if re.fullmatch(r"-?\d+(\.\d+)?", v)]
        under = [(float(t.get("x", "0")), v) for t, v in numbers if abs(float(t.get("y", "0")) - self.bottom - 18) < 1]
        left = [
            (float(t.get("y", "0")) - 4, v)
            for t, v in numbers
            if t.get("text-anchor") == "end" and self.top - 1 <= float(t.get("y", "0")) - 4 <= self.bottom + 1
        ]
        (x0, a0), (x1, a1) = under[0], under[-1]
        (y0, b0), (y1, b1) = left[0], left[-1]
        self.x_per_unit, self.x_origin = (x1 - x0) / (a1 - a0), x0 - a0 * (x1 - x0) / (a1 - a0)
        self.y_per_unit, self.y_origin = (y1 - y0) / (b1 - b0), y0 - b0 * (y1 - y0) / (b1 - b0)

    def value(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x_origin) / self.x_per_unit, (y - self.y_origin) / self.y_per_unit


def points(polyline: ET.Element) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in (p.split(",") for p in (polyline.get("points") or "").split())]


def group(root: ET.Element, ident: str) -> ET.Element:
    found = [g for g in root.iter(f"{{{NS['s']}}}g") if g.get("id") == ident]
    assert len(found) == 1, ident
    return found[0]


# A pixel is 1/6 kg across the 40-150 kg plot (656 px for 110 kg) and about 0.1 mg/h up; points are written to
# 0.1 px, so a figure read back is within 0.1 kg and 0.1 mg/h.
KG, MG_H = 0.1, 0.1


def test_rate_chart_draws_each_rate_cap_crossing_and_the_patient_where_they_fall() -> None:
    drawn = figures.rate_by_weight(plans("rate-22-mg-h", "rate-0.35-mg-kg-h"), patient=Q_(70, "kg"))
    root = ET.fromstring(drawn)
    axes = Axes(root)
    lines = root.findall("s:polyline", NS)
    assert len(lines) == 2
    flat, weighted = (points(line) for line in lines)
    # 22 mg/h at every weight
    assert all(axes.value(x, y)[1] == pytest.approx(22, abs=MG_H) for x, y in flat)
    # 0.35 mg/kg/h up to the 25 mg/h cap: 40 kg x 0.35 = 14 mg/h, 60 kg x 0.35 = 21 mg/h, then 25 mg/h at 150 kg
    first, last = axes.value(*weighted[0]), axes.value(*weighted[-1])
    assert first == pytest.approx((40, 14), abs=KG)
    assert last == pytest.approx((150, 25), abs=KG)
    # the cap: a rule at 25 mg/h, binding from 25 / 0.35 = 71.43 kg (shown 71.4 kg)
    cap = group(root, "rate-cap-2")
    rule = cap.find("s:line", NS)
    assert rule is not None
    assert axes.value(0, float(rule.get("y1", "0")))[1] == pytest.approx(25, abs=MG_H)
    assert "cap 25 mg/h (rate-0.35-mg-kg-h)" in "".join(cap.itertext())
    binds = group(root, "rate-cap-binds-2")
    tick = binds.find("s:line", NS)
    assert tick is not None
    assert axes.value(float(tick.get("x1", "0")), 0)[0] == pytest.approx(25 / 0.35, abs=KG)
    assert "binds from 71.4 kg" in "".join(binds.itertext())
    # the crossing: 22 = 0.35 x w, so w = 62.857 kg (shown 62.9 kg), numbered on the chart and listed under it
    cross = group(root, "rate-crossing-1")
    path = cross.find("s:path", NS)
    assert path is not None
    x_a, y_a = (float(v) for v in re.findall(r"[-\d.]+", path.get("d", ""))[:2])
    assert axes.value(x_a + 5, y_a + 5) == pytest.approx((22 / 0.35, 22), abs=KG)
    text = " ".join(" ".join(root.itertext()).split())
    assert "Equal rates (x): 1: 62.9 kg (rate-22-mg-h, rate-0.35-mg-kg-h)" in text
    # the patient: a dashed line at 70 kg and a dot on each line, at 22 mg/h and 70 x 0.35 = 24.5 mg/h
    patient = group(root, "rate-patient")
    assert "patient 70 kg" in "".join(patient.itertext())
    line = patient.find("s:line", NS)
    assert line is not None and axes.value(float(line.get("x1", "0")), 0)[0] == pytest.approx(70, abs=KG)
    dots = sorted(
        axes.value(float(c.get("cx", "0")), float(c.get("cy", "0")))[1] for c in root.iter(f"{{{NS['s']}}}circle")
    )
    assert dots == pytest.approx([22, 24.5], abs=MG_H)
    assert text.endswith(DISCLAIMER)


def test_cumulative_chart_gives_a_long_infusion_a_panel_of_its_own() -> None:
    drawn = figures.cumulative(plans("rate-22-mg-h", "rate-22-mg-h-4-days"), Q_(70, "kg"))
    root = ET.fromstring(drawn)
    short, long = root.findall("s:polyline", NS)
    # 22 mg/h for 4 h = 88 mg; for 4 days (96 h) = 2,112 mg: each in its own panel, from 0 mg at 0 h
    assert Axes(root, 0).value(*points(short)[0]) == pytest.approx((0, 0), abs=0.02)
    assert Axes(root, 0).value(*points(short)[-1]) == pytest.approx((4, 88), abs=0.3)
    assert Axes(root, 1).value(*points(long)[-1]) == pytest.approx((96, 2112), abs=3)
    # the same regimen keeps its colour in the legend; the two differ
    assert short.get("stroke") != long.get("stroke")
    assert "cumulative dose, one session, 70 kg" in " ".join(root.itertext())


def test_chart_text_is_escaped_and_carries_no_style() -> None:
    hostile = '<script>alert(1)</script> & "x"'
    drawn = svg.figure([svg.Panel([svg.Series(hostile, [0, 1], [0, 1])], hostile)], hostile, hostile, "c", [hostile])
    assert "<script>" not in drawn and "style=" not in drawn
    root = ET.fromstring(drawn)  # well-formed, the text as text
    assert " ".join(root.itertext()).count(hostile) >= 4


def test_lines_after_the_seventh_look_unlike_the_first_seven() -> None:
    series = [svg.Series(f"line {n}", [0, 1], [n, n], n) for n in range(12)]
    root = ET.fromstring(svg.figure([svg.Panel(series, "y")], "x", "t"))
    looks = {(p.get("stroke"), p.get("stroke-dasharray")) for p in root.findall("s:polyline", NS)}
    assert len(looks) == 12


@pytest.mark.parametrize(
    ("high", "low", "extend", "ticks"),
    [
        (150, 40, False, [50, 100, 150]),  # (150 - 40) / 5 = 22 -> steps of 50, inside 40..150
        (96, 0, True, [0, 20, 40, 60, 80, 100]),  # 96 / 5 = 19.2 -> steps of 20, up to at least 96
        (2112, 0, True, [0, 500, 1000, 1500, 2000, 2500]),  # 422.4 -> steps of 500
        (0.7, 0, True, [0, 0.2, 0.4, 0.6, 0.8]),  # 0.14 -> steps of 0.2
    ],
)
def test_ticks_are_round_steps(high: float, low: float, extend: bool, ticks: list[float]) -> None:
    assert svg.nice_ticks(high, low=low, extend=extend) == pytest.approx(ticks)


def test_handout_is_made_without_matplotlib_and_its_ids_are_unique(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("jinja2")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now fails
    target = tmp_path / "h.html"
    result = run("report", "--weight", "154 lb", "--model", "domino", "--output", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert html.count("<svg") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for ident in ("rate-chart", "dose-chart", "concentration-chart"):
        assert f'aria-labelledby="{ident}-title"' in html
