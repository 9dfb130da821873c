"""How far a person has come: the figures of the progress pages.

Every figure is an aggregate computed by the database (a fixed number of
queries, whatever the length of the history); Python only walks the per-day
rows (at most one per day) and, for the card table, one row per card.
Days are the person's local days (`User.time_zone`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncDate

from decks.models import Card, Deck

from .models import REVIEW, CardState, Review
from .scheduling import Schedule, retrievability

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
class CardRow:
    card: Card
    last_rating: int | None
    reps: int
    lapses: int
    due: datetime | None
    recall: float | None  # None: never studied


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
    cards: list[CardRow] = field(default_factory=list)


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


def progress(*, user, deck: Deck | None, now: datetime, with_cards: bool = True) -> Progress:
    """All figures of a progress page, for one deck or (deck=None) every published deck.

    Runs seven queries, eight with the card table.
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

    rating_rows = states.values("last_rating").annotate(n=Count("id")).order_by()
    by_rating_seen = {row["last_rating"]: row["n"] for row in rating_rows}

    forecast_rows = (
        states.filter(due__lt=now + timedelta(days=30))
        .annotate(day=TruncDate("due", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    due_by_day = {row["day"]: row["n"] for row in forecast_rows}

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
    rating_sum = sum(r * n for r, n in by_rating_seen.items() if r)

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

    forecast = []
    overdue = sum(n for d, n in due_by_day.items() if d < today)
    for offset in range(30):
        day = today + timedelta(days=offset)
        forecast.append((day, due_by_day.get(day, 0) + (overdue if offset == 0 else 0)))

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
            **{r: by_rating_seen.get(r, 0) for r in range(1, 6)},
            "unseen": card_count - seen_count,
        },
        days=days,
        forecast=forecast,
        categories=categories,
        calibration=calibration,
    )
    if with_cards:
        result.cards = card_rows(user=user, deck=deck, now=now)
    return result


def card_rows(*, user, deck: Deck | None, now: datetime) -> list[CardRow]:
    """Every card with this person's state and current recall probability, one query."""
    cards = (
        _cards(deck)
        .select_related("deck")
        .annotate(mine=FilteredRelation("states", condition=Q(states__user=user)))
        .annotate(
            s_state=F("mine__state"),
            s_step=F("mine__step"),
            s_stability=F("mine__stability"),
            s_difficulty=F("mine__difficulty"),
            s_due=F("mine__due"),
            s_last_review=F("mine__last_review"),
            s_reps=F("mine__reps"),
            s_lapses=F("mine__lapses"),
            s_last_rating=F("mine__last_rating"),
        )
    )
    rows = []
    for card in cards:
        if card.s_state is None:
            rows.append(CardRow(card, None, 0, 0, None, None))
            continue
        schedule = Schedule(
            state=card.s_state,
            step=card.s_step,
            stability=card.s_stability,
            difficulty=card.s_difficulty,
            due=card.s_due,
            last_review=card.s_last_review,
            reps=card.s_reps,
            lapses=card.s_lapses,
            last_rating=card.s_last_rating,
        )
        rows.append(
            CardRow(
                card,
                card.s_last_rating,
                card.s_reps,
                card.s_lapses,
                card.s_due,
                retrievability(schedule, now),
            )
        )
    return rows
