"""Read a progress page the way a person (or a screen reader) does: figures, chart
tables, the calibration table and the card table, parsed from the HTML.

The parser is the standard library's: it builds a small element tree, so the
tests look up text by the headings and labels a person sees, not by regexes
over markup.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from django.http import HttpResponse

from accounts.models import User
from decks.models import Card
from reviews.models import Review, record_review

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text as read aloud: every piece, whitespace collapsed."""
        return " ".join(self._raw_text().split())

    def _raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c._raw_text() for c in self.children)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str, cls: str | None = None, **attrs: str) -> list["Element"]:
        return [
            e
            for e in self.iter()
            if e.tag == tag
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, cls: str | None = None, **attrs: str) -> "Element":
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag}> with class={cls!r} {attrs} on the page"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(response: HttpResponse) -> Element:
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def figures(page: Element) -> dict[str, str]:
    """The headline figures, label → value as shown ("Mastery" → "25%")."""
    block = page.find("dl", "figures")
    return {div.find("dt").text: div.find("dd").text for div in block.find_all("div", "figure")}


def chart(page: Element, title: str) -> Element:
    """The <figure> whose SVG carries this <title>."""
    for figure in page.find_all("figure", "chart"):
        svg_title = figure.find("svg").find("title")
        if svg_title.text.startswith(title):
            return figure
    raise AssertionError(f"no chart titled {title!r}")


def chart_table(page: Element, title: str) -> dict[str, str]:
    """A chart's data table (the numbers a screen reader reads), label → value."""
    table = chart(page, title).find("details", "chart-data").find("table")
    return {row.find("th").text: row.find("td").text for row in table.find("tbody").find_all("tr")}


def calibration(page: Element) -> dict[int, tuple[str, str]]:
    """ "Are your 5s really 5s?": rating → ("N cards seen again", "R (P%)" or "—")."""
    table = page.find("table", "calibration")
    rows = {}
    for row in table.find("tbody").find_all("tr"):
        cells = row.find_all("td")
        rows[int(row.find("th").text)] = (cells[0].text, cells[1].text)
    return rows


@dataclass
class CardLine:
    question: str
    rating: str
    reviews: int
    lapses: int
    due: str
    recall: str
    study_link: str


def card_table(page: Element) -> list[CardLine]:
    """The card table's rows, top to bottom."""
    table = page.find("table", "cards-table")
    lines = []
    for row in table.find("tbody").find_all("tr"):
        cells = row.find_all("td")
        lines.append(
            CardLine(
                question=cells[0].text,
                rating=cells[1].text,
                reviews=int(cells[2].text),
                lapses=int(cells[3].text),
                due=cells[4].text,
                recall=cells[5].text,
                study_link=cells[6].find("a").attrs["href"],
            )
        )
    return lines


def rate(
    user: User, card: Card, rating: int, at: datetime, duration_ms: int | None = 10_000
) -> Review:
    """Record a rating at a given moment, through the same function the study page uses."""
    reps = card.states.filter(user=user).values_list("reps", flat=True).first() or 0
    review = record_review(
        user=user, card=card, rating=rating, now=at, shown_reps=reps, duration_ms=duration_ms
    )
    assert review is not None
    return review


def rate_series(
    user: User, card: Card, ratings: list[int], start: datetime, every: timedelta
) -> list[Review]:
    """Several ratings of one card, `every` apart, starting at `start`."""
    return [rate(user, card, r, start + i * every) for i, r in enumerate(ratings)]


# The fixed moment the progress tests look from: Wednesday 18 June 2025, 15:00 UTC.
NOW = datetime(2025, 6, 18, 15, 0, tzinfo=UTC)


def days_ago(n: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment n days before NOW, at a given UTC time of day."""
    return (NOW - timedelta(days=n)).replace(hour=hour, minute=minute)


# (card index in deck order, rating, days before NOW, "HH:MM" UTC). Cards 0–3 are
# "Distillation", 4–19 "Fine Tuning". A new card rated 5 goes straight to FSRS's
# review state; 1 or 2 from review state is a lapse into relearning.
HISTORY = [
    (2, 5, 40, "10:00"),  # answered over lunch: 400 s, kept as 300 s
    (2, 3, 35, "10:00"),
    (3, 5, 30, "10:00"),
    (3, 5, 29, "10:00"),
    (3, 4, 28, "10:00"),
    (3, 5, 27, "10:00"),
    (3, 2, 26, "10:00"),
    (1, 5, 20, "10:00"),
    (1, 4, 12, "10:00"),
    (0, 1, 10, "10:00"),
    (0, 3, 9, "10:00"),
    (2, 5, 5, "10:00"),
    (0, 4, 3, "10:00"),
    (1, 2, 3, "10:05"),
    (6, 1, 2, "10:00"),
    (4, 4, 1, "10:00"),
    (4, 4, 0, "09:00"),
    (5, 2, 0, "09:30"),
]


def build_history(user: User, cards: list[Card]) -> list[Review]:
    """Eighteen ratings of seven cards over 40 days, each recorded as the study page does."""
    reviews = []
    for index, rating, ago, hh_mm in HISTORY:
        hour, minute = map(int, hh_mm.split(":"))
        duration = 400_000 if (index, ago) == (2, 40) else 10_000
        reviews.append(rate(user, cards[index], rating, days_ago(ago, hour, minute), duration))
    return reviews


def deck_cards(deck) -> list[Card]:
    return list(deck.cards.select_related("deck").order_by("position", "id"))
