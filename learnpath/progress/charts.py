"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript needed to read them).

Every chart has labelled axes or a legend that says what a mark means, and a text alternative
(a table) beside it; dates are the learner's local dates.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup, escape

# ---- score trend -------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    x: float
    y: float
    percent: float
    passed: bool
    date: str  # "06 Dec 2026", the learner's local date
    title: str  # the lesson's

    @property
    def label(self) -> str:
        return f"{self.date} · {self.title}"


@dataclass
class Tick:
    at: float
    label: str
    anchor: str = "middle"


@dataclass
class TrendChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[TrendPoint]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    pass_mark: int
    pass_y: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


TREND_WIDTH, TREND_HEIGHT = 400, 220
# Room for "100%" on the left and a date under the axis; the font is 14 units, 10 px on a 320 px phone.
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 44, 12, 14, 34
DATE_TICKS = 4


def _y(percent: float) -> float:
    plot = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    return round(TREND_TOP + plot * (1 - max(0.0, min(100.0, percent)) / 100), 1)


def trend(points: list[tuple[datetime, float, str, bool]], pass_mark: int,
          dates: list[str] | None = None) -> TrendChart | None:
    """Attempts (local submit time, percent, lesson title, passed), oldest first, placed on a time
    axis with dated ticks; the pass mark is a horizontal line. `dates`: each point's local date as
    `trend_point` wrote it, when the caller kept them."""
    if not points:
        return None
    x0, x1 = TREND_LEFT + 6, TREND_WIDTH - TREND_RIGHT - 6
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds()

    def x_at(when: datetime) -> float:
        if span <= 0:
            return round((x0 + x1) / 2, 1)
        return round(x0 + (x1 - x0) * (when - first).total_seconds() / span, 1)

    if dates is None:
        dates = [f"{when:%d %b %Y}" for when, *_ in points]
    chart_points = [TrendPoint(x_at(when), _y(pct), pct, bool(passed), day, title)
                    for (when, pct, title, passed), day in zip(points, dates, strict=True)]
    x_ticks: list[Tick] = []
    if span <= 0:
        x_ticks.append(Tick(x_at(first), f"{first:%d %b}"))
    else:
        for i in range(DATE_TICKS):
            when = first + (last - first) * i / (DATE_TICKS - 1)
            label = f"{when:%d %b}" if last.year == first.year else f"{when:%b %Y}"
            if x_ticks and x_ticks[-1].label == label:
                continue
            anchor = "start" if i == 0 else "end" if i == DATE_TICKS - 1 else "middle"
            x_ticks.append(Tick(x_at(when), label, anchor))
    y_ticks = [Tick(_y(p), f"{p}%") for p in (0, 25, 50, 75, 100)]
    return TrendChart(TREND_WIDTH, TREND_HEIGHT, TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM,
                      chart_points, y_ticks, x_ticks, pass_mark, _y(pass_mark))


def whole_percent(value: float) -> int:
    return int(round(value, 0))  # Jinja's `round | int`, as the other figures on the page


def trend_point(date: str, title: str, percent: float, passed: bool) -> tuple[str, str, str]:
    """What the figure writes for one attempt wherever it sits on the chart: (its dot's title, its table row,
    and its date for `trend`)."""
    return (f'{escape(f"{date} · {title}")}: {whole_percent(percent)}%{" (passed)" if passed else " (not passed)"}</title>'
            f'</circle>', f'<tr><td>{escape(date)}</td><td>{escape(title)}</td><td>{whole_percent(percent)}% '
            f'{"✓ passed" if passed else "✗"}</td></tr>', date)


def trend_figure(chart: TrendChart, pass_marks: list[int], points: list[tuple[str, str, str]] | None = None) -> Markup:
    """The score trend's <figure>: the SVG and its table, built here rather than in a template loop
    (the dashboard draws it again after every submit: ~30 points, each escaped several times).
    `points`: trend_point() of each of the chart's points, kept by the caller from an earlier figure."""
    c = chart
    n = len(c.points)
    right, base = c.width - c.right, c.height - c.bottom
    first, last = c.points[0], c.points[-1]
    passed = sum(1 for p in c.points if p.passed)
    out = [f'<figure class="trend"><svg viewBox="0 0 {c.width} {c.height}" class="chart" role="img" '
           f'aria-labelledby="trend-title trend-desc"><title id="trend-title">Quiz scores of your last {n} '
           f'attempt{"s" if n != 1 else ""}, by date, with the pass mark</title><desc id="trend-desc">From '
           f'{whole_percent(first.percent)}% on {escape(first.date)} to {whole_percent(last.percent)}% on {escape(last.date)}; '
           f'{passed} of {n} passed. Pass mark {c.pass_mark}%.</desc>']
    for t in c.y_ticks:
        out.append(f'<line x1="{c.left}" x2="{right}" y1="{t.at}" y2="{t.at}" class="grid"/><text x="{c.left - 6}" '
                   f'y="{t.at + 4}" class="axis" text-anchor="end">{escape(t.label)}</text>')
    for t in c.x_ticks:
        out.append(f'<line x1="{t.at}" x2="{t.at}" y1="{base}" y2="{base + 5}" class="grid"/><text x="{t.at}" '
                   f'y="{base + 20}" class="axis" text-anchor="{t.anchor}">{escape(t.label)}</text>')
    out.append(f'<line x1="{c.left}" x2="{right}" y1="{c.pass_y}" y2="{c.pass_y}" class="pass-mark"/>'
               f'<text x="{right}" y="{c.pass_y - 5}" class="axis pass-label" text-anchor="end">pass mark {c.pass_mark}%</text>')
    if n > 1:
        out.append(f'<polyline class="line" points="{c.polyline}"/>')
    rows = []
    if points is None:
        points = [trend_point(p.date, p.title, p.percent, p.passed) for p in c.points]
    for p, (title, row, _) in zip(c.points, points, strict=True):
        out.append(f'<circle cx="{p.x}" cy="{p.y}" r="5" class="dot {"dot-pass" if p.passed else "dot-fail"}"><title>'
                   f'{title}')
        rows.append(row)
    marks = f" (most of your courses; {'%, '.join(str(m) for m in pass_marks)}% in all)" if len(pass_marks) > 1 else ""
    out.append('</svg><figcaption><p class="chart-key"><span class="key-dot key-pass" aria-hidden="true"></span> passed · '
               '<span class="key-dot key-fail" aria-hidden="true"></span> not passed · <span class="key-line" '
               f'aria-hidden="true"></span> pass mark {c.pass_mark}%{marks}</p><details><summary>Scores as a table</summary>'
               '<div class="scroll-x" tabindex="0" role="region" aria-label="Scores"><table><thead><tr><th scope="col">Date'
               '</th><th scope="col">Lesson</th><th scope="col">Score</th></tr></thead><tbody>')
    out.extend(rows)
    out.append("</tbody></table></div></details></figcaption></figure>")
    return Markup("".join(out))


# ---- activity heat map -------------------------------------------------------------------------

CELL, GAP = 12, 2
HEAT_LEFT, HEAT_TOP, HEAT_RIGHT = 30, 18, 16  # room for weekday labels, month labels, a month label in the last column
# (lowest, highest) answers a day for each shade; the legend is written from the same table.
HEAT_LEVELS: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 4), (5, 14), (15, 29), (30, None))
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


def heat_level(count: int) -> int:
    for level, (low, high) in enumerate(HEAT_LEVELS):
        if count >= low and (high is None or count <= high):
            return level
    return 0


def heat_legend() -> list[tuple[int, str]]:
    """(shade, what it means) for every shade of the heat map."""
    out = []
    for level, (low, high) in enumerate(HEAT_LEVELS):
        if high == low:
            out.append((level, "no answers" if low == 0 else f"{low} answer{'s' if low != 1 else ''}"))
        elif high is None:
            out.append((level, f"{low} or more"))
        else:
            out.append((level, f"{low}–{high}"))
    return out


@dataclass
class HeatCell:
    x: int
    y: int
    day: date
    count: int
    level: int


@dataclass
class MonthSummary:
    label: str  # "December 2026"
    active_days: int
    answers: int


@dataclass
class Heatmap:
    cells: list[HeatCell]
    width: int
    height: int
    months: list[Tick]  # month labels over the week columns where a month begins
    by_month: list[MonthSummary]  # the text alternative, oldest first
    first_day: date  # of the year shown: the first column also holds a few days before it

    @property
    def answers(self) -> int:
        return sum(c.count for c in self.cells if c.day >= self.first_day)

    @property
    def active_days(self) -> int:
        return sum(1 for c in self.cells if c.count and c.day >= self.first_day)


def heatmap(counts: dict[date, int], today: date, days: int = 365) -> Heatmap:
    """A GitHub-style calendar of the learner's local days: columns are weeks (Monday first), rows
    are weekdays; a month's name sits over the first column holding its 1st."""
    first_day = today - timedelta(days=days - 1)
    start = first_day - timedelta(days=first_day.weekday())
    step = CELL + GAP
    cells: list[HeatCell] = []
    months: list[Tick] = []
    by_month: dict[tuple[int, int], MonthSummary] = {}
    d = start
    while d <= today:
        n = counts.get(d, 0)
        week = (d - start).days // 7
        x = HEAT_LEFT + week * step
        cells.append(HeatCell(x, HEAT_TOP + d.weekday() * step, d, n, heat_level(n)))
        # Label a month at its 1st, or at the first column for the month the calendar opens in,
        # unless that leaves no room before the next month's label.
        if d.day == 1 or (d == start and (start + timedelta(days=13)).month == start.month):
            if not months or x - months[-1].at >= 3 * step:
                months.append(Tick(x, f"{d:%b}", "start"))
        if d >= first_day:
            summary = by_month.setdefault((d.year, d.month), MonthSummary(f"{d:%B %Y}", 0, 0))
            summary.answers += n
            summary.active_days += 1 if n else 0
        d += timedelta(days=1)
    weeks = (today - start).days // 7 + 1
    return Heatmap(cells, HEAT_LEFT + weeks * step + HEAT_RIGHT, HEAT_TOP + 7 * step, months, list(by_month.values()), first_day)


def heat_set(heat: Heatmap, day: date, count: int) -> int | None:
    """Give one day of the calendar a new count, in place (its cell and its month's summary): the
    dashboard's first view after an answer changes today's square only. Returns the cell's index,
    None when the day is not on the calendar."""
    index = (day - heat.cells[0].day).days
    if not 0 <= index < len(heat.cells):
        return None
    cell = heat.cells[index]
    if day >= heat.first_day:
        label = f"{day:%B %Y}"
        summary = next(m for m in heat.by_month if m.label == label)
        summary.answers += count - cell.count
        summary.active_days += bool(count) - bool(cell.count)
    cell.count, cell.level = count, heat_level(count)
    return index


def heat_cell_svg(c: HeatCell) -> str:
    plural = "" if c.count == 1 else "s"
    return (f'<rect x="{c.x}" y="{c.y}" width="{CELL}" height="{CELL}" rx="2" class="heat-{c.level}">'
            f"<title>{c.day:%a %d %b %Y}: {c.count} answer{plural}</title></rect>")


def heatmap_svg_frame(heat: Heatmap, label: str) -> tuple[str, str]:
    """The calendar's SVG around its cells: (opening tag and labels, closing tag)."""
    parts = [f'<svg viewBox="0 0 {heat.width} {heat.height}" width="{heat.width}" height="{heat.height}" '
             f'class="heatmap" role="img" aria-label="{escape(label)}">']
    for tick in heat.months:
        parts.append(f'<text x="{tick.at}" y="11" class="axis">{tick.label}</text>')
    for row, name in WEEKDAY_LABELS.items():
        parts.append(f'<text x="0" y="{HEAT_TOP + row * (CELL + GAP) + 10}" class="axis">{name}</text>')
    return "".join(parts), "</svg>"


def heatmap_svg(heat: Heatmap, label: str) -> Markup:
    """The calendar as one SVG string: 371 cells are built faster here than in a template loop.
    Drawn at its real size (12 px squares); on a phone its box scrolls sideways (see app.css)."""
    head, tail = heatmap_svg_frame(heat, label)
    return Markup(head + "".join(heat_cell_svg(c) for c in heat.cells) + tail)
