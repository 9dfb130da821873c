"""reviews.scheduling: pure functions, no database, no clock."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State

from reviews.scheduling import (
    Schedule,
    format_interval,
    next_dues,
    next_schedule,
    retrievability,
    review_seed,
)

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def rate(before: Schedule | None, rating: int, now: datetime = NOW, seed: str = "s") -> Schedule:
    return next_schedule(before, rating, now, desired_retention=0.9, seed=seed)


def in_review(seed: str = "s") -> Schedule:
    """A card rated Easy when new and then Good when due: in review, weeks away."""
    first = rate(None, 5, seed=seed)
    return rate(first, 4, first.due, seed=seed)


@pytest.mark.parametrize(
    ("rating", "grade"),
    [(1, Rating.Again), (2, Rating.Again), (3, Rating.Hard), (4, Rating.Good), (5, Rating.Easy)],
)
def test_each_rating_reviews_as_its_fsrs_grade(rating: int, grade: Rating) -> None:
    # The fsrs package itself, unfuzzed, is the oracle for a new and a learning card.
    fsrs = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    card, _ = fsrs.review_card(FsrsCard(card_id=1), grade, review_datetime=NOW)
    ours = rate(None, rating)
    assert (ours.state, ours.step, ours.stability, ours.difficulty) == (
        int(card.state),
        card.step,
        card.stability,
        card.difficulty,
    )
    if card.state != State.Review:
        assert ours.due == card.due
    later = NOW + timedelta(minutes=30)
    card2, _ = fsrs.review_card(card, grade, review_datetime=later)
    ours2 = rate(ours, rating, later)
    assert (ours2.state, ours2.stability, ours2.difficulty) == (
        int(card2.state),
        card2.stability,
        card2.difficulty,
    )


def test_1_and_2_both_mean_again_but_keep_the_rating_given() -> None:
    one, two = rate(None, 1), rate(None, 2)
    assert one.last_rating == 1
    assert two.last_rating == 2
    assert {**one.__dict__, "last_rating": 0} == {**two.__dict__, "last_rating": 0}


def test_higher_ratings_never_bring_a_card_back_sooner() -> None:
    for before in (None, in_review()):
        when = before.due if before else NOW
        dues = [rate(before, rating, when).due for rating in range(1, 6)]
        assert dues == sorted(dues)
        assert dues[0] < dues[4]


def test_next_dues_are_the_dues_each_rating_would_record() -> None:
    """The answer side's five intervals come from next_dues() in one pass; a
    rating records next_schedule(): the same due, whatever the card's state
    and whatever zone `now` is given in."""
    review = in_review()
    relearning = rate(review, 1, review.due)
    paris = ZoneInfo("Europe/Paris")
    for before, now in (
        (None, NOW),
        (rate(None, 3), NOW + timedelta(minutes=7)),
        (review, review.due + timedelta(days=3)),
        (relearning, relearning.due.astimezone(paris)),
    ):
        for seed in ("s", "7:42:3"):
            dues = next_dues(before, now, desired_retention=0.85, seed=seed)
            assert list(dues) == [1, 2, 3, 4, 5]
            assert dues == {
                rating: next_schedule(before, rating, now, desired_retention=0.85, seed=seed).due
                for rating in range(1, 6)
            }


def test_again_on_a_review_card_is_a_lapse() -> None:
    card = in_review()
    lapsed = rate(card, 1, card.due)
    assert lapsed.state == int(State.Relearning)
    assert lapsed.lapses == card.lapses + 1
    assert lapsed.reps == card.reps + 1
    assert rate(card, 3, card.due).lapses == card.lapses


def test_again_on_a_learning_card_is_no_lapse() -> None:
    learning = rate(None, 4)
    assert rate(learning, 1, learning.due).lapses == 0


def test_it_counts_reps_and_keeps_the_rating() -> None:
    first = rate(None, 3)
    second = rate(first, 5, first.due)
    assert (first.reps, first.last_rating) == (1, 3)
    assert (second.reps, second.last_rating, second.last_review) == (2, 5, first.due)


def test_desired_retention_changes_the_interval() -> None:
    card = in_review()
    strict = next_schedule(card, 4, card.due, desired_retention=0.97, seed="s")
    relaxed = next_schedule(card, 4, card.due, desired_retention=0.70, seed="s")
    assert strict.due < relaxed.due


def test_the_fuzz_is_the_same_for_the_same_seed() -> None:
    card = in_review()
    runs = {rate(card, 4, card.due, seed=review_seed(7, 42, 2)).due for _ in range(20)}
    assert len(runs) == 1


def test_the_fuzz_varies_between_seeds() -> None:
    # Otherwise every card reviewed together would come back together, forever.
    card = in_review()
    dues = {rate(card, 4, card.due, seed=review_seed(7, card_id, 2)).due for card_id in range(40)}
    assert len(dues) > 3


def test_the_fuzz_stays_near_the_unfuzzed_interval() -> None:
    card = in_review()
    fsrs = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    plain = fsrs.review_card(
        FsrsCard(
            card_id=1,
            state=State(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
        ),
        Rating.Good,
        review_datetime=card.due,
    )[0]
    plain_days = (plain.due - card.due).days
    for card_id in range(40):
        fuzzed = rate(card, 4, card.due, seed=review_seed(7, card_id, 2))
        days = (fuzzed.due - card.due).days
        assert abs(days - plain_days) <= max(3, plain_days * 0.1)


def test_the_fuzz_does_not_touch_the_global_random_state() -> None:
    import random

    random.seed(1)
    expected = random.random()
    random.seed(1)
    card = in_review()
    rate(card, 4, card.due)
    assert random.random() == expected


def test_review_seed_names_person_card_and_review_number() -> None:
    seeds = {review_seed(1, 2, 3), review_seed(1, 2, 4), review_seed(1, 3, 3), review_seed(2, 2, 3)}
    assert len(seeds) == 4
    # No collisions from digits running together: person 1 card 23 vs person 12 card 3.
    assert review_seed(1, 23, 0) != review_seed(12, 3, 0)


def test_it_reads_no_clock() -> None:
    # The same arguments give the same schedule however much later it is computed.
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    assert rate(None, 4, long_ago) == rate(None, 4, long_ago)
    assert rate(None, 4, long_ago).due == long_ago + timedelta(minutes=10)


def test_it_takes_now_in_any_time_zone() -> None:
    # The same instant in Tokyo: the same schedule, stored in UTC as fsrs requires.
    tokyo = NOW.astimezone(ZoneInfo("Asia/Tokyo"))
    assert rate(None, 5, tokyo) == rate(None, 5, NOW)
    assert rate(None, 5, tokyo).due.utcoffset() == timedelta(0)
    card = in_review()
    assert rate(card, 4, card.due.astimezone(ZoneInfo("UTC"))) == rate(card, 4, card.due)


@pytest.mark.parametrize("schedule", [rate(None, 3), in_review(), rate(in_review(), 1)])
def test_a_schedule_survives_a_json_round_trip(schedule: Schedule) -> None:
    data = json.loads(json.dumps(schedule.to_json()))
    assert Schedule.from_json(data) == schedule


def test_a_schedule_in_json_has_utc_times_and_nulls() -> None:
    data = rate(in_review(), 5).to_json()
    assert data["step"] is None
    assert data["due"].endswith("+00:00")
    restored = Schedule.from_json(data)
    assert restored.due.utcoffset() == timedelta(0)
    # fsrs insists on UTC times: a restored schedule can be reviewed again.
    rate(restored, 4, restored.due)


def test_a_schedule_keeps_microseconds_and_full_float_precision() -> None:
    schedule = Schedule(
        state=2,
        step=None,
        stability=0.1 + 0.2,
        difficulty=1 / 3,
        due=datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        last_review=None,
        reps=7,
        lapses=2,
        last_rating=4,
    )
    assert Schedule.from_json(json.loads(json.dumps(schedule.to_json()))) == schedule


def test_retrievability_falls_as_time_passes() -> None:
    card = in_review()
    soon = retrievability(card, card.last_review + timedelta(days=1))
    later = retrievability(card, card.last_review + timedelta(days=60))
    assert 0 < later < soon <= 1


def test_retrievability_of_a_card_never_seen_is_zero() -> None:
    assert retrievability(None, NOW) == 0.0


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=0), "1 min"),
        (timedelta(seconds=-30), "1 min"),
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=1), "1 min"),
        (timedelta(minutes=5, seconds=30), "6 min"),
        (timedelta(minutes=10), "10 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=3, minutes=10), "3 h"),
        (timedelta(hours=23), "23 h"),
        (timedelta(days=1), "1 d"),
        (timedelta(days=4), "4 d"),
        (timedelta(days=29), "29 d"),
        (timedelta(days=60), "2 mo"),
        (timedelta(days=364), "12 mo"),
        (timedelta(days=365), "1 y"),
        (timedelta(days=548), "1.5 y"),
        (timedelta(days=3650), "10 y"),
    ],
)
def test_format_interval(delta: timedelta, shown: str) -> None:
    assert format_interval(delta) == shown
