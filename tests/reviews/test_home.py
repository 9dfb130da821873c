"""Home `/` for a signed-in person: each published deck with cards due now, new
cards left today, mastery and a Study button; for a visitor, what the site is."""

import pytest
from django.test import Client

from decks.models import Card, Deck

from .progress_page import NOW, build_history, days_ago, deck_cards, parse, rate

pytestmark = pytest.mark.django_db


def tiles(client: Client) -> dict[str, dict]:
    """Deck title → what its tile shows."""
    page = parse(client.get("/"))
    shown = {}
    for tile in page.find_all("li", "deck-tile"):
        stats = {div.find("dt").text: div.find("dd").text for div in tile.find_all("div")}
        button = tile.find("a", "button")
        stats["study"] = (button.text, button.attrs["href"])
        stats["meter"] = tile.find("progress").attrs["value"]
        shown[tile.find("h2").text] = stats
    return shown


@pytest.fixture
def capitals(db) -> Deck:
    deck = Deck.objects.create(title="Capitals", slug="capitals")
    Card.objects.create(deck=deck, position=1, question="Capital of Peru?", answer="Lima")
    Card.objects.create(deck=deck, position=2, question="Capital of Chad?", answer="N'Djamena")
    return deck


def test_it_shows_each_deck_with_my_counts(alice, alice_client, deck, capitals, time_machine):
    build_history(alice, deck_cards(deck))
    time_machine.move_to(NOW, tick=False)

    shown = tiles(alice_client)

    # Fine Tuning: 5 due (see test_progress_figures); one card begun today (card 5), so
    # 20 − 1 = 19 new allowed, but only 13 are unseen; mastery 20 %.
    assert shown["Fine Tuning Flashcards"] == {
        "Due now": "5",
        "New today": "13",
        "Mastery": "20%",
        "study": ("Study Fine Tuning Flashcards", "/decks/fine-tuning-flashcards/study/"),
        "meter": "20",
    }
    assert shown["Capitals"] == {
        "Due now": "0",
        "New today": "2",
        "Mastery": "0%",
        "study": ("Study Capitals", "/decks/capitals/study/"),
        "meter": "0",
    }


def test_new_cards_left_follow_my_daily_limit(alice, alice_client, deck, time_machine):
    alice.new_cards_per_day = 5
    alice.save()
    cards = deck_cards(deck)
    rate(alice, cards[0], 4, days_ago(1))  # yesterday: does not count against today
    rate(alice, cards[1], 4, days_ago(0, 9))
    rate(alice, cards[2], 3, days_ago(0, 9, 5))
    time_machine.move_to(NOW, tick=False)

    assert tiles(alice_client)["Fine Tuning Flashcards"]["New today"] == "3"


def test_new_cards_today_start_at_my_local_midnight(alice, alice_client, deck, time_machine):
    """At 15:00 UTC it is already 03:00 tomorrow in Auckland (NZST, UTC+12): the cards
    begun at 09:00 UTC were yesterday's there, and the full limit is back."""
    alice.new_cards_per_day = 5
    alice.time_zone = "Pacific/Auckland"
    alice.save()
    cards = deck_cards(deck)
    rate(alice, cards[0], 4, days_ago(0, 9))
    rate(alice, cards[1], 4, days_ago(0, 11))
    time_machine.move_to(NOW, tick=False)

    assert tiles(alice_client)["Fine Tuning Flashcards"]["New today"] == "5"


def test_an_unpublished_deck_is_not_offered(alice_client, deck, capitals):
    capitals.published = False
    capitals.save()

    assert list(tiles(alice_client)) == ["Fine Tuning Flashcards"]


def test_a_visitor_sees_what_the_site_is(client: Client, deck):
    html = client.get("/").content.decode()

    assert "Flashcards that know when you" in html
    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/login/"' in html
    assert "deck-tile" not in html
