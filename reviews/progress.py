"""How far a person has come: the figures of the progress pages.

Every figure is an aggregate computed by the database (a fixed number of
queries, whatever the length of the history); Python only walks the per-day
rows (at most one per day). The card table is sorted, recall included, and cut
into pages by the database, so a page costs the same for 20 cards or 10,000.
Days are the person's local days (`User.time_zone`).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import NotSupportedError
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    OrderBy,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, Coalesce, Greatest, Lower, Power
from fsrs import Scheduler

from decks.models import Card, Deck

from .models import REVIEW, CardState, Review

RECALLED = 3  # a rating of 3 or more counts as remembered


@dataclass
class DayCount:
    day: date
    reviews: int
    duration_ms: int


@dataclass
class Streaks:
    current: int
    longest: int


def streaks(days: list[date], today: date) -> Streaks:
    """Runs of consecutive local days with a review. The current run is still
    alive if the last review was yesterday: today is not over yet."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(set(days)):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = run if previous is not None and (today - previous).days <= 1 else 0
    return Streaks(current=current, longest=longest)


def mastery_percent(rating_sum: int, card_count: int) -> int:
    """Brainscape's mastery: each card's latest rating × 20 %, unseen cards 0 %."""
    return round(rating_sum * 20 / card_count) if card_count else 0


@dataclass
class Progress:
    deck: Deck | None
    card_count: int
    seen_count: int
    due_count: int
    mastery: int
    reviews_today: int
    total_reviews: int
    streaks: Streaks
    retention: float | None  # None: no review-state reviews in 30 days
    retention_reviews: int
    time_studied_ms: int
    by_rating: dict  # 1..5 and "unseen" → cards
    days: list[DayCount]
    forecast: list[tuple[date, int]]
    categories: list[dict]
    calibration: list[dict]


def _reviews(user, deck: Deck | None) -> QuerySet[Review]:
    reviews = Review.objects.filter(user=user)
    return reviews.filter(card__deck=deck) if deck else reviews


def _states(user, deck: Deck | None) -> QuerySet[CardState]:
    """Card states of one deck, or of every published deck: a deck staff unpublished
    leaves the card counts, so ratings by card never outnumber the cards."""
    states = CardState.objects.for_user(user)
    return states.in_deck(deck) if deck else states.filter(deck__published=True)


def _cards(deck: Deck | None) -> QuerySet[Card]:
    cards = Card.objects.filter(deck__published=True)
    return cards.filter(deck=deck) if deck else cards


def progress(*, user, deck: Deck | None, now: datetime) -> Progress:
    """All figures of a progress page, for one deck or (deck=None) every published deck.

    Runs six queries; the card table is `card_page`'s.
    """
    tz = user.tzinfo()
    today = now.astimezone(tz).date()
    reviews = _reviews(user, deck)
    states = _states(user, deck)

    day_rows = reviews.values("day").annotate(n=Count("id"), ms=Sum("duration_ms")).order_by("day")
    days = [DayCount(row["day"], row["n"], row["ms"] or 0) for row in day_rows]

    recent = reviews.filter(reviewed_at__gte=now - timedelta(days=30), before__state=REVIEW)
    retention_row = recent.aggregate(
        total=Count("id"), recalled=Count("id", filter=Q(rating__gte=RECALLED))
    )

    # Cards by latest rating, and the due forecast: for each of the next 30 local days,
    # the cards due before it ends (its local midnight, whatever the day's length). One
    # pass over the person's states, comparing times: no time zone arithmetic per row.
    ends = [datetime.combine(today + timedelta(days=n), time(), tzinfo=tz) for n in range(1, 31)]
    state_row = states.aggregate(
        **{f"rated_{r}": Count("id", filter=Q(last_rating=r)) for r in range(1, 6)},
        **{f"due_{n}": Count("id", filter=Q(due__lt=end)) for n, end in enumerate(ends)},
    )
    by_rating_seen = {r: state_row[f"rated_{r}"] for r in range(1, 6)}
    due_before = [0] + [state_row[f"due_{n}"] for n in range(30)]

    category_rows = (
        _cards(deck)
        .annotate(mine=FilteredRelation("states", condition=Q(states__user=user)))
        .values("category")
        .annotate(
            cards=Count("id"),
            seen=Count("mine__id"),
            rating_sum=Sum("mine__last_rating"),
            due=Count("mine__id", filter=Q(mine__due__lte=now)),
        )
        .order_by("category")
    )
    categories = [
        {
            "name": row["category"] or "Uncategorised",
            "cards": row["cards"],
            "seen": row["seen"],
            "due": row["due"],
            "mastery": mastery_percent(row["rating_sum"] or 0, row["cards"]),
        }
        for row in category_rows
    ]
    card_count = sum(c["cards"] for c in categories)
    seen_count = sum(c["seen"] for c in categories)
    rating_sum = sum(r * n for r, n in by_rating_seen.items())

    # Calibration: after a rating r, was the card recalled (rated 3+) at its next review?
    # Each review records the card's previous rating in `before`, so one pass over
    # the reviews pairs every rating with the one that followed it.
    calibration_rows = (
        reviews.filter(before__isnull=False)
        .values(rating_before=KeyTransform("last_rating", "before"))
        .annotate(total=Count("id"), recalled=Count("id", filter=Q(rating__gte=RECALLED)))
        .order_by()
    )
    by_first = {int(row["rating_before"]): row for row in calibration_rows}
    calibration = []
    for rating in range(1, 6):
        row = by_first.get(rating, {"total": 0, "recalled": 0})
        calibration.append(
            {
                "rating": rating,
                "total": row["total"],
                "recalled": row["recalled"],
                "percent": round(100 * row["recalled"] / row["total"]) if row["total"] else None,
            }
        )

    # Today's bar also holds the cards overdue from before today.
    forecast = [(today + timedelta(days=n), due_before[n + 1] - due_before[n]) for n in range(30)]

    total = retention_row["total"]
    result = Progress(
        deck=deck,
        card_count=card_count,
        seen_count=seen_count,
        due_count=sum(c["due"] for c in categories),
        mastery=mastery_percent(rating_sum, card_count),
        reviews_today=next((d.reviews for d in days if d.day == today), 0),
        total_reviews=sum(d.reviews for d in days),
        streaks=streaks([d.day for d in days], today),
        retention=retention_row["recalled"] / total if total else None,
        retention_reviews=total,
        time_studied_ms=sum(d.duration_ms for d in days),
        by_rating={
            **by_rating_seen,
            "unseen": card_count - seen_count,
        },
        days=days,
        forecast=forecast,
        categories=categories,
        calibration=calibration,
    )
    return result


# FSRS-6's forgetting curve, as fsrs.Scheduler.get_card_retrievability computes it
# (and `scheduling.retrievability` through it): R = (1 + FACTOR × t / S) ** DECAY,
# t the whole days since the last review, S the stability. The decay is the last of
# the default parameters; desired retention plays no part.
DECAY = -Scheduler().parameters[20]
FACTOR = 0.9 ** (1 / DECAY) - 1


class DaysSince(Func):
    """Whole days from a datetime column to `now`, rounded down as Python's
    `timedelta.days` rounds them (and so FSRS): exact to the microsecond on both
    databases, so the recall the page sorts by is the one FSRS gives."""

    output_field = IntegerField()

    def __init__(self, moment: str, now: datetime) -> None:
        super().__init__(F(moment))
        self.now = now

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]", in UTC: whole seconds from
        # strftime, microseconds from the text. (Django's django_timestamp_diff is
        # exact too, but a call into Python per row: it doubled the page's query.)
        moment, params = compiler.compile(self.get_source_expressions()[0])
        micros = f"(strftime('%%s', {moment}) * 1000000 + CAST(substr({moment}, 21, 6) AS INTEGER))"
        now = (self.now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        return f"((%s - {micros}) / 86400000000)", (now, *params, *params)

    def as_postgresql(self, compiler, connection, **extra):
        moment, params = compiler.compile(self.get_source_expressions()[0])
        sql = f"FLOOR(EXTRACT(EPOCH FROM (%s - {moment})) / 86400)::integer"
        return sql, (self.now, *params)

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(
            f"DaysSince is written for SQLite and PostgreSQL, not {connection.vendor}"
        )


def recall_now(now: datetime, prefix: str = "mine__") -> Case:
    """FSRS's recall probability at `now` of a CardState reached through `prefix`,
    as an SQL expression: None for a card never studied, 0 for a state without
    stability (as `scheduling.retrievability`)."""
    days = Greatest(DaysSince(f"{prefix}last_review", now), Value(0))

    def double(value: float) -> Cast:
        # PostgreSQL reads a bare 0.98… as NUMERIC and multiplies in decimal: one
        # bit off Python's float arithmetic, enough to swap two cards of equal recall.
        return Cast(Value(value), FloatField())

    return Case(
        When(**{f"{prefix}state__isnull": True}, then=Value(None)),
        When(
            Q(**{f"{prefix}stability__isnull": True}) | Q(**{f"{prefix}last_review__isnull": True}),
            then=Value(0.0),
        ),
        default=Power(
            double(1.0) + double(FACTOR) * days / F(f"{prefix}stability"),
            double(DECAY),
        ),
        output_field=FloatField(),
    )


class CodePointOrder(Func):
    """Text compared code point by code point, as Python compares strings, on both
    databases: PostgreSQL would otherwise follow the database's locale."""

    template = "%(expressions)s"

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template='(%(expressions)s) COLLATE "C"', **extra)


# The card table's sort keys, each a list of expressions over `sorted_cards`' query.
# A card never studied has nothing to sort by in most of them (NULL) and stays at
# the end in either direction; deck order breaks ties, so pages never overlap.
CARD_SORTS: dict[str, list] = {
    # Weakest first: the lowest recall, ties (all 100 % on the day of study) broken
    # by the lowest latest rating.
    "recall": [F("recall"), F("last_rating")],
    "rating": [F("last_rating")],
    "reviews": [F("reps")],
    "lapses": [F("lapses")],
    "due": [F("due")],
    "question": [CodePointOrder(Lower("question"))],
}
PAGE_SIZE = 50


@dataclass
class CardRow:
    card: Card
    last_rating: int | None
    reps: int
    lapses: int
    due: datetime | None
    recall: float | None  # None: never studied


@dataclass
class CardPage:
    """One page of the card table: `number` of `pages`, `total` cards in all."""

    rows: list[CardRow]
    number: int
    pages: int
    total: int

    @property
    def first(self) -> int:
        """The position of the page's first card in the whole table, from 1."""
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def card_page(
    *,
    user,
    deck: Deck | None,
    now: datetime,
    total: int,
    sort: str = "recall",
    descending: bool = False,
    number: int = 1,
) -> CardPage:
    """One page of the card table, sorted by `CARD_SORTS[sort]`, out of `total` cards
    (`Progress.card_count`, so the page costs no count of its own); a page past the
    last gives the last. One query, which reads only that page's rows."""
    pages = page_count(total)
    number = min(max(number, 1), pages)
    start = (number - 1) * PAGE_SIZE
    cards = sorted_cards(user=user, deck=deck, now=now, sort=sort, descending=descending)
    rows = [
        CardRow(card, card.last_rating, card.reps, card.lapses, card.due, card.recall)
        for card in cards[start : start + PAGE_SIZE]
    ]
    return CardPage(rows=rows, number=number, pages=pages, total=total)


def sorted_cards(
    *, user, deck: Deck | None, now: datetime, sort: str, descending: bool
) -> QuerySet[Card]:
    """The cards with this person's `last_rating`, `reps`, `lapses`, `due` and `recall`
    (FSRS's recall probability at `now`) as annotations, in the card table's order."""
    cards = (
        _cards(deck)
        .select_related("deck")
        .annotate(mine=FilteredRelation("states", condition=Q(states__user=user)))
        .annotate(
            last_rating=F("mine__last_rating"),
            reps=Coalesce(F("mine__reps"), 0),
            lapses=Coalesce(F("mine__lapses"), 0),
            due=F("mine__due"),
            recall=recall_now(now),
        )
    )
    order: list[OrderBy] = [
        key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
        for key in CARD_SORTS[sort]
    ]
    return cards.order_by(*order, "position", "id")
