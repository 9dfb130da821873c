"""The admin's card list: statistics across learners, search, filters, a fixed query count;
the deck admin: ordered inline, card counts, export actions."""

import io
import re
import warnings
import zipfile
from datetime import timedelta

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decks.formats import parse_deck
from decks.models import Card, Deck
from reviews.models import record_review

URL = "/admin/decks/card/"


def column(html: str, name: str) -> list[str]:
    return re.findall(rf'<td class="field-{name}[^"]*">(.*?)</td>', html)


def questions(html: str) -> list[str]:
    return re.findall(r'<th class="field-question_excerpt"><a href="[^"]+">(.*?)</a></th>', html)


@pytest.fixture
def reviewed(deck, alice, bob) -> Card:
    """Card 1: alice knew it perfectly, then forgot it (a lapse); bob rated it 4."""
    card = deck.cards.get(position=1)
    now = timezone.now()
    record_review(user=alice, card=card, rating=5, now=now, shown_reps=0)
    record_review(user=alice, card=card, rating=1, now=now + timedelta(days=30), shown_reps=1)
    record_review(user=bob, card=card, rating=4, now=now, shown_reps=0)
    return card


def test_it_shows_reviews_average_latest_rating_and_lapse_rate(staff_client, reviewed):
    html = staff_client.get(URL).content.decode()
    assert questions(html)[:2] == ["What is Model Distillation?", "Advantage to distilled models?"]
    assert column(html, "number_of_reviews")[:2] == ["3", "0"]
    assert column(html, "average_rating")[:2] == ["2.5", "–"]  # (1 + 4) / 2
    assert column(html, "lapse_rate")[:2] == ["33%", "–"]  # 1 lapse in 3 reviews
    assert column(html, "deck")[0] == "Fine Tuning Flashcards"
    assert column(html, "category")[0] == "Distillation"


def test_it_sorts_by_number_of_reviews(staff_client, reviewed):
    # `o` counts the list's columns from 0, the action checkbox first: 5 is "Reviews".
    html = staff_client.get(URL + "?o=-5").content.decode()
    assert questions(html)[0] == "What is Model Distillation?"
    html = staff_client.get(URL + "?o=5").content.decode()
    assert questions(html)[-1] == "What is Model Distillation?"
    assert len(questions(html)) == 20  # each card once


def test_it_runs_a_fixed_number_of_queries(staff_client, reviewed, alice):
    with CaptureQueriesContext(connection) as small:
        assert staff_client.get(URL).status_code == 200
    deck = Deck.objects.create(title="Big", slug="big")
    cards = Card.objects.bulk_create(
        Card(deck=deck, question=f"Q{n}", answer="A", category=f"C{n % 7}", position=n)
        for n in range(80)
    )
    Deck.objects.filter(pk=deck.pk).count_cards()
    for card in cards[:30]:
        record_review(user=alice, card=card, rating=3, now=timezone.now(), shown_reps=0)
    with CaptureQueriesContext(connection) as big:
        assert staff_client.get(URL).status_code == 200
    assert len(big) == len(small)


def test_it_searches_question_answer_and_category(staff_client, deck):
    for query, count in (("distillation", 4), ("Provisioned", 2), ("chatbot", 2)):
        html = staff_client.get(URL, {"q": query}).content.decode()
        assert len(questions(html)) == count, query


def test_it_filters_by_deck_and_category(staff_client, deck):
    Card.objects.create(
        deck=Deck.objects.create(title="Other", slug="other"), question="Elsewhere?", answer="Yes"
    )
    html = staff_client.get(URL, {"category": "Distillation"}).content.decode()
    assert len(questions(html)) == 4
    html = staff_client.get(URL, {"deck__id__exact": deck.pk}).content.decode()
    assert len(questions(html)) == 20
    assert "Elsewhere?" not in html


def test_the_deck_page_lists_its_cards_in_order(staff_client, deck):
    html = staff_client.get(f"/admin/decks/deck/{deck.pk}/change/").content.decode()
    found = re.findall(r'name="cards-\d+-question"[^>]*>\n?(.*?)</textarea>', html)
    assert found[:3] == [
        "What is Model Distillation?",
        "Advantage to distilled models?",
        "How fast are distilled models?",
    ]


def test_the_deck_list_counts_cards(staff_client, deck):
    html = staff_client.get("/admin/decks/deck/").content.decode()
    assert column(html, "card_count") == ["20"]


@pytest.mark.parametrize(
    ("action", "name", "content_type"),
    [
        ("export_brainscape", "fine-tuning-flashcards.txt", "text/plain; charset=utf-8"),
        ("export_csv", "fine-tuning-flashcards.csv", "text/csv; charset=utf-8"),
        ("export_tsv", "fine-tuning-flashcards.tsv", "text/tab-separated-values; charset=utf-8"),
        ("export_apkg", "fine-tuning-flashcards.apkg", "application/octet-stream"),
    ],
)
def test_export_actions_download_the_deck(staff_client, deck, action, name, content_type):
    response = staff_client.post(
        "/admin/decks/deck/", {"action": action, "_selected_action": [deck.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    parsed = parse_deck(response.content, filename=name, title="Fine Tuning Flashcards")
    assert [c.question for c in parsed.cards] == list(
        deck.cards.order_by("position").values_list("question", flat=True)
    )


def test_exporting_several_decks_gives_a_zip(staff_client, deck):
    other = Deck.objects.create(title="Other", slug="other")
    Card.objects.create(deck=other, question="Q", answer="A")
    response = staff_client.post(
        "/admin/decks/deck/", {"action": "export_csv", "_selected_action": [deck.pk, other.pk]}
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["fine-tuning-flashcards.csv", "other.csv"]
    assert archive.read("other.csv").decode() == "question,answer,category\r\nQ,A,\r\n"


def test_the_deck_autocomplete_lists_decks_in_title_order(staff_client, deck):
    Deck.objects.create(title="Another deck", slug="another-deck")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = staff_client.get(
            "/admin/autocomplete/",
            {"app_label": "decks", "model_name": "card", "field_name": "deck"},
        )
    assert [result["text"] for result in response.json()["results"]] == [
        "Another deck",
        "Fine Tuning Flashcards",
    ]


def test_a_large_deck_links_to_its_cards_instead_of_listing_them(staff_client, deck):
    html = staff_client.get(f"/admin/decks/deck/{deck.pk}/change/").content.decode()
    assert "How fast are distilled models?" in html  # 20 cards: each in the inline
    assert f"/admin/decks/card/?deck__id__exact={deck.pk}" in html

    big = Deck.objects.create(title="Big", slug="big")
    Card.objects.bulk_create(
        Card(deck=big, question=f"Question {n}?", answer="A", position=n) for n in range(250)
    )
    Deck.objects.filter(pk=big.pk).count_cards()
    response = staff_client.get(f"/admin/decks/deck/{big.pk}/change/")
    html = response.content.decode()
    assert "Question 7?" not in html
    assert "All 250 cards of this deck in the card list" in html
    listed = staff_client.get(f"/admin/decks/card/?deck__id__exact={big.pk}").content.decode()
    assert "250 cards" in listed and "Question 7?" in listed

    # Saving the deck's own fields still works without the inline.
    response = staff_client.post(
        f"/admin/decks/deck/{big.pk}/change/",
        {"title": "Bigger", "slug": "big", "description": "", "published": "on"},
    )
    assert response.status_code == 302
    assert Deck.objects.get(pk=big.pk).title == "Bigger"
    assert Card.objects.filter(deck=big).count() == 250
