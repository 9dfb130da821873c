"""Rating a card: POST /decks/<slug>/study/<card_id>/rate/ records it and shows the next card."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import LEARNING, RELEARNING, REVIEW, CardState, Review, record_review
from reviews.scheduling import Schedule, next_schedule, review_seed

from .helpers import (
    CARD_FIELDS,
    flip_and_rate,
    left_today,
    put_state,
    rate_url,
    shown_question,
    state_fields,
    study_url,
    text,
)

STUDY = "/decks/fine-tuning-flashcards/study/"


def nothing_written() -> bool:
    return not Review.objects.exists() and not CardState.objects.exists()


def test_it_records_the_rating_and_redirects_to_the_study_page(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    response = alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0})
    assert response.status_code == 303
    assert response["Location"] == STUDY
    review = Review.objects.get()
    assert (review.user, review.card, review.rating) == (alice, cards[0], 4)


def test_the_redirect_shows_the_next_question(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0}, follow=True)
    assert response.redirect_chain == [(STUDY, 303)]
    assert shown_question(response) == "Advantage to distilled models?"
    assert left_today(response) == 19


def test_it_returns_the_next_card_partial_for_htmx(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(
        rate_url(cards[0]), {"rating": 4, "reps": 0}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert shown_question(response) == "Advantage to distilled models?"
    assert "HX-Request" in response["Vary"]
    # The progress line beside the card is swapped out of band, already counted down.
    assert 'id="queue-progress" class="queue-progress" hx-swap-oob="true"' in html
    assert left_today(response) == 19
    assert Review.objects.count() == 1


def test_keep_studying_survives_the_redirect(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0, "more": "1"})
    assert response.status_code == 303
    assert response["Location"] == f"{STUDY}?more=1"


def test_rating_1_brings_a_new_card_back_within_10_minutes(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    before = timezone.now()
    flip_and_rate(alice_client, cards[0], 1)
    state = CardState.objects.get(user=alice, card=cards[0])
    assert before < state.due <= timezone.now() + timedelta(minutes=10)
    assert state.state == LEARNING


def test_rating_5_on_a_new_card_schedules_it_days_away(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 5)
    state = CardState.objects.get(user=alice, card=cards[0])
    assert state.due - timezone.now() > timedelta(days=2)
    assert state.state == REVIEW


def test_it_stores_the_rating_and_the_schedule_before_and_after(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 3)
    flip_and_rate(alice_client, cards[0], 2)
    first, second = Review.objects.filter(user=alice).order_by("seq")
    assert (first.seq, first.rating, second.seq, second.rating) == (0, 3, 1, 2)
    # A new card has no schedule before its first rating.
    assert first.before is None
    # Each review's "before" is the previous one's "after": the log chains.
    assert second.before == first.after
    state = CardState.objects.get(user=alice, card=cards[0])
    assert Schedule.from_json(second.after) == state.schedule
    assert first.reviewed_at <= second.reviewed_at
    assert second.reviewed_at == state.last_review


def test_it_updates_every_field_of_the_card_state(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 5)
    first = state_fields(alice, cards[0])
    assert first["state"] == REVIEW
    assert first["step"] is None
    assert first["reps"] == 1
    assert first["lapses"] == 0
    assert first["last_rating"] == 5
    # Forgetting a card in review is a lapse: it goes back to relearning.
    flip_and_rate(alice_client, cards[0], 1)
    second = state_fields(alice, cards[0])
    assert second["state"] == RELEARNING
    assert second["step"] == 0
    assert second["reps"] == 2
    assert second["lapses"] == 1
    assert second["last_rating"] == 1
    assert second["stability"] < first["stability"]
    assert second["difficulty"] > first["difficulty"]
    assert second["due"] < first["due"]
    assert second["last_review"] > first["last_review"]


def test_again_on_a_card_still_in_learning_is_no_lapse(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    flip_and_rate(alice_client, cards[0], 2)
    state = CardState.objects.get(user=alice, card=cards[0])
    assert (state.state, state.lapses) == (LEARNING, 0)


def test_it_denormalises_the_deck_on_the_card_state(
    alice_client: Client, alice: User, cards: list[Card], deck: Deck
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    assert CardState.objects.get(user=alice).deck == deck


def test_replaying_a_persons_reviews_gives_exactly_the_stored_state(
    alice_client: Client, alice: User, bob: User, cards: list[Card]
) -> None:
    """Every review is recomputed from the log alone: rating, time and seed."""
    alice.desired_retention = 0.85
    alice.save()
    rng = random.Random(2)
    now = timezone.now() - timedelta(days=400)
    # A year of study, each card reviewed when due, so intervals grow into fuzzed weeks.
    for _ in range(60):
        for card in cards[:5]:
            state = CardState.objects.filter(user=alice, card=card).first()
            if state is not None and state.due > now:
                continue
            record_review(
                user=alice,
                card=card,
                rating=rng.choice([1, 2, 3, 4, 4, 4, 5]),
                now=now,
                shown_reps=state.reps if state else 0,
            )
        now += timedelta(days=rng.uniform(0.5, 12))
    # ...and today's ratings through the site; bob's interleaved ones must not matter.
    for card in cards[:3]:
        flip_and_rate(alice_client, card, 3)
        record_review(user=bob, card=card, rating=1, now=timezone.now(), shown_reps=0)

    replayed: dict[int, Schedule] = {}
    reviews = Review.objects.filter(user=alice).order_by("card_id", "seq")
    # How many depends on the fuzz, hence on the ids in the seeds; never fewer than this.
    per_card = Counter(reviews.values_list("card_id", flat=True))
    assert len(per_card) == 5
    assert min(per_card.values()) >= 2
    for review in reviews:
        before = replayed.get(review.card_id)
        assert review.before == (before.to_json() if before else None)
        replayed[review.card_id] = next_schedule(
            before,
            review.rating,
            review.reviewed_at,
            desired_retention=alice.desired_retention,
            seed=review_seed(alice.pk, review.card_id, review.seq),
        )
        assert review.after == replayed[review.card_id].to_json()
    states = CardState.objects.filter(user=alice)
    assert {state.card_id: state.schedule for state in states} == replayed
    # The history really reached review intervals beyond the fuzz threshold.
    assert any(s.due - s.last_review > timedelta(days=20) for s in replayed.values())


def test_a_double_submit_records_one_review(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    form = {"rating": 4, "reps": 0}
    first = alice_client.post(rate_url(cards[0]), form)
    after_first = state_fields(alice, cards[0])
    second = alice_client.post(rate_url(cards[0]), form)
    # Both look the same to the person: the next card.
    assert first.status_code == second.status_code == 303
    assert Review.objects.count() == 1
    assert state_fields(alice, cards[0]) == after_first


def test_a_double_submit_with_htmx_records_one_review(
    alice_client: Client, cards: list[Card]
) -> None:
    form = {"rating": 5, "reps": 0}
    alice_client.post(rate_url(cards[0]), form, headers={"HX-Request": "true"})
    response = alice_client.post(rate_url(cards[0]), form, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert shown_question(response) == "Advantage to distilled models?"
    assert left_today(response) == 19
    assert Review.objects.count() == 1


def test_a_racing_duplicate_meets_the_unique_constraint(alice: User, cards: list[Card]) -> None:
    # The other request's review is in, its state not yet visible: the insert must fail.
    now = timezone.now()
    after = next_schedule(None, 4, now, desired_retention=0.9, seed="race")
    Review.objects.create(
        user=alice,
        card=cards[0],
        seq=0,
        rating=4,
        reviewed_at=now,
        day=now.date(),
        after=after.to_json(),
    )
    assert record_review(user=alice, card=cards[0], rating=1, now=now, shown_reps=0) is None
    assert Review.objects.count() == 1
    assert not CardState.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_the_database_refuses_a_rating_outside_1_to_5(
    alice: User, cards: list[Card], rating: int
) -> None:
    now = timezone.now()
    after = next_schedule(None, 4, now, desired_retention=0.9, seed="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            user=alice,
            card=cards[0],
            seq=0,
            rating=rating,
            reviewed_at=now,
            day=now.date(),
            after=after.to_json(),
        )


@pytest.mark.parametrize(
    "rating", ["0", "6", "-1", "abc", "3.5", "", " ", "99999999999999999999999", "1e0", "4x"]
)
def test_it_rejects_a_rating_that_is_not_1_to_5(
    alice_client: Client, cards: list[Card], rating: str
) -> None:
    response = alice_client.post(rate_url(cards[0]), {"rating": rating, "reps": 0})
    assert response.status_code == 400
    assert "A rating is a whole number from 1 (Not at all) to 5 (Perfectly)." in text(response)
    assert nothing_written()


def test_it_rejects_a_missing_rating(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(rate_url(cards[0]), {"reps": 0})
    assert response.status_code == 400
    assert nothing_written()


def test_it_rejects_rating_6_with_htmx(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(
        rate_url(cards[0]), {"rating": 6, "reps": 0}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert nothing_written()


@pytest.mark.parametrize("reps", [None, "", "abc", "-1", "1.5", str(2**31)])
def test_it_rejects_a_missing_or_bad_showing_count(
    alice_client: Client, cards: list[Card], reps: str | None
) -> None:
    form = {"rating": 4} if reps is None else {"rating": 4, "reps": reps}
    response = alice_client.post(rate_url(cards[0]), form)
    assert response.status_code == 400
    assert nothing_written()


def test_it_rejects_a_bad_shown_time(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0, "shown": "soon"})
    assert response.status_code == 400
    assert nothing_written()


def test_it_records_how_long_the_answer_took(alice_client: Client, cards: list[Card]) -> None:
    shown = int((timezone.now() - timedelta(seconds=7)).timestamp() * 1000)
    alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0, "shown": shown})
    duration = Review.objects.get().duration_ms
    assert 7000 <= duration < 7000 + 60_000


def test_a_card_left_open_for_an_hour_counts_five_minutes(
    alice_client: Client, cards: list[Card]
) -> None:
    shown = int((timezone.now() - timedelta(hours=1)).timestamp() * 1000)
    alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0, "shown": shown})
    assert Review.objects.get().duration_ms == 5 * 60 * 1000


def test_a_shown_time_in_the_future_records_no_duration(
    alice_client: Client, cards: list[Card]
) -> None:
    shown = int((timezone.now() + timedelta(hours=1)).timestamp() * 1000)
    alice_client.post(rate_url(cards[0]), {"rating": 4, "reps": 0, "shown": shown})
    assert Review.objects.get().duration_ms is None


def test_it_404s_for_another_deck(alice_client: Client, deck: Deck, other_card: Card) -> None:
    response = alice_client.post(
        f"/decks/{deck.slug}/study/{other_card.pk}/rate/", {"rating": 4, "reps": 0}
    )
    assert response.status_code == 404
    assert nothing_written()


def test_it_404s_for_an_unknown_card(alice_client: Client, deck: Deck) -> None:
    response = alice_client.post(f"/decks/{deck.slug}/study/999999/rate/", {"rating": 4, "reps": 0})
    assert response.status_code == 404
    assert nothing_written()


def test_it_404s_for_an_unpublished_deck(alice_client: Client, hidden_card: Card) -> None:
    response = alice_client.post(rate_url(hidden_card), {"rating": 4, "reps": 0})
    assert response.status_code == 404
    assert nothing_written()


def test_it_404s_for_an_unpublished_deck_with_htmx(alice_client: Client, hidden_card: Card) -> None:
    response = alice_client.post(
        rate_url(hidden_card), {"rating": 4, "reps": 0}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert nothing_written()


def test_it_requires_a_csrf_token(alice: User, cards: list[Card]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(rate_url(cards[0]), {"rating": 4, "reps": 0})
    assert response.status_code == 403
    assert nothing_written()


def test_it_accepts_the_csrf_token_the_page_gave(alice: User, cards: list[Card]) -> None:
    # The counterpart of the 403 above: the same strict client, with the form's token, gets in.
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(STUDY)
    token = client.cookies["csrftoken"].value
    response = client.post(
        rate_url(cards[0]), {"rating": 4, "reps": 0, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303
    assert Review.objects.count() == 1


def test_it_rejects_get(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.get(rate_url(cards[0]), {"rating": 4, "reps": 0})
    assert response.status_code == 405
    assert nothing_written()


def test_it_requires_login(client: Client, cards: list[Card]) -> None:
    url = rate_url(cards[0])
    response = client.post(url, {"rating": 4, "reps": 0})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    assert nothing_written()


def test_a_persons_ratings_never_show_up_for_another(
    alice_client: Client, bob_client: Client, alice: User, bob: User, cards: list[Card]
) -> None:
    for card in cards[:4]:
        flip_and_rate(alice_client, card, 1)
    response = bob_client.get(STUDY)
    assert left_today(response) == 20
    assert shown_question(response) == "What is Model Distillation?"
    # Bob rates the same first card: his first review of it, on a schedule of his own.
    flip_and_rate(bob_client, cards[0], 5)
    bob_state = CardState.objects.get(user=bob, card=cards[0])
    assert (bob_state.reps, bob_state.last_rating, bob_state.state) == (1, 5, REVIEW)
    alice_state = CardState.objects.get(user=alice, card=cards[0])
    assert (alice_state.reps, alice_state.last_rating, alice_state.state) == (1, 1, LEARNING)
    assert Review.objects.filter(user=bob).count() == 1
    assert Review.objects.filter(user=alice).count() == 4


def test_a_rating_of_a_due_review_card_reschedules_it(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    now = timezone.now()
    put_state(
        alice,
        cards[7],
        state=REVIEW,
        due=now - timedelta(days=1),
        last_review=now - timedelta(days=11),
        stability=10.0,
    )
    response = alice_client.get(STUDY)
    assert shown_question(response) == cards[7].question
    flip_and_rate(alice_client, cards[7], 4)
    state = CardState.objects.get(user=alice, card=cards[7])
    assert state.due > now + timedelta(days=10)
    assert state.reps == 4
    review = Review.objects.get(user=alice)
    assert review.seq == 3
    assert Schedule.from_json(review.before).due == now - timedelta(days=1)


def test_all_card_state_fields_are_written(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 3)
    fields = state_fields(alice, cards[0])
    assert set(fields) == set(CARD_FIELDS)
    # A learning card has every field but none of them blank.
    assert all(value is not None for value in fields.values())


def test_the_next_study_page_skips_the_rated_card(
    alice_client: Client, cards: list[Card], deck: Deck
) -> None:
    flip_and_rate(alice_client, cards[0], 1)
    assert shown_question(alice_client.get(study_url(deck))) == cards[1].question
