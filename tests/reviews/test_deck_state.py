"""Each person's DeckState (cards seen, where new cards begin) stays right
whatever writes the rows: ratings and undo through the site, staff adding,
moving and deleting cards, bulk loads, deletions that cascade. The triggers
that keep it run in the database, so these tests check it on SQLite and on
PostgreSQL against a count of the CardStates and a walk over every card.
"""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import (
    REVIEW,
    CardState,
    DeckState,
    Review,
    decks_with_queue_counts,
    first_new_card,
)

from .helpers import shown_card_id, study_next, study_url, text, undo_url


def first_unseen(user: User, deck: Deck) -> Card | None:
    """The first new card in deck order, found the slow way: every card looked at."""
    seen = set(CardState.objects.filter(user=user).values_list("card_id", flat=True))
    return next(
        (
            card
            for card in Card.objects.filter(deck=deck).order_by("position", "id")
            if card.pk not in seen
        ),
        None,
    )


def assert_right(user: User, deck: Deck) -> None:
    seen = CardState.objects.filter(user=user, deck=deck).count()
    row = DeckState.objects.filter(user=user, deck=deck).first()
    assert (row.seen if row else 0) == seen
    assert first_new_card(user=user, deck=deck) == first_unseen(user, deck)
    now = timezone.now()
    begun_today = Review.objects.filter(
        user=user, card__deck=deck, seq=0, day=now.astimezone(user.tzinfo()).date()
    ).count()
    counted = decks_with_queue_counts(user, now).get(pk=deck.pk)
    assert (counted.seen_count, counted.new_today) == (seen, begun_today)


def seen_on_page(client: Client, deck: Deck) -> int:
    """The "Seen n / m" the deck's page shows."""
    page = text(client.get(deck.get_absolute_url()))
    start = page.index("<dt>Seen</dt>")
    return int(page[start:].split("<dd>")[1].split(" /")[0])


def test_studying_new_cards_counts_them_and_moves_on(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    in_order = list(Card.objects.filter(deck=deck).order_by("position", "id"))
    for card in in_order[:5]:
        assert study_next(alice_client, deck, 4) == card
    state = DeckState.objects.get(user=alice, deck=deck)
    assert state.seen == 5
    assert state.new_from == in_order[5].position
    assert seen_on_page(alice_client, deck) == 5
    assert_right(alice, deck)


def test_undoing_a_first_rating_makes_the_card_new_again(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    first = study_next(alice_client, deck, 4)
    study_next(alice_client, deck, 4)
    alice_client.post(undo_url(deck))
    alice_client.post(undo_url(deck))
    assert DeckState.objects.get(user=alice, deck=deck).seen == 0
    assert shown_card_id(alice_client.get(study_url(deck))) == first.pk
    assert_right(alice, deck)


def test_a_card_staff_add_before_what_a_person_studied_is_new_to_them(
    alice_client: Client, staff_client: Client, alice: User, deck: Deck
) -> None:
    for _ in range(3):
        study_next(alice_client, deck, 4)
    response = staff_client.post(
        "/admin/decks/card/add/",
        {"deck": deck.pk, "question": "Added first?", "answer": "Yes", "position": 0},
    )
    assert response.status_code == 302
    added = Card.objects.get(question="Added first?")
    # Nothing of hers is due yet: the study page shows the new card placed first.
    assert shown_card_id(alice_client.get(study_url(deck))) == added.pk
    assert_right(alice, deck)


def test_cards_moved_and_deleted_keep_counts_and_order(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    studied = [study_next(alice_client, deck, 4) for _ in range(4)]
    unseen = first_unseen(alice, deck)
    last = Card.objects.filter(deck=deck).order_by("-position").first()
    # A card from the end placed first: new to her, and first.
    last.position = 0
    last.save()
    assert first_new_card(user=alice, deck=deck) == last
    # A seen card deleted: one fewer seen.
    studied[0].delete()
    assert DeckState.objects.get(user=alice, deck=deck).seen == 3
    assert seen_on_page(alice_client, deck) == 3
    assert_right(alice, deck)
    # A seen card moved to another deck takes its count along.
    other = Deck.objects.create(title="Other", slug="other")
    CardState.objects.filter(user=alice, card=studied[1]).update(deck=other)
    assert DeckState.objects.get(user=alice, deck=other).seen == 1
    assert DeckState.objects.get(user=alice, deck=deck).seen == 2
    assert unseen is not None


@pytest.mark.parametrize("seed", range(4))
def test_any_mix_of_writes_keeps_every_count_and_first_new_card(
    seed: int, alice: User, bob: User, deck: Deck
) -> None:
    """Random ratings, undos, bulk loads and staff edits, checked after each step."""
    rng = random.Random(seed)
    now = timezone.now()
    people = [alice, bob]

    def state_for(user: User, card: Card) -> CardState:
        return CardState(
            user=user,
            card=card,
            deck_id=card.deck_id,
            state=REVIEW,
            due=now + timedelta(days=1),
            reps=1,
        )

    def first_rating(user: User, card: Card) -> Review:
        # Today, or a history loaded after today's ratings (yesterday).
        when = now - timedelta(days=rng.choice([0, 0, 1]))
        return Review(
            user=user,
            card=card,
            seq=0,
            rating=4,
            reviewed_at=when,
            day=when.astimezone(user.tzinfo()).date(),
            after={},
        )

    def rate(user: User, card: Card) -> None:
        state_for(user, card).save()
        first_rating(user, card).save()

    for _ in range(50):
        cards = list(Card.objects.filter(deck=deck))
        user = rng.choice(people)
        seen = set(CardState.objects.filter(user=user).values_list("card_id", flat=True))
        step = rng.choice(["rate new", "rate any", "bulk", "undo", "add", "move", "delete"])
        if step == "rate new" and (card := first_new_card(user=user, deck=deck)):
            rate(user, card)
        elif step == "rate any" and (fresh := [c for c in cards if c.pk not in seen]):
            rate(user, rng.choice(fresh))
        elif step == "bulk" and (fresh := [c for c in cards if c.pk not in seen]):
            picked = rng.sample(fresh, min(len(fresh), rng.randint(1, 6)))
            CardState.objects.bulk_create(state_for(user, c) for c in picked)
            Review.objects.bulk_create(first_rating(user, c) for c in picked)
        elif step == "undo" and seen:
            card_id = rng.choice(sorted(seen))
            Review.objects.filter(user=user, card_id=card_id).delete()
            CardState.objects.filter(user=user, card_id=card_id).delete()
        elif step == "add":
            Card.objects.create(deck=deck, question="Q?", answer="A", position=rng.randint(0, 25))
        elif step == "move":
            card = rng.choice(cards)
            card.position = rng.randint(0, 25)
            card.save()
        elif step == "delete" and len(cards) > 1:
            rng.choice(cards).delete()
        for person in people:
            assert_right(person, deck)


def test_deleting_a_person_or_a_deck_deletes_their_rows(
    alice_client: Client, alice: User, bob: User, deck: Deck
) -> None:
    study_next(alice_client, deck, 4)
    assert DeckState.objects.filter(user=alice).exists()
    deck.delete()
    assert not DeckState.objects.exists()
    alice.delete()
    assert not DeckState.objects.exists()


def test_new_cards_today_count_first_ratings_of_the_local_day(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    for _ in range(3):
        study_next(alice_client, deck, 4)
    # A second rating of a card begun today is no new card.
    CardState.objects.filter(user=alice).update(due=timezone.now() - timedelta(minutes=1))
    study_next(alice_client, deck, 4)
    alice_client.post(undo_url(deck))
    alice_client.post(undo_url(deck))
    row = DeckState.objects.get(user=alice, deck=deck)
    assert (row.new_day, row.new_count) == (timezone.now().date(), 2)
    assert_right(alice, deck)
    # The next day starts again at none.
    tomorrow = timezone.now() + timedelta(days=1)
    assert decks_with_queue_counts(alice, tomorrow).get(pk=deck.pk).new_today == 0


def test_the_rows_are_recounted_and_kept_after_every_migrate(
    alice_client: Client, alice: User, deck: Deck
) -> None:
    """The triggers are made afresh at each `migrate` (reviews/triggers.py): counts
    written by anything while they were away come out right, and they keep working."""
    for _ in range(3):
        study_next(alice_client, deck, 4)
    DeckState.objects.update(seen=99, new_from=0, new_count=0)
    call_command("migrate", verbosity=0)
    row = DeckState.objects.get(user=alice, deck=deck)
    assert (row.seen, row.new_count) == (3, 3)
    study_next(alice_client, deck, 4)
    assert DeckState.objects.get(user=alice, deck=deck).seen == 4
    assert_right(alice, deck)
