"""Small server-side SVG charts: deterministic markup, no script, no inline style (the CSP
forbids both). Each chart is an <svg role="img"> named by its <title> and summarised by its
<desc>; pages also show the same figures in a table. All text is escaped here."""
from __future__ import annotations

import hashlib
import math
from datetime import date
from typing import Iterable, Sequence

from markupsafe import Markup, escape

# Colours meet 3:1 against white (WCAG 1.4.11) and stay apart for common colour blindness.
PALETTE = ("#1d4f6e", "#00703c", "#8a4b00", "#c0282d", "#6f3c97", "#505a5f")
INK, MUTED, GRID = "#1b1b1b", "#505a5f", "#d5d6d7"
FONT = 15


def bar_chart(items: Sequence[tuple[str, float]], title: str, *, unit: str = "",
              description: str | None = None, width: int = 640,
              colour: str = PALETTE[0], colours: Sequence[str] | None = None,
              ident: str | None = None) -> Markup:
    """Horizontal bars, one row per (label, value), labels on the left, values at the end.
    Bars take `colour`, or the item's own from `colours` when given."""
    label_width = _label_width(label for label, _ in items)
    row, top, bottom = 32, 12, 32
    height = top + row * max(len(items), 1) + bottom
    plot_left, plot_right = label_width + 16, width - 56
    scale_max = _nice_max(max((value for _, value in items), default=0))
    ticks = _ticks(scale_max)

    def x(value: float) -> float:
        return plot_left + (plot_right - plot_left) * (value / scale_max)

    parts = []
    for tick in ticks:
        parts.append(_line(x(tick), top, x(tick), height - bottom, GRID))
        parts.append(_text(x(tick), height - bottom + 16, _number(tick), anchor="middle",
                           fill=MUTED, size=FONT - 2))
    for index, (label, value) in enumerate(items):
        y = top + index * row
        parts.append(_text(plot_left - 8, y + row / 2 + 4, _fit(label, label_width),
                           anchor="end"))
        parts.append(f'<rect class="chart-bar" x="{plot_left}" y="{y + 5}" '
                     f'width="{_fmt(max(x(value) - plot_left, 0))}" height="{row - 10}" '
                     f'fill="{colours[index] if colours else colour}"/>')
        parts.append(_text(x(value) + 6, y + row / 2 + 4, f"{_number(value)}{unit}",
                           weight="600"))
    parts.append(_line(plot_left, top, plot_left, height - bottom, INK))
    if not items:
        parts.append(_text((plot_left + plot_right) / 2, top + row / 2 + 4, "No data",
                           anchor="middle", fill=MUTED))
    summary = description or "; ".join(f"{label}: {_number(value)}{unit}"
                                       for label, value in items) or "No data."
    return _svg(title, summary, width, height, parts, ident)


def line_chart(points: Sequence[tuple[date, float]], title: str, *, y_label: str = "Value",
               x_label: str = "Date", description: str | None = None, width: int = 640,
               height: int = 260, colour: str = PALETTE[0], ident: str | None = None) -> Markup:
    """Values over time: a line through one dot per (date, value), dates spaced by the
    calendar. The y axis starts at zero; the x axis labels the first and last dates and as
    many between as fit without overlapping (the year goes in the axis label when shared)."""
    points = sorted(points, key=lambda point: point[0])
    left, right, top, bottom = 60, 48, 14, 54
    scale_max = _nice_max(max((value for _, value in points), default=0))
    first, last = (points[0][0], points[-1][0]) if points else (None, None)
    span = max(((last - first).days if points else 0), 1)

    def x(day: date) -> float:
        if first == last:
            return (left + width - right) / 2
        return left + (width - left - right) * ((day - first).days / span)

    def y(value: float) -> float:
        return height - bottom - (height - top - bottom) * (value / scale_max)

    parts = []
    for tick in _ticks(scale_max):
        parts.append(_line(left, y(tick), width - right, y(tick), GRID))
        parts.append(_text(left - 8, y(tick) + 4, _number(tick), anchor="end", fill=MUTED,
                           size=FONT - 2))
    parts.append(_line(left, top, left, height - bottom, INK))
    parts.append(_line(left, height - bottom, width - right, height - bottom, INK))
    same_year = bool(points) and first.year == last.year
    gap = _text_width("30 September" if same_year else "30 September 2026", FONT - 2) + 16
    for day in _date_ticks([day for day, _ in points], x, gap):
        parts.append(_line(x(day), height - bottom, x(day), height - bottom + 5, INK))
        parts.append(_text(x(day), height - bottom + 20,
                           f"{day.day} {day:%B}" if same_year else _day(day), anchor="middle",
                           fill=MUTED, size=FONT - 2))
    if same_year:
        x_label = f"{x_label} ({first.year})"
    if len(points) > 1:
        path = " ".join(f"{_fmt(x(day))},{_fmt(y(value))}" for day, value in points)
        parts.append(f'<polyline class="chart-line" points="{path}" fill="none" '
                     f'stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"/>')
    for day, value in points:
        parts.append(f'<circle class="chart-dot" cx="{_fmt(x(day))}" cy="{_fmt(y(value))}" '
                     f'r="4" fill="{colour}"/>')
    if not points:
        parts.append(_text((left + width - right) / 2, (top + height - bottom) / 2, "No data",
                           anchor="middle", fill=MUTED))
    parts.append(_text((left + width - right) / 2, height - 8, x_label, anchor="middle",
                       weight="600"))
    parts.append(_text(14, (top + height - bottom) / 2, y_label, anchor="middle", weight="600",
                       rotate=True))
    summary = description or _line_summary(points, y_label)
    return _svg(title, summary, width, height, parts, ident)


def stacked_bar_chart(groups: Sequence[tuple[str, dict[str, float]]],
                      series: Sequence[tuple[str, str]], title: str, *,
                      y_label: str = "Count", description: str | None = None,
                      width: int = 640, height: int = 260, ident: str | None = None) -> Markup:
    """One column per (label, {series key: value}), stacked in `series` order, with a legend.
    `series` lists (key, label) pairs."""
    left, right, top, legend_h, bottom = 60, 20, 14, 30, 46
    plot_bottom = height - bottom - legend_h
    scale_max = _nice_max(max((sum(values.values()) for _, values in groups), default=0))
    slot = (width - left - right) / max(len(groups), 1)
    bar = min(slot * 0.7, 48)

    def y(value: float) -> float:
        return plot_bottom - (plot_bottom - top) * (value / scale_max)

    parts = []
    for tick in _ticks(scale_max):
        parts.append(_line(left, y(tick), width - right, y(tick), GRID))
        parts.append(_text(left - 8, y(tick) + 4, _number(tick), anchor="end", fill=MUTED,
                           size=FONT - 2))
    # Label as many columns as fit side by side ("Week of 30 November" is wide).
    widest = max((_text_width(label, FONT - 2) for label, _ in groups), default=0) + 12
    label_every = max(1, math.ceil(len(groups) / 10), math.ceil(widest / max(slot, 1)))
    for index, (label, values) in enumerate(groups):
        x0 = left + slot * index + (slot - bar) / 2
        base = 0.0
        for position, (key, _) in enumerate(series):
            value = values.get(key, 0)
            if value:
                parts.append(f'<rect class="chart-bar" x="{_fmt(x0)}" y="{_fmt(y(base + value))}"'
                             f' width="{_fmt(bar)}" height="{_fmt(y(base) - y(base + value))}" '
                             f'fill="{PALETTE[position % len(PALETTE)]}"/>')
            base += value
        if index % label_every == 0:
            parts.append(_text(x0 + bar / 2, plot_bottom + 16, label, anchor="middle",
                               fill=MUTED, size=FONT - 2))
    parts.append(_line(left, top, left, plot_bottom, INK))
    parts.append(_line(left, plot_bottom, width - right, plot_bottom, INK))
    parts.append(_text(14, (top + plot_bottom) / 2, y_label, anchor="middle", weight="600",
                       rotate=True))
    if not groups:
        parts.append(_text((left + width - right) / 2, (top + plot_bottom) / 2, "No data",
                           anchor="middle", fill=MUTED))
    legend_x, legend_y = left, height - legend_h + 4
    for position, (_, label) in enumerate(series):
        parts.append(f'<rect x="{_fmt(legend_x)}" y="{legend_y}" width="12" height="12" '
                     f'fill="{PALETTE[position % len(PALETTE)]}"/>')
        parts.append(_text(legend_x + 17, legend_y + 11, label, size=FONT - 1))
        legend_x += 26 + _text_width(label, FONT - 1)
    summary = description or "; ".join(
        f"{label}: " + ", ".join(f"{_number(values.get(key, 0))} {name.lower()}"
                                 for key, name in series if values.get(key))
        for label, values in groups) or "No data."
    return _svg(title, summary, width, height, parts, ident)


# --- markup ----------------------------------------------------------------------------------

def _svg(title: str, summary: str, width: int, height: int, parts: list[str],
         ident: str | None) -> Markup:
    ident = ident or "chart-" + hashlib.sha1(
        (title + summary).encode("utf-8")).hexdigest()[:10]
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="{FONT}">'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(summary)}</desc>'
        + "".join(parts) + "</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK,
          size: int = FONT, weight: str | None = None, rotate: bool = False) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if rotate:
        extra += f' transform="rotate(-90 {_fmt(x)} {_fmt(y)})"'
    return (f'<text x="{_fmt(x)}" y="{_fmt(y)}" text-anchor="{anchor}" fill="{fill}" '
            f'font-size="{size}"{extra}>{escape(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    return (f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" '
            f'stroke="{stroke}" stroke-width="1"/>')


# --- scales and numbers ----------------------------------------------------------------------

def _nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 5 or 10 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(scale_max: float) -> list[float]:
    step = scale_max / 5 if scale_max >= 5 else 1
    count = int(round(scale_max / step))
    return [step * index for index in range(count + 1)]


def _date_ticks(days: Sequence[date], x, gap: float) -> list[date]:
    """The first and last dates, and dates between them at least `gap` apart on the axis."""
    days = sorted(set(days))
    if len(days) <= 1:
        return days
    ticks = [days[0]]
    for day in days[1:-1]:
        if x(day) - x(ticks[-1]) >= gap and x(days[-1]) - x(day) >= gap:
            ticks.append(day)
    if x(days[-1]) - x(ticks[-1]) >= gap or len(ticks) == 1:
        ticks.append(days[-1])
    return ticks


def _line_summary(points: Sequence[tuple[date, float]], label: str) -> str:
    if not points:
        return "No data."
    values = ", ".join(f"{_day(day)}: {_number(value)}" for day, value in points)
    return f"{label} from {_day(points[0][0])} to {_day(points[-1][0])}. {values}."


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _text_width(text: str, size: int = FONT) -> float:
    """A rough width for layout: SVG text is not measured on the server."""
    return len(text) * size * 0.58


def _fit(text: str, width: float, size: int = FONT) -> str:
    """`text` cut short with an ellipsis to about `width` (the full text is in the <desc>)."""
    most = int(width / (size * 0.58))
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _label_width(labels: Iterable[str]) -> float:
    return min(max((_text_width(label) for label in labels), default=40), 260)
