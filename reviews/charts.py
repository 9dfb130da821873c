"""Geometry of the progress charts, drawn as inline SVG by the templates.

The server lays out every bar and cell, so the charts need no JavaScript and
colours come from classes in the stylesheet (the CSP allows no inline style).
Coordinates and labels are written out here, once: the template only pastes
strings (a year calendar is 371 cells; the template's number and date filters
cost more than the rest of the page).
"""

from dataclasses import dataclass
from datetime import date, timedelta


def svg_number(value: float) -> str:
    """A coordinate as SVG reads it: "12.5", "138", never a locale's "12,5"."""
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    css: str
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    width: int
    height: int
    bars: list[Bar]
    unit: str
    empty: bool


def bar_chart(
    *,
    id: str,
    title: str,
    items: list[tuple[str, float, str]],
    unit: str = "",
    width: int = 600,
    height: int = 160,
    max_value: float | None = None,
    display=lambda value: f"{value:g}",
) -> BarChart:
    """Vertical bars for (label, value, css class) items; the tallest fills the height."""
    top = max_value if max_value is not None else max((v for _, v, _ in items), default=0)
    slot = width / max(len(items), 1)
    gap = min(slot * 0.2, 8)
    bars = []
    for i, (label, value, css) in enumerate(items):
        bar_height = (value / top) * (height - 2) if top else 0
        if value and bar_height < 2:
            bar_height = 2  # a day with one review stays visible
        bars.append(
            Bar(
                label=label,
                value=value,
                display=display(value),
                css=css,
                x=svg_number(i * slot + gap / 2),
                y=svg_number(height - bar_height),
                width=svg_number(slot - gap),
                height=svg_number(bar_height),
            )
        )
    return BarChart(
        id=id,
        title=title,
        width=width,
        height=height,
        bars=bars,
        unit=unit,
        empty=not any(v for _, v, _ in items),
    )


@dataclass(frozen=True)
class Cell:
    day: date
    count: int
    level: int
    x: str
    y: str

    @property
    def css(self) -> str:
        return f"heat-{self.level}"

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def title(self) -> str:
        """ "Wed 18 Jun 2025: 2 reviews" (English names, whatever the server's locale)."""
        day = f"{WEEKDAYS[self.day.weekday()]} {self.day.day} {MONTHS[self.day.month - 1]}"
        return f"{day} {self.day.year}: {self.count} review{'' if self.count == 1 else 's'}"


@dataclass(frozen=True)
class Heatmap:
    title: str
    width: int
    height: int
    cells: list[Cell]
    months: list[tuple[int, str]]
    active_days: int

    @property
    def active(self) -> list[Cell]:
        """The days with reviews: the rows of the calendar's data table."""
        return [cell for cell in self.cells if cell.count]


CELL = 11
STEP = 13
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def heatmap(counts: dict[date, int], today: date, *, weeks: int = 53) -> Heatmap:
    """A year calendar, a column per week (Monday at the top), like a contribution graph."""
    start = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    busiest = max(counts.values(), default=0)
    cells, months = [], []
    day = start
    while day <= today:
        week, weekday = (day - start).days // 7, day.weekday()
        count = counts.get(day, 0)
        level = 0 if not count else min(4, 1 + (3 * count) // max(busiest, 1))
        cells.append(Cell(day, count, level, str(week * STEP), str(weekday * STEP)))
        if day.day == 1:
            months.append((week * STEP, MONTHS[day.month - 1]))
        day += timedelta(days=1)
    return Heatmap(
        title="Reviews per day over the last year",
        width=weeks * STEP,
        height=7 * STEP,
        cells=cells,
        months=months,
        active_days=sum(1 for c in cells if c.count),
    )


RATING_NAMES = {1: "1 Not at all", 2: "2", 3: "3", 4: "4", 5: "5 Perfectly"}


def progress_charts(p, today: date) -> dict[str, BarChart]:
    """The bar charts of a progress page, from a `progress.Progress`."""
    per_day = {d.day: d.reviews for d in p.days}
    last_90 = [today - timedelta(days=n) for n in range(89, -1, -1)]
    return {
        "by_rating": bar_chart(
            id="chart-by-rating",
            title="Cards by latest rating",
            items=[(RATING_NAMES[r], p.by_rating[r], f"fill-r{r}") for r in range(1, 6)]
            + [("Not seen yet", p.by_rating["unseen"], "fill-unseen")],
            unit="cards",
            height=140,
        ),
        "per_day": bar_chart(
            id="chart-per-day",
            title="Reviews per day, last 90 days",
            items=[(day.isoformat(), per_day.get(day, 0), "fill-accent") for day in last_90],
            unit="reviews",
        ),
        "forecast": bar_chart(
            id="chart-forecast",
            title="Cards coming due, next 30 days",
            items=[(day.isoformat(), n, "fill-r4") for day, n in p.forecast],
            unit="cards",
        ),
        "categories": bar_chart(
            id="chart-categories",
            title="Mastery per category",
            items=[(c["name"], c["mastery"], "fill-r5") for c in p.categories],
            unit="% mastery",
            max_value=100,
            height=140,
            display=lambda value: f"{value:g}%",
        ),
    }
