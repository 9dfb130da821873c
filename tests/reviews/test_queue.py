"""The study queue of DESIGN.md, as the study page walks it.

Due (re)learning cards first, then due review cards most overdue first, then
new cards in deck order up to the person's daily limit (per local day); when
nothing is due the page says when the next card is, and "Keep studying"
offers the cards with the lowest recall first.
"""

import zoneinfo
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import LEARNING, RELEARNING, REVIEW, CardState, Review, record_review

from .helpers import (
    answer_url,
    hidden_value,
    left_today,
    put_state,
    rate_url,
    shown_card_id,
    shown_question,
    study_next,
    text,
)

STUDY = "/decks/fine-tuning-flashcards/study/"
MORE = STUDY + "?more=1"


def test_it_walks_the_queue_in_the_order_of_design_md(
    alice_client: Client, alice: User, cards: list[Card], deck: Deck
) -> None:
    now = timezone.now()
    hour, day = timedelta(hours=1), timedelta(days=1)
    put_state(alice, cards[12], state=REVIEW, due=now - day, last_review=now - 6 * day)
    put_state(alice, cards[13], state=REVIEW, due=now - 10 * day, last_review=now - 20 * day)
    put_state(alice, cards[10], state=LEARNING, step=1, due=now - hour, last_review=now - hour)
    put_state(alice, cards[11], state=RELEARNING, step=0, due=now - 0.1 * hour, last_review=now)
    # Seen but not due yet: not in today's queue.
    put_state(alice, cards[14], state=REVIEW, due=now + 2 * day, last_review=now - day)
    put_state(alice, cards[15], state=LEARNING, step=0, due=now + 0.1 * hour, last_review=now)

    assert left_today(alice_client.get(STUDY)) == 4 + 14
    studied = [study_next(alice_client, deck, 4) for _ in range(8)]
    expected = [
        cards[10],  # learning, due an hour ago
        cards[11],  # relearning, due six minutes ago
        cards[13],  # review, ten days overdue
        cards[12],  # review, one day overdue
        cards[0],  # then new cards, in deck order
        cards[1],
        cards[2],
        cards[3],
    ]
    assert [card.question for card in studied] == [card.question for card in expected]
    assert left_today(alice_client.get(STUDY)) == 14 - 4


def test_learning_and_relearning_cards_share_the_front_ordered_by_due(
    alice_client: Client, alice: User, cards: list[Card], deck: Deck
) -> None:
    now = timezone.now()
    put_state(alice, cards[5], state=REVIEW, due=now - timedelta(days=30), last_review=now)
    put_state(
        alice, cards[6], state=RELEARNING, step=0, due=now - timedelta(minutes=3), last_review=now
    )
    put_state(
        alice, cards[7], state=LEARNING, step=0, due=now - timedelta(minutes=9), last_review=now
    )
    studied = [study_next(alice_client, deck, 5) for _ in range(3)]
    assert studied == [cards[7], cards[6], cards[5]]


def test_new_cards_come_in_deck_order_not_creation_order(
    alice_client: Client, cards: list[Card], deck: Deck
) -> None:
    # Staff moved the last card to the front of the deck.
    Card.objects.filter(pk=cards[19].pk).update(position=0)
    assert shown_question(alice_client.get(STUDY)) == cards[19].question
    study_next(alice_client, deck, 5)
    assert shown_question(alice_client.get(STUDY)) == cards[0].question


def test_cards_not_yet_due_wait(
    alice_client: Client, alice: User, cards: list[Card], deck: Deck
) -> None:
    now = timezone.now()
    put_state(alice, cards[0], state=REVIEW, due=now + timedelta(minutes=1), last_review=now)
    response = alice_client.get(STUDY)
    assert shown_question(response) == cards[1].question
    assert "(0 due, 19 new)" in text(response)


def test_new_cards_stop_at_the_daily_limit(alice_client: Client, alice: User, deck: Deck) -> None:
    alice.new_cards_per_day = 2
    alice.save()
    response = alice_client.get(STUDY)
    assert left_today(response) == 2
    assert "(0 due, 2 new)" in text(response)
    study_next(alice_client, deck, 5)
    assert left_today(alice_client.get(STUDY)) == 1
    study_next(alice_client, deck, 5)

    response = alice_client.get(STUDY)
    html = text(response)
    assert "All caught up" in html
    assert "Show answer" not in html
    # Both cards were rated Easy: the first comes back in about a week.
    assert "The next card comes back in" in html
    assert "\xa0day" in html or "\xa0week" in html
    assert f'href="{MORE}"' in html
    assert Review.objects.filter(user=alice).count() == 2


def test_due_cards_still_come_after_the_new_card_limit(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    alice.new_cards_per_day = 0
    alice.save()
    now = timezone.now()
    put_state(alice, cards[9], state=REVIEW, due=now - timedelta(days=2), last_review=now)
    response = alice_client.get(STUDY)
    assert shown_question(response) == cards[9].question
    assert "(1 due, 0 new)" in text(response)


def test_the_limit_is_per_deck(
    alice_client: Client, alice: User, deck: Deck, other_deck: Deck
) -> None:
    alice.new_cards_per_day = 1
    alice.save()
    study_next(alice_client, deck, 5)
    response = alice_client.get(f"/decks/{other_deck.slug}/study/")
    assert shown_question(response) == "Capital of Peru?"


def a_zone_away_from_utc(now: datetime, *, east: bool) -> str:
    """A fixed-offset zone (hours east or west of UTC) where it is now past 1 a.m.
    and before 11 p.m., so both sides of its last midnight lie in the past."""
    for hours in range(1, 13):
        # IANA's Etc/GMT-N is N hours *east* of Greenwich.
        name = f"Etc/GMT{'-' if east else '+'}{hours}"
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        if 1 <= local.hour < 23:
            return name
    raise AssertionError("unreachable: twelve consecutive offsets cover every hour")


def started_new_cards_around_local_midnight(alice: User, cards: list[Card], zone: str) -> None:
    """Alice began one new card a minute before her local midnight, one a minute after."""
    alice.time_zone = zone
    alice.new_cards_per_day = 2
    alice.save()
    midnight = alice.start_of_day(timezone.now())
    assert midnight.utcoffset() != timedelta(0)
    # Easy: neither card is due again for days, so only the new-card count matters.
    for card, when in (
        (cards[0], midnight - timedelta(minutes=1)),
        (cards[1], midnight + timedelta(minutes=1)),
    ):
        record_review(
            user=alice,
            card=card,
            rating=5,
            now=when,  # an aware time in her own zone, as a caller may well pass
            shown_reps=0,
        )


def test_the_new_card_limit_resets_at_local_midnight_east_of_utc(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    started_new_cards_around_local_midnight(
        alice, cards, a_zone_away_from_utc(timezone.now(), east=True)
    )
    # Counted in UTC days, both cards would fall on one day: 0 or 2 new left, never 1.
    response = alice_client.get(STUDY)
    assert "(0 due, 1 new)" in text(response)
    assert shown_question(response) == cards[2].question
    study_next(alice_client, Deck.objects.get(), 5)
    assert "All caught up" in text(alice_client.get(STUDY))


def test_the_new_card_limit_resets_at_local_midnight_west_of_utc(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    started_new_cards_around_local_midnight(
        alice, cards, a_zone_away_from_utc(timezone.now(), east=False)
    )
    response = alice_client.get(STUDY)
    assert "(0 due, 1 new)" in text(response)
    assert left_today(response) == 1


def test_the_start_of_a_local_day_is_local_midnight(alice: User) -> None:
    alice.time_zone = "America/New_York"
    # 03:00 UTC on 2 July is 23:00 on 1 July in New York (EDT, UTC-4).
    now = datetime(2025, 7, 2, 3, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert alice.start_of_day(now) == datetime(2025, 7, 1, 4, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert alice.start_of_next_day(now) == datetime(
        2025, 7, 2, 4, 0, tzinfo=zoneinfo.ZoneInfo("UTC")
    )


def test_with_nothing_due_it_says_when_the_next_card_is_due(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    alice.new_cards_per_day = 0
    alice.save()
    now = timezone.now()
    put_state(alice, cards[0], state=REVIEW, due=now + timedelta(days=9), last_review=now)
    put_state(
        alice,
        cards[1],
        state=REVIEW,
        due=now + timedelta(days=3, hours=2, minutes=30),
        last_review=now,
    )
    # A card in learning comes first when due, but the soonest due is the review card.
    put_state(alice, cards[2], state=LEARNING, step=1, due=now + timedelta(days=5), last_review=now)
    response = alice_client.get(STUDY)
    html = text(response)
    assert "All caught up" in html
    assert "Nothing is due in this deck. The next card comes back in" in html
    assert "<strong>3\xa0days, 2\xa0hours</strong>" in html
    assert "Keep studying" in html


def with_keep_studying(client: Client) -> Card:
    """Take the card "Keep studying" offers, flip it and rate it 3, as the page's forms do."""
    page = client.get(MORE)
    assert "Extra practice" in text(page)
    card = Card.objects.select_related("deck").get(pk=shown_card_id(page))
    answer = client.get(answer_url(card) + "?more=1")
    assert hidden_value(answer, "more") == "1"
    response = client.post(
        rate_url(card),
        {"rating": 3, "reps": hidden_value(answer, "reps"), "more": hidden_value(answer, "more")},
    )
    assert response.status_code == 303
    assert response["Location"] == MORE
    return card


def test_keep_studying_offers_the_lowest_recall_first(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    alice.new_cards_per_day = 0
    alice.save()
    now, day = timezone.now(), timedelta(days=1)
    # Recall now: cards[8] lowest, then cards[5], then cards[3] — the reverse of
    # deck order and of due order, so neither of those can pass for it.
    put_state(
        alice, cards[3], state=REVIEW, stability=100.0, last_review=now - 2 * day, due=now + day
    )
    put_state(
        alice, cards[5], state=REVIEW, stability=20.0, last_review=now - 5 * day, due=now + 10 * day
    )
    put_state(
        alice, cards[8], state=REVIEW, stability=2.0, last_review=now - 10 * day, due=now + 90 * day
    )
    assert "All caught up" in text(alice_client.get(STUDY))

    studied = [with_keep_studying(alice_client) for _ in range(3)]
    assert studied == [cards[8], cards[5], cards[3]]


def test_keep_studying_moves_on_when_every_card_was_reviewed_today(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    # FSRS counts whole days: all three cards tie at 100 % recall. The card
    # just rated must not be offered again straight away.
    alice.new_cards_per_day = 3
    alice.save()
    first_three = [study_next(alice_client, deck, 5) for _ in range(3)]
    studied = [with_keep_studying(alice_client) for _ in range(4)]
    assert studied == [*first_three, first_three[0]]


def test_keep_studying_ratings_count_and_reschedule(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    alice.new_cards_per_day = 0
    alice.save()
    now = timezone.now()
    old = put_state(
        alice,
        cards[4],
        state=REVIEW,
        stability=3.0,
        last_review=now - timedelta(days=2),
        due=now + timedelta(days=1),
    )
    with_keep_studying(alice_client)
    review = Review.objects.get(user=alice)
    assert (review.card, review.rating, review.seq) == (cards[4], 3, old.reps)
    state = CardState.objects.get(pk=old.pk)
    assert state.reps == old.reps + 1
    assert state.last_rating == 3
    assert state.last_review > old.last_review
    assert state.due != old.due


def test_keep_studying_still_puts_due_cards_first(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    now = timezone.now()
    put_state(
        alice,
        cards[6],
        state=REVIEW,
        due=now - timedelta(hours=1),
        last_review=now - timedelta(days=5),
    )
    assert shown_question(alice_client.get(MORE)) == cards[6].question


def test_keep_studying_with_nothing_seen_offers_new_cards(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    alice.new_cards_per_day = 0
    alice.save()
    assert "All caught up" in text(alice_client.get(STUDY))
    assert shown_question(alice_client.get(MORE)) == cards[0].question


def test_another_persons_due_cards_are_not_in_my_queue(
    alice_client: Client, bob: User, cards: list[Card]
) -> None:
    now = timezone.now()
    put_state(
        bob,
        cards[17],
        state=REVIEW,
        due=now - timedelta(days=3),
        last_review=now - timedelta(days=9),
    )
    response = alice_client.get(STUDY)
    assert shown_question(response) == cards[0].question
    assert "(0 due, 20 new)" in text(response)
