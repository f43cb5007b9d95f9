"""The report's charts, drawn as inline SVG: no script or font is fetched, so the page opens
anywhere, offline. Each vendor keeps its colour (`Colours`: the registry's, else a spare)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

SPARE_COLOURS = ("#0891b2", "#be185d", "#4d7c0f", "#7c2d12")


@dataclass(frozen=True)
class Colours:
    """The vendors shown, in order, and the colour of each."""

    palette: Mapping[str, str]
    vendors: Sequence[str]

    def __call__(self, vendor: str) -> str:
        if vendor in self.palette:
            return self.palette[vendor]
        return SPARE_COLOURS[list(self.vendors).index(vendor) % len(SPARE_COLOURS)]


def e(value: object) -> str:
    """Text for HTML."""
    return html.escape("" if value is None else str(value))


Series = dict[str, list[tuple[date, float]]]


def line_chart(
    series: Series,
    weeks: Sequence[date],
    colours: Colours,
    *,
    width: int = 640,
    height: int = 220,
    label: str = "score_pct by week",
) -> str:
    """Lines of 0-100 values by week, one per vendor."""
    left, right, top, bottom = 36, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    if not weeks:
        return f'<p class="empty">No scored evaluations yet ({e(label)}).</p>'

    def x(week: date) -> float:
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * weeks.index(week) / (len(weeks) - 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, value)) / 100)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{e(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="axis" x="{left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    step = max(1, len(weeks) // 8)
    for week in weeks[::step]:
        parts.append(
            f'<text class="axis" x="{x(week):.1f}" y="{height - 8}" text-anchor="middle">'
            f"{week:%d %b}</text>"
        )
    for vendor, points in series.items():
        if not points:
            continue
        colour = colours(vendor)
        coords = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in points)
        parts.append(
            f'<g class="series" data-vendor="{e(vendor)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{coords}"/>'
            + "".join(
                f'<circle cx="{x(w):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                f"<title>{e(vendor)}, week of {w:%Y-%m-%d}: {v:.1f}%</title></circle>"
                for w, v in points
            )
            + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(points: Sequence[tuple[date, float]], weeks: Sequence[date], colour: str) -> str:
    """A small 0-100 trend for a table cell."""
    width, height = 120, 28
    if not points or not weeks:
        return ""

    def x(week: date) -> float:
        return 2 + (width - 4) * (weeks.index(week) / max(1, len(weeks) - 1))

    def y(value: float) -> float:
        return 2 + (height - 4) * (1 - value / 100)

    coords = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in points)
    last_w, last_v = points[-1]
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{coords}"/>'
        f'<circle cx="{x(last_w):.1f}" cy="{y(last_v):.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def bar_chart(
    bars: Sequence[tuple[str, str, float, str]],
    colours: Colours,
    *,
    width: int = 640,
    unit: str = "%",
    maximum: float | None = None,
) -> str:
    """Horizontal bars: (vendor, label, value, note), longest first."""
    if not bars:
        return '<p class="empty">Nothing to show.</p>'
    row, label_w = 26, 300
    height = row * len(bars) + 8
    top = maximum or max(v for _, _, v, _ in bars) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (vendor, label, value, note) in enumerate(bars):
        y = 4 + index * row
        length = (width - label_w - 90) * value / top
        text = label if len(label) <= 44 else label[:43] + "…"
        parts.append(
            f'<g class="bar" data-vendor="{e(vendor)}">'
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{e(text)}<title>{e(label)} ({e(vendor)})</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(length, 1):.1f}" height="{row - 8}" '
            f'rx="3" fill="{colours(vendor)}"/>'
            f'<text class="value" x="{label_w + length + 6:.1f}" y="{y + 16}">'
            f"{value:.0f}{unit} {e(note)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    counts: dict[str, dict[date, int]], weeks: Sequence[date], colours: Colours
) -> str:
    """Grouped columns of counts by week, one colour per vendor."""
    width, height, left, bottom, top = 640, 180, 36, 28, 10
    if not weeks or not any(any(c.values()) for c in counts.values()):
        return '<p class="empty">None in these weeks.</p>'
    peak = max(max(c.values(), default=0) for c in counts.values()) or 1
    group = (width - left - 8) / len(weeks)
    present = [v for v in colours.vendors if v in counts]
    bar = max(2.0, (group - 6) / max(1, len(present)))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{height - bottom}" '
        f'y2="{height - bottom}"/>'
        f'<text class="axis" x="{left - 6}" y="{top + 8}" text-anchor="end">{peak}</text>'
    ]
    step = max(1, len(weeks) // 8)
    for index, week in enumerate(weeks):
        x0 = left + index * group + 3
        if index % step == 0:
            parts.append(
                f'<text class="axis" x="{x0 + group / 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{week:%d %b}</text>'
            )
        for position, vendor in enumerate(present):
            value = counts[vendor].get(week, 0)
            h = (height - bottom - top) * value / peak
            parts.append(
                f'<rect data-vendor="{e(vendor)}" x="{x0 + position * bar:.1f}" '
                f'y="{height - bottom - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{colours(vendor)}"><title>{e(vendor)}, week of '
                f"{week:%Y-%m-%d}: {value}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
