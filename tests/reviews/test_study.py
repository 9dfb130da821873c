"""The study page: GET /decks/<slug>/study/ shows the next card's question side."""

import re
from html import unescape

import pytest
from django.test import Client

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

from .helpers import (
    answer_url,
    flip_and_rate,
    left_today,
    shown_card_id,
    shown_question,
    study_url,
    text,
)

STUDY = "/decks/fine-tuning-flashcards/study/"


def test_it_requires_login(client: Client, deck: Deck) -> None:
    response = client.get(STUDY)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/decks/fine-tuning-flashcards/study/"


def test_it_shows_the_first_question_with_its_category(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get(STUDY)
    assert response.status_code == 200
    html = text(response)
    assert "<html" in html
    assert shown_question(response) == "What is Model Distillation?"
    assert '<p class="card-category">Distillation</p>' in html
    assert "Show answer" in html
    # The answer stays hidden until the card is flipped.
    assert "Reduce a whole LLM" not in html


def test_it_links_show_answer_to_the_answer_page(alice_client: Client, cards: list[Card]) -> None:
    response = alice_client.get(STUDY)
    html = text(response)
    # A real link for JavaScript off, and the same URL for htmx.
    assert f'href="{answer_url(cards[0])}?shown=' in html
    assert f'hx-get="{answer_url(cards[0])}?shown=' in html
    assert shown_card_id(response) == cards[0].pk


def test_show_answer_opens_the_answer_side(alice_client: Client, deck: Deck) -> None:
    page = text(alice_client.get(STUDY))
    href = re.search(r'<a class="button button-flip"[^>]*href="([^"]+)"', page)[1]
    response = alice_client.get(unescape(href))
    assert response.status_code == 200
    assert shown_question(response) == "What is Model Distillation?"
    assert "Reduce a whole LLM to a much smaller, scoped-down model" in text(response)
    assert "Show answer" not in text(response)


def test_it_shows_how_many_cards_are_left_today(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get(STUDY)
    assert left_today(response) == 20
    assert "(0 due, 20 new)" in text(response)


def test_the_progress_line_counts_down_after_a_rating(
    alice_client: Client, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    response = alice_client.get(STUDY)
    assert left_today(response) == 19
    assert shown_question(response) == "Advantage to distilled models?"


def test_it_writes_nothing(alice_client: Client, deck: Deck) -> None:
    alice_client.get(STUDY)
    alice_client.get(STUDY, headers={"HX-Request": "true"})
    assert not Review.objects.exists()
    assert not CardState.objects.exists()


def test_it_returns_partial_for_htmx(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get(STUDY, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert "<body" not in html
    assert html.lstrip().startswith('<section id="card"')
    assert shown_question(response) == "What is Model Distillation?"
    assert "HX-Request" in response["Vary"]


def test_the_full_page_varies_on_hx_request_too(alice_client: Client, deck: Deck) -> None:
    # A cache must not hand the partial to a full-page load, or the reverse.
    response = alice_client.get(STUDY)
    assert "HX-Request" in response["Vary"]


def test_it_is_never_cached(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get(STUDY)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_it_404s_for_an_unknown_deck(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get("/decks/no-such-deck/study/")
    assert response.status_code == 404


def test_it_404s_for_an_unpublished_deck(alice_client: Client, hidden_deck: Deck) -> None:
    response = alice_client.get(study_url(hidden_deck))
    assert response.status_code == 404
    assert "Draft question?" not in text(response)


def test_it_rejects_post(alice_client: Client, deck: Deck) -> None:
    response = alice_client.post(STUDY)
    assert response.status_code == 405


def test_it_studies_each_deck_on_its_own(
    alice_client: Client, cards: list[Card], other_deck: Deck
) -> None:
    flip_and_rate(alice_client, cards[0], 5)
    response = alice_client.get(study_url(other_deck))
    assert shown_question(response) == "Capital of Peru?"
    assert left_today(response) == 2


def test_it_does_not_show_another_persons_progress(
    alice_client: Client, bob_client: Client, cards: list[Card], bob: User
) -> None:
    for card in cards[:3]:
        flip_and_rate(alice_client, card, 5)
    response = bob_client.get(STUDY)
    # Bob starts where anyone starts: the first card, all 20 new.
    assert shown_question(response) == "What is Model Distillation?"
    assert left_today(response) == 20
    assert "(0 due, 20 new)" in text(response)
    assert not CardState.objects.filter(user=bob).exists()


def test_a_deck_of_no_cards_says_there_is_nothing_to_study(alice_client: Client, db) -> None:
    empty = Deck.objects.create(title="Empty", slug="empty")
    response = alice_client.get(study_url(empty))
    assert response.status_code == 200
    assert "All caught up" in text(response)
    assert "Show answer" not in text(response)


def test_study_it_now_opens_the_chosen_card(alice_client: Client, cards: list[Card]) -> None:
    # The progress page's "Study it now" links here with ?card=<id>.
    response = alice_client.get(STUDY, {"card": cards[6].pk})
    assert response.status_code == 200
    assert shown_question(response) == cards[6].question


@pytest.mark.parametrize("chosen", ["abc", "-1", "1.0", "\u00b2", "\u0663", str(10**30)])
def test_a_chosen_card_that_is_no_card_id_is_a_404(
    alice_client: Client, deck: Deck, chosen: str
) -> None:
    # "\u00b2" (superscript two) and "\u0663" (Arabic-Indic three) pass str.isdigit().
    response = alice_client.get(STUDY, {"card": chosen})
    assert response.status_code == 404


def test_a_chosen_card_of_another_deck_is_a_404(
    alice_client: Client, deck: Deck, other_card: Card
) -> None:
    response = alice_client.get(STUDY, {"card": other_card.pk})
    assert response.status_code == 404
    assert "Capital of Peru?" not in text(response)
