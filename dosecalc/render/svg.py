"""Charts as inline SVG, drawn without matplotlib and without any ``style`` attribute, so that a web page shows
them under its Content-Security-Policy (no ``unsafe-inline``) and a handout draws them in milliseconds; the
handout's charts and the web page's simulation chart are drawn here.

Only drawing happens here: every point, rule and mark comes in the figures' own units, and the words on them
come ready written (:mod:`dosecalc.render.figures` builds them from :mod:`dosecalc.curves`); this module maps
them to the plot area. Colours are the Okabe-Ito palette of :mod:`dosecalc.render.charts`, and each line has
its own dash pattern too, so the chart reads without colour and in grey print. Every text is escaped: a card's
name reaches the chart as text, never as markup.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "8 4", "8 3 2 3", "2 3", "12 3 2 3 2 3", "6 2", "1 4")
WIDTH = 720
LEFT, RIGHT, TOP = 64, 16, 16
#: Room for the title above the first panel, the tick labels under each panel, a legend row and a note line.
TITLE_LINE, TICK_ROOM, LABEL_ROOM, PANEL_GAP, LEGEND_ROW, NOTE_LINE = 20, 22, 22, 16, 22, 16
#: Characters that fit across the chart: of the 15-px bold title, of 11-px notes; and of a legend's name in half
#: of it (longer names get the legend in one column).
TITLE_WIDTH, NOTE_WIDTH, LEGEND_HALF, LEGEND_WHOLE = 76, 110, 40, 80


def nice_ticks(high: float, count: int = 5, low: float = 0.0, extend: bool = True) -> list[float]:
    """Round tick values from ``low`` to at least ``high`` (or, with ``extend`` false, the round values inside
    ``low``..``high``): steps of 1, 2 or 5 times a power of ten."""
    if not math.isfinite(high) or not math.isfinite(low) or not high > low:
        return [low, low + 1.0] if math.isfinite(low) else [0.0, 1.0]
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step if extend else math.ceil(low / step - 1e-9) * step
    ticks = [round(first, 12)]
    if extend:
        while ticks[-1] < high:
            ticks.append(round(ticks[-1] + step, 12))
    else:
        while ticks[-1] + step <= high * (1 + 1e-12):
            ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _label(value: float) -> str:
    return f"{value:,.10g}"


@dataclass(frozen=True)
class Series:
    """A line: its name (in the legend), its points, and its place in the palette (the same regimen keeps its
    colour and dash across the panels of a chart)."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    style: int = 0


@dataclass(frozen=True)
class Rule:
    """A reference line across the panel: horizontal at ``y`` or vertical at ``x``, with a label beside it and,
    when ``ident`` is given, an ``id`` on its group (``rate-patient``) for readers and tests."""

    label: str
    x: float | None = None
    y: float | None = None
    style: int | None = None  # a series' colour, dotted; None: black, dashed
    ident: str = ""


@dataclass(frozen=True)
class Mark:
    """A point marked on the panel: ``shape`` is ``"x"`` (a cross), ``"o"`` (a dot) or ``"|"`` (a tick), with a
    short label beside it; ``ident`` names its group (``rate-crossing-1``)."""

    x: float
    y: float
    shape: str
    label: str = ""
    ident: str = ""


@dataclass(frozen=True)
class Panel:
    """One plot area: its lines, rules and marks, its y axis label, and its x range (the data's own, from 0
    unless ``x_low`` is given; ``x_exact`` keeps the axis to the data instead of the next round tick)."""

    series: Sequence[Series]
    y_label: str
    rules: Sequence[Rule] = ()
    marks: Sequence[Mark] = ()
    x_low: float = 0.0
    x_exact: bool = False
    height: int = 260


@dataclass
class _Canvas:
    parts: list[str] = field(default_factory=list)

    def text(self, x: float, y: float, words: str, size: int = 13, anchor: str = "start", extra: str = "") -> None:
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(words)}</text>'
        )


def _finite_high(values: Sequence[float]) -> float:
    return max((v for v in values if math.isfinite(v)), default=0.0)


def _colour(style: int) -> str:
    return COLOURS[style % len(COLOURS)]


def _dashed(style: int) -> str:
    """The dash pattern of a line's style: after the seventh line, colours come round again with other dashes,
    so that no two of the first 49 lines look alike."""
    dash = DASHES[(style + style // len(COLOURS)) % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _panel(canvas: _Canvas, panel: Panel, top: float, x_label: str | None) -> float:
    """Draws ``panel`` with its top at ``top``; returns the height used."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, panel.height
    x_high = max((_finite_high(s.x) for s in panel.series), default=0.0)
    x_ticks = nice_ticks(x_high, low=panel.x_low, extend=not panel.x_exact)
    x_low, x_top = (panel.x_low, x_high) if panel.x_exact and x_high > panel.x_low else (x_ticks[0], x_ticks[-1])
    y_values = [_finite_high(s.y) for s in panel.series]
    y_values += [r.y for r in panel.rules if r.y is not None] + [m.y for m in panel.marks]
    y_ticks = nice_ticks(max(y_values, default=0.0))
    y_top = y_ticks[-1]

    def px(value: float) -> float:
        return LEFT + plot_w * (value - x_low) / (x_top - x_low)

    def py(value: float) -> float:
        return top + plot_h * (1 - value / y_top)

    parts = canvas.parts
    parts.append(f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#555555"/>')
    for tick in x_ticks:
        parts.append(
            f'<line x1="{px(tick):.1f}" x2="{px(tick):.1f}" y1="{top:.1f}" y2="{top + plot_h:.1f}" stroke="#dddddd"/>'
        )
        canvas.text(px(tick), top + plot_h + 18, _label(tick), anchor="middle")
    for tick in y_ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="#dddddd"/>'
        )
        canvas.text(LEFT - 6, py(tick) + 4, _label(tick), anchor="end")
    parts.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="14">{escape(panel.y_label)}</text>'
    )
    for series in panel.series:
        colour = _colour(series.style)
        points = " ".join(
            f"{px(a):.1f},{py(b):.1f}" for a, b in zip(series.x, series.y, strict=False) if math.isfinite(b)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{_dashed(series.style)}/>'
        )
    for rule in panel.rules:
        _rule(canvas, rule, px, py, top, plot_h)
    for mark in panel.marks:
        _mark(canvas, mark, px(mark.x), py(mark.y))
    used = plot_h + TICK_ROOM
    if x_label is not None:
        canvas.text(LEFT + plot_w / 2, top + used + 14, x_label, size=14, anchor="middle")
        used += LABEL_ROOM
    return used


def _rule(
    canvas: _Canvas, rule: Rule, px: Callable[[float], float], py: Callable[[float], float], top: float, plot_h: float
) -> None:
    colour = "#000000" if rule.style is None else _colour(rule.style)
    dash = "6 4" if rule.style is None else "2 3"
    opened = f'<g id="{escape(rule.ident)}">' if rule.ident else "<g>"
    canvas.parts.append(opened)
    if rule.y is not None:
        y = py(rule.y)
        canvas.parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1.2" '
            f'stroke-dasharray="{dash}"/>'
        )
        canvas.text(LEFT + 4, y - 4, rule.label, size=11)
    elif rule.x is not None:
        x = px(rule.x)
        canvas.parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{top + plot_h:.1f}" stroke="{colour}" '
            f'stroke-width="1.2" stroke-dasharray="{dash}"/>'
        )
        canvas.text(x + 4, top + 14, rule.label, size=11)
    canvas.parts.append("</g>")


def _mark(canvas: _Canvas, mark: Mark, x: float, y: float) -> None:
    opened = f'<g id="{escape(mark.ident)}">' if mark.ident else "<g>"
    canvas.parts.append(opened)
    if mark.shape == "x":
        canvas.parts.append(
            f'<path d="M{x - 5:.1f},{y - 5:.1f}L{x + 5:.1f},{y + 5:.1f}M{x - 5:.1f},{y + 5:.1f}'
            f'L{x + 5:.1f},{y - 5:.1f}" stroke="#000000" stroke-width="2"/>'
        )
        canvas.text(x + 5, y - 6, mark.label, size=11, extra=' font-weight="bold"')
    elif mark.shape == "|":
        canvas.parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 8:.1f}" y2="{y + 8:.1f}" stroke="#000000" stroke-width="2"/>'
        )
        canvas.text(x + 5, y + 14, mark.label, size=11)
    else:
        canvas.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#000000"/>')
        if mark.label:
            canvas.text(x + 5, y - 5, mark.label, size=11)
    canvas.parts.append("</g>")


def figure(
    panels: Sequence[Panel],
    x_label: str,
    title: str,
    ident: str = "chart",
    notes: Sequence[str] = (),
    heading: bool = True,
) -> str:
    """An SVG chart of ``panels`` stacked one above another, each with its own axes, the ``x_label`` under the
    last, a legend naming each line once (in two columns), ``notes`` under it (wrapped lines of text: the
    disclaimer, a list of what the marks mean). ``title`` is drawn above the panels when ``heading`` is true,
    and is always the ``<title>`` that names the chart for screen readers, under the id ``{ident}-title``."""
    canvas = _Canvas()
    legend: dict[str, int] = {}
    for panel in panels:
        for series in panel.series:
            legend.setdefault(series.name, series.style)
    body = canvas.parts
    top = float(TOP)
    if heading:
        for line in textwrap.wrap(title, TITLE_WIDTH):
            canvas.text(WIDTH / 2, top + 4, line, size=15, anchor="middle", extra=' font-weight="bold"')
            top += TITLE_LINE
        top += 4
    for number, panel in enumerate(panels):
        top += _panel(canvas, panel, top, x_label if number == len(panels) - 1 else None) + PANEL_GAP
    named = sorted(legend.items(), key=lambda item: item[1])
    columns = 2 if all(len(name) <= LEGEND_HALF for name, _ in named) else 1
    for index, (name, style) in enumerate(named):
        column = index % columns
        x, y = LEFT + column * (WIDTH - LEFT) / 2, top + 10
        body.append(
            f'<line x1="{x:.1f}" x2="{x + 36:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_colour(style)}" '
            f'stroke-width="2.5"{_dashed(style)}/>'
        )
        lines = textwrap.wrap(name, LEGEND_WHOLE) or [""]
        for number, line in enumerate(lines):
            canvas.text(x + 44, y + 5 + NOTE_LINE * number, line)
        if column == columns - 1 or index == len(named) - 1:
            top += LEGEND_ROW + NOTE_LINE * (len(lines) - 1)
    top += 6
    for line in notes:
        canvas.text(LEFT, top + 12, line, size=11)
        top += NOTE_LINE
    height = math.ceil(top + 8)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(ident)}-title" class="chart" font-family="sans-serif">',
        f'<title id="{escape(ident)}-title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    return "\n".join([*head, *body, "</svg>"])
