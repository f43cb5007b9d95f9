"""The report's charts, drawn as inline SVG (or HTML, for bars whose labels must wrap): no
script or font is fetched, so the page opens anywhere, offline. Each vendor keeps its colour
(`Colours`: the registry's, else a spare). A week the data covers for fewer than seven days
is marked partial (an asterisk on its label, a hollow point)."""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

SPARE_COLOURS = ("#0891b2", "#be185d", "#4d7c0f", "#7c2d12")
# Full-width charts are drawn this wide, so their text keeps its size on a wide screen.
WIDE = 1200


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


def _week_label(week: date, partial: Collection[date]) -> str:
    return f"{week:%d %b}" + ("*" if week in partial else "")


def _week_axis(
    weeks: Sequence[date], partial: Collection[date], x: object, *, y: float, width: float
) -> list[str]:
    """Week labels under a chart, thinned to fit, the first and last kept inside it."""
    step = max(1, -(-len(weeks) // 10))
    shown = list(range(0, len(weeks), step))
    if shown[-1] != len(weeks) - 1 and len(weeks) - 1 - shown[-1] >= step / 2:
        shown.append(len(weeks) - 1)
    parts = []
    for index in shown:
        position = x(weeks[index])  # type: ignore[operator]
        anchor = "middle"
        if position < 40:
            anchor = "start"
        elif position > width - 40:
            anchor = "end"
        parts.append(
            f'<text class="axis" x="{position:.1f}" y="{y:.1f}" text-anchor="{anchor}">'
            f"{_week_label(weeks[index], partial)}</text>"
        )
    return parts


def line_chart(
    series: Series,
    weeks: Sequence[date],
    colours: Colours,
    *,
    partial: Collection[date] = (),
    width: int = WIDE,
    height: int = 260,
    label: str = "score_pct by week",
    low: float = 0.0,
    high: float = 100.0,
    unit: str = "%",
) -> str:
    """Lines of values by week (0 to 100 unless told), one per vendor."""
    left, right, top, bottom = 44, 28, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    if not weeks or not any(series.values()):
        return f'<p class="empty">Nothing to show yet ({e(label)}).</p>'

    def x(week: date) -> float:
        if len(weeks) == 1:
            return left + plot_w / 2
        return left + plot_w * weeks.index(week) / (len(weeks) - 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - (max(low, min(high, value)) - low) / (high - low))

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{e(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in [low + (high - low) * n / 4 for n in range(5)]:
        parts.append(
            f'<line class="grid{" zero" if tick == 0 and low < 0 else ""}" x1="{left}" '
            f'x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick:g}</text>"
        )
    parts += _week_axis(weeks, partial, x, y=height - 9, width=width)
    for vendor, points in series.items():
        if not points:
            continue
        colour = colours(vendor)
        coords = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in points)
        parts.append(
            f'<g class="series" data-vendor="{e(vendor)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{coords}"/>'
            + "".join(
                f'<circle cx="{x(w):.1f}" cy="{y(v):.1f}" r="4" stroke="{colour}" '
                f'stroke-width="2" fill="{"#fff" if w in partial else colour}">'
                f"<title>{e(vendor)}, week of {w:%Y-%m-%d}"
                f"{' (partial week)' if w in partial else ''}: {v:.1f}{unit}</title></circle>"
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


def bars(rows: Sequence[tuple[str, str, float, str]], colours: Colours, *, unit: str = "%") -> str:
    """Horizontal bars of 0-100 values, (vendor, label, value, note), in the order given. HTML,
    so that a long label wraps instead of being cut."""
    if not rows:
        return '<p class="empty">Nothing to show.</p>'
    return (
        '<div class="bars">'
        + "".join(
            f'<div class="bar" data-vendor="{e(vendor)}"><span class="bar-label">{e(label)}'
            f'<span class="dot" style="background:{colours(vendor)}" title="{e(vendor)}"></span>'
            f'</span><span class="track"><span class="fill" style="width:'
            f'{max(0.0, min(100.0, value)):.1f}%;background:{colours(vendor)}"></span></span>'
            f'<span class="bar-value">{value:.0f}{unit} <span class="note">{e(note)}</span>'
            "</span></div>"
            for vendor, label, value, note in rows
        )
        + "</div>"
    )


def scatter_chart(
    points: Sequence[tuple[float, float, str]],
    colour: str,
    vendor: str,
    *,
    tolerance: float,
    size: int = 360,
) -> str:
    """The AI's score (across) against the person's (up) of each conversation both scored,
    0-100 each: on the diagonal they agree; the band is the tolerance either side."""
    pad = 40
    plot = size - pad - 12
    if not points:
        return '<p class="empty">No conversation scored by both yet.</p>'

    def x(value: float) -> float:
        return pad + plot * value / 100

    def y(value: float) -> float:
        return 12 + plot * (1 - value / 100)

    band = (
        f"{x(0):.1f},{y(tolerance):.1f} {x(100 - tolerance):.1f},{y(100):.1f} "
        f"{x(100):.1f},{y(100):.1f} {x(100):.1f},{y(100 - tolerance):.1f} "
        f"{x(tolerance):.1f},{y(0):.1f} {x(0):.1f},{y(0):.1f}"
    )
    parts = [
        f'<svg class="scatter" viewBox="0 0 {size} {size}" role="img" data-vendor="{e(vendor)}" '
        f'aria-label="AI against human scores, {e(vendor)}" xmlns="http://www.w3.org/2000/svg">'
        f'<polygon class="band" points="{band}"/>'
        f'<line class="diagonal" x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(100):.1f}" '
        f'y2="{y(100):.1f}"/>'
    ]
    for tick in (0, 50, 100):
        parts.append(
            f'<text class="axis" x="{x(tick):.1f}" y="{size - 18}" text-anchor="middle">'
            f'{tick}</text><text class="axis" x="{pad - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<text class="axis" x="{pad + plot / 2:.1f}" y="{size - 2}" text-anchor="middle">'
        "AI score</text>"
        f'<text class="axis" transform="rotate(-90)" x="{-(12 + plot / 2):.1f}" y="12" '
        'text-anchor="middle">Human score</text>'
    )
    for ai, human, interaction in points:
        parts.append(
            f'<circle cx="{x(ai):.1f}" cy="{y(human):.1f}" r="4" fill="{colour}" '
            f'fill-opacity="0.7"><title>{e(interaction)}: AI {ai:.0f}, human {human:.0f}'
            "</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    counts: dict[str, dict[date, int]],
    weeks: Sequence[date],
    colours: Colours,
    *,
    partial: Collection[date] = (),
) -> str:
    """Grouped columns of counts by week, one colour per vendor."""
    width, height, left, bottom, top = WIDE, 200, 44, 30, 10
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
    parts += _week_axis(
        weeks,
        partial,
        lambda w: left + weeks.index(w) * group + group / 2,
        y=height - 9,
        width=width,
    )
    for index, week in enumerate(weeks):
        x0 = left + index * group + 3
        for position, vendor in enumerate(present):
            value = counts[vendor].get(week, 0)
            h = (height - bottom - top) * value / peak
            parts.append(
                f'<rect data-vendor="{e(vendor)}" x="{x0 + position * bar:.1f}" '
                f'y="{height - bottom - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{colours(vendor)}"{" fill-opacity=0.45" if week in partial else ""}>'
                f"<title>{e(vendor)}, week of {week:%Y-%m-%d}"
                f"{' (partial week)' if week in partial else ''}: {value}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
