"""Charts as inline SVG, drawn without matplotlib and without any ``style`` attribute, so that a web page shows
them under its Content-Security-Policy (no ``unsafe-inline``); the web app's simulation chart is drawn here.

Only drawing happens here: the times and concentrations are the simulation's own figures; this module maps
them to the plot area. Colours are the Okabe-Ito palette of :mod:`dosecalc.render.charts`, and each line has
its own dash pattern too, so the chart reads without colour.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "8 4", "8 3 2 3", "2 3", "12 3 2 3 2 3", "6 2", "1 4")
WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high``: steps of 1, 2 or 5 times a power of ten."""
    if not high > 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _label(value: float) -> str:
    return f"{value:,.10g}"


def line_chart(
    x: Sequence[float],
    lines: Sequence[tuple[str, Sequence[float]]],
    x_label: str,
    y_label: str,
    title: str,
) -> str:
    """An SVG line chart of each ``(name, values)`` against ``x``, with axes, ticks, labels and a legend.
    Its ``<title>`` names the chart for screen readers (the table beside it holds the figures)."""
    x_ticks = nice_ticks(max(x, default=0.0))
    y_ticks = nice_ticks(max((max(values, default=0.0) for _, values in lines), default=0.0))
    x_high, y_high = x_ticks[-1], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(value: float) -> float:
        return LEFT + plot_w * value / x_high

    def py(value: float) -> float:
        return TOP + plot_h * (1 - value / y_high)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT + 24 * len(lines)}" role="img" '
        f'aria-labelledby="chart-title" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#555555"/>',
    ]
    for tick in x_ticks:
        parts.append(f'<line x1="{px(tick):.1f}" x2="{px(tick):.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#dddddd"/>')
        parts.append(
            f'<text x="{px(tick):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" font-size="13">'
            f"{_label(tick)}</text>"
        )
    for tick in y_ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="#dddddd"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{py(tick) + 4:.1f}" text-anchor="end" font-size="13">{_label(tick)}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="14">'
        f"{escape(x_label)}</text>"
    )
    parts.append(
        f'<text transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'font-size="14">{escape(y_label)}</text>'
    )
    for index, (name, values) in enumerate(lines):
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, values, strict=False))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>')
        y = HEIGHT + 16 + 24 * index
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + 40}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2.5"{dashed}/>'
        )
        parts.append(f'<text x="{LEFT + 48}" y="{y + 5}" font-size="14">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
