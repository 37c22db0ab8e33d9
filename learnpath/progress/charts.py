"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript needed to read them)."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from datetime import date, datetime, timedelta


@dataclass
class TrendPoint:
    x: float
    y: float
    percent: float
    label: str


def trend(points: list[tuple[datetime, float, str]], width: int = 600, height: int = 160, pad: int = 24) -> list[TrendPoint]:
    if not points:
        return []
    step = (width - 2 * pad) / max(1, len(points) - 1)
    return [
        TrendPoint(round(pad + i * step, 1), round(pad + (height - 2 * pad) * (1 - pct / 100), 1), pct,
                   f"{when:%d %b} · {title}")
        for i, (when, pct, title) in enumerate(points)
    ]


@dataclass
class HeatCell:
    x: int
    y: int
    day: date
    count: int
    level: int


def heatmap_svg(cells: list[HeatCell], width: int, label: str) -> Markup:
    """The calendar as one SVG string: 371 cells are built faster here than in a template loop."""
    parts = [f'<svg viewBox="0 0 {width} 98" class="heatmap" role="img" aria-label="{escape(label)}">']
    for c in cells:
        plural = "" if c.count == 1 else "s"
        parts.append(f'<rect x="{c.x}" y="{c.y}" width="12" height="12" rx="2" class="heat-{c.level}">'
                     f"<title>{c.day.isoformat()}: {c.count} answer{plural}</title></rect>")
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(counts: dict[date, int], today: date, days: int = 365, cell: int = 12) -> tuple[list[HeatCell], int]:
    """A GitHub-style calendar: columns are weeks (Monday first), rows are weekdays."""
    start = today - timedelta(days=days - 1)
    start -= timedelta(days=start.weekday())
    cells = []
    d = start
    while d <= today:
        n = counts.get(d, 0)
        level = 0 if n == 0 else 1 if n < 5 else 2 if n < 15 else 3 if n < 30 else 4
        week = (d - start).days // 7
        cells.append(HeatCell(week * (cell + 2), d.weekday() * (cell + 2), d, n, level))
        d += timedelta(days=1)
    weeks = (today - start).days // 7 + 1
    return cells, weeks * (cell + 2)
