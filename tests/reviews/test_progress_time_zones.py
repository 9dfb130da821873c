"""Days are the person's local days: "today", streaks and the per-day charts follow
`User.time_zone`, across midnight and across daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from decks.models import Card, Deck
from reviews.progress import Streaks, progress

from .progress_page import chart_table, deck_cards, figures, parse, rate

pytestmark = pytest.mark.django_db

DECK_PAGE = "/progress/fine-tuning-flashcards/"
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def cards(deck: Deck) -> list[Card]:
    return deck_cards(deck)


def reviews_per_day(page) -> dict[str, str]:
    """The days with reviews in the "Reviews per day" chart's data table."""
    table = chart_table(page, "Reviews per day, last 90 days")
    return {day: n for day, n in table.items() if n != "0"}


def calendar_days(page) -> dict[str, str]:
    return chart_table(page, "Reviews per day over the last year")


def local(day: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=tz)


# Wednesday 18 June 2025, noon in New York (EDT, UTC−4).
NY_NOW = datetime(2025, 6, 18, 16, 0, tzinfo=UTC)


def rate_around_midnight_in_new_york(alice, cards) -> None:
    """One rating at 23:30 on the 17th in New York (03:30 UTC on the 18th),
    one at 00:30 on the 18th (04:30 UTC)."""
    first = rate(alice, cards[0], 4, datetime(2025, 6, 18, 3, 30, tzinfo=UTC))
    second = rate(alice, cards[1], 4, datetime(2025, 6, 18, 4, 30, tzinfo=UTC))
    assert first.reviewed_at.astimezone(NEW_YORK).isoformat() == "2025-06-17T23:30:00-04:00"
    assert second.reviewed_at.astimezone(NEW_YORK).isoformat() == "2025-06-18T00:30:00-04:00"


@pytest.fixture
def around_midnight_in_new_york(alice, cards):
    """Alice lives in New York and rates around her midnight."""
    alice.time_zone = "America/New_York"
    alice.save()
    rate_around_midnight_in_new_york(alice, cards)


@pytest.fixture
def around_midnight_in_utc(alice, cards):
    """The same moments, rated by Alice while her time zone is UTC."""
    rate_around_midnight_in_new_york(alice, cards)


def test_a_review_at_23_30_local_counts_to_that_local_day(
    alice, alice_client, around_midnight_in_new_york, time_machine
):
    time_machine.move_to(NY_NOW, tick=False)

    page = parse(alice_client.get(DECK_PAGE))

    shown = figures(page)
    assert shown["Reviews today"] == "1"
    assert shown["Current streak"] == "2 days"
    assert shown["Total reviews"] == "2"
    assert reviews_per_day(page) == {"2025-06-17": "1", "2025-06-18": "1"}
    assert calendar_days(page) == {"2025-06-17": "1", "2025-06-18": "1"}


def test_the_same_reviews_in_utc_fall_on_one_day(
    alice, alice_client, around_midnight_in_utc, time_machine
):
    time_machine.move_to(NY_NOW, tick=False)

    page = parse(alice_client.get(DECK_PAGE))

    shown = figures(page)
    assert shown["Reviews today"] == "2"
    assert shown["Current streak"] == "1 day"
    assert reviews_per_day(page) == {"2025-06-18": "2"}


def test_a_review_keeps_its_day_when_the_time_zone_changes(
    alice, alice_client, around_midnight_in_new_york, time_machine
):
    """A day is the person's date when they rated: moving to UTC later does not
    move past reviews to other days or break the streak they made."""
    alice.time_zone = "UTC"
    alice.save()
    time_machine.move_to(NY_NOW, tick=False)

    page = parse(alice_client.get(DECK_PAGE))

    assert reviews_per_day(page) == {"2025-06-17": "1", "2025-06-18": "1"}
    assert figures(page)["Current streak"] == "2 days"


def test_today_starts_at_local_midnight(alice, around_midnight_in_new_york):
    """At 00:45 on the 18th in New York (04:45 UTC) the 23:30 review is yesterday's."""
    p = progress(user=alice, deck=None, now=datetime(2025, 6, 18, 4, 45, tzinfo=UTC))
    assert p.reviews_today == 1
    assert p.streaks == Streaks(current=2, longest=2)
    assert [(d.day, d.reviews) for d in p.days] == [(date(2025, 6, 17), 1), (date(2025, 6, 18), 1)]


def berlin_nights(cards, alice, first: date, last: date) -> None:
    """A rating at 23:30 Berlin time every evening from `first` to `last`."""
    day, i = first, 0
    while day <= last:
        rate(alice, cards[i % len(cards)], 4, local(day, 23, 30, BERLIN))
        day += timedelta(days=1)
        i += 1


def test_a_streak_runs_across_the_spring_dst_change(alice, alice_client, cards, time_machine):
    """Clocks in Berlin went from 02:00 to 03:00 on Sunday 30 March 2025. Evenings at
    23:30 from 26 March to 1 April are 22:30 UTC before the change and 21:30 UTC after;
    each is its own local day, and so is 00:30 on 2 April (22:30 UTC on the 1st)."""
    alice.time_zone = "Europe/Berlin"
    alice.save()
    berlin_nights(cards, alice, date(2025, 3, 26), date(2025, 4, 1))
    rate(alice, cards[19], 3, local(date(2025, 4, 2), 0, 30, BERLIN))
    now = local(date(2025, 4, 2), 12, 0, BERLIN)

    p = progress(user=alice, deck=None, now=now)
    assert p.streaks == Streaks(current=8, longest=8)
    assert p.reviews_today == 1

    time_machine.move_to(now, tick=False)
    page = parse(alice_client.get(DECK_PAGE))
    shown = figures(page)
    assert shown["Current streak"] == "8 days"
    assert shown["Longest streak"] == "8 days"
    assert shown["Reviews today"] == "1"
    expected = {f"2025-03-{d}": "1" for d in range(26, 32)} | {
        "2025-04-01": "1",
        "2025-04-02": "1",
    }
    assert reviews_per_day(page) == expected
    assert calendar_days(page) == expected


def test_a_streak_runs_across_the_autumn_dst_change(alice, alice_client, cards, time_machine):
    """Clocks in Berlin went from 03:00 back to 02:00 on Sunday 26 October 2025, a
    25-hour day. Ratings at 00:30 and 23:30 local every day from 22 to 28 October, and
    00:30 on the 29th: two a day, one today, a streak of 8."""
    alice.time_zone = "Europe/Berlin"
    alice.save()
    day, i = date(2025, 10, 22), 0
    while day <= date(2025, 10, 29):
        rate(alice, cards[i % 20], 4, local(day, 0, 30, BERLIN))
        if day < date(2025, 10, 29):
            rate(alice, cards[(i + 10) % 20], 4, local(day, 23, 30, BERLIN))
        day += timedelta(days=1)
        i += 1
    # The repeated hour: 02:30 CEST and 02:30 CET are both Sunday the 26th.
    rate(alice, cards[0], 5, datetime(2025, 10, 26, 0, 30, tzinfo=UTC))
    rate(alice, cards[1], 5, datetime(2025, 10, 26, 1, 30, tzinfo=UTC))
    now = local(date(2025, 10, 29), 12, 0, BERLIN)

    time_machine.move_to(now, tick=False)
    page = parse(alice_client.get(DECK_PAGE))

    shown = figures(page)
    assert shown["Current streak"] == "8 days"
    assert shown["Reviews today"] == "1"
    assert shown["Total reviews"] == "17"
    assert reviews_per_day(page) == {
        "2025-10-22": "2",
        "2025-10-23": "2",
        "2025-10-24": "2",
        "2025-10-25": "2",
        "2025-10-26": "4",
        "2025-10-27": "2",
        "2025-10-28": "2",
        "2025-10-29": "1",
    }


def test_the_due_forecast_uses_local_days(alice, cards):
    """Rated 5 at 02:00 UTC, a new card comes due some days later at 02:00 UTC: the
    evening before, in New York."""
    rate(alice, cards[0], 5, datetime(2025, 6, 18, 2, 0, tzinfo=UTC))
    due = alice.card_states.get().due
    assert (due.hour, due.minute) == (2, 0)

    alice.time_zone = "America/New_York"
    in_new_york = dict(progress(user=alice, deck=None, now=NY_NOW).forecast)
    alice.time_zone = "UTC"
    in_utc = dict(progress(user=alice, deck=None, now=NY_NOW).forecast)

    assert in_utc[due.date()] == 1
    assert in_utc[due.date() - timedelta(days=1)] == 0
    assert in_new_york[due.date() - timedelta(days=1)] == 1
    assert in_new_york[due.date()] == 0
