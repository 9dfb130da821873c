"""The FSRS scheduler, as Flashsite uses it: pure functions of their arguments.

Nothing here reads the clock or the database, so a person's whole review log
can be replayed to give exactly the stored schedule, and the interval a
rating button promises is the one pressing it records.
"""

import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from fsrs.scheduler import FUZZ_RANGES

# Ratings are stored as given (1–5); FSRS has four grades.
GRADES: dict[int, Rating] = {
    1: Rating.Again,
    2: Rating.Again,
    3: Rating.Hard,
    4: Rating.Good,
    5: Rating.Easy,
}

# Brainscape names only the ends of its scale.
RATING_LABELS: dict[int, str] = {1: "Not at all", 2: "", 3: "", 4: "", 5: "Perfectly"}


@dataclass(frozen=True)
class Schedule:
    """A card's scheduling state for one person, as CardState stores it."""

    state: int  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int
    last_rating: int | None

    def to_json(self) -> dict:
        data = asdict(self)
        data["due"] = self.due.isoformat()
        data["last_review"] = self.last_review.isoformat() if self.last_review else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Schedule":
        return cls(
            **{
                **data,
                "due": datetime.fromisoformat(data["due"]),
                "last_review": (
                    datetime.fromisoformat(data["last_review"]) if data["last_review"] else None
                ),
            }
        )


class _SeededScheduler(Scheduler):
    """FSRS with its interval fuzz drawn from a given seed instead of the global RNG.

    FSRS draws one number per review for the fuzz; here it is the first number
    of a generator seeded with `seed`, fixed when the scheduler is made. So one
    scheduler serves every rating of the same showing (the answer side works
    out all five), and it is never changed after it is made.
    """

    def __init__(self, *, desired_retention: float, seed: str) -> None:
        super().__init__(desired_retention=desired_retention)
        self._draw = random.Random(seed).random()

    def _get_fuzzed_interval(self, *, interval: timedelta) -> timedelta:
        interval_days = interval.days
        if interval_days < 2.5:
            return interval
        delta = 1.0
        for fuzz_range in FUZZ_RANGES:
            delta += fuzz_range["factor"] * max(
                min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"], 0.0
            )
        max_ivl = min(round(interval_days + delta), self.maximum_interval)
        min_ivl = min(max(2, round(interval_days - delta)), max_ivl)
        days = round(self._draw * (max_ivl - min_ivl + 1) + min_ivl)
        return timedelta(days=min(days, self.maximum_interval))


@lru_cache(maxsize=256)
def _scheduler(desired_retention: float, seed: str) -> _SeededScheduler:
    """The scheduler of one showing, made once for the answer side's five ratings."""
    return _SeededScheduler(desired_retention=desired_retention, seed=seed)


def _fsrs_card(before: Schedule | None) -> FsrsCard:
    if before is None:
        return FsrsCard(card_id=0)
    return FsrsCard(
        card_id=0,
        state=State(before.state),
        step=before.step,
        stability=before.stability,
        difficulty=before.difficulty,
        due=before.due,
        last_review=before.last_review,
    )


def next_schedule(
    before: Schedule | None,
    rating: int,
    now: datetime,
    *,
    desired_retention: float,
    seed: str,
) -> Schedule:
    """The schedule after rating a card 1–5 at `now`; `before` is None for a new card.

    `seed` names the (person, card, review number), so the fuzz is the same
    every time this review is computed.
    """
    # fsrs refuses any tzinfo but datetime.UTC, even ZoneInfo("UTC") or a local
    # zone naming the same instant.
    now = now.astimezone(UTC)
    card = _fsrs_card(before)
    reps, lapses = (before.reps, before.lapses) if before else (0, 0)
    grade = GRADES[rating]
    lapsed = card.state == State.Review and grade == Rating.Again
    after, _ = _scheduler(desired_retention, seed).review_card(card, grade, review_datetime=now)
    return Schedule(
        state=int(after.state),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        last_review=after.last_review,
        reps=reps + 1,
        lapses=lapses + lapsed,
        last_rating=rating,
    )


def next_dues(
    before: Schedule | None, now: datetime, *, desired_retention: float, seed: str
) -> dict[int, datetime]:
    """For each rating 1–5, when the card comes back if rated so at `now`: the
    `due` of next_schedule(before, rating, now, …), worked out in one pass (the
    answer side shows all five; 1 and 2 are both FSRS's Again)."""
    now = now.astimezone(UTC)
    card = _fsrs_card(before)
    scheduler = _scheduler(desired_retention, seed)
    dues: dict[Rating, datetime] = {}
    for grade in GRADES.values():
        if grade not in dues:
            dues[grade] = scheduler.review_card(card, grade, review_datetime=now)[0].due
    return {rating: dues[grade] for rating, grade in GRADES.items()}


def review_seed(user_id: int, card_id: int, reps: int) -> str:
    return f"{user_id}:{card_id}:{reps}"


# Retrievability depends on the FSRS parameters only, not on desired retention.
_RECALL = Scheduler()


def retrievability(schedule: Schedule | None, now: datetime) -> float:
    """FSRS's probability that the person recalls the card at `now` (0 if never seen)."""
    if schedule is None or schedule.stability is None or schedule.last_review is None:
        return 0.0
    card = FsrsCard(
        card_id=0, stability=schedule.stability, last_review=schedule.last_review, state=State(2)
    )
    return _RECALL.get_card_retrievability(card, now)


def format_interval(delta: timedelta) -> str:
    """Anki-style short interval: "1 min", "10 min", "3 h", "4 d", "2 mo", "1.5 y"."""
    seconds = max(delta.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(round(seconds / 60), 1)} min"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)} d"
    if days < 365:
        return f"{round(days / 30)} mo"
    return f"{days / 365:.1f} y".replace(".0 y", " y")
