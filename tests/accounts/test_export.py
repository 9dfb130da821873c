"""Download my data: every review of mine, with the card's question and the deck's
name, as CSV and as JSON; nobody else's."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from decks.models import Card, Deck

from ..reviews.progress_page import deck_cards, rate

pytestmark = pytest.mark.django_db

CSV = "/accounts/export.csv"
JSON = "/accounts/export.json"
HEADER = ["reviewed_at", "deck", "category", "question", "rating", "duration_ms"]
IVORY_COAST = 'Capital of "Côte d’Ivoire", officially?\nOne line more'


@pytest.fixture
def capitals(db) -> Deck:
    deck = Deck.objects.create(title="Capitals, of the world", slug="capitals")
    Card.objects.create(
        deck=deck, position=1, category="Africa", question=IVORY_COAST, answer="Yamoussoukro"
    )
    return deck


@pytest.fixture
def reviews(alice, bob, deck, capitals):
    """Alice: four ratings in two decks, not in time order of recording. Bob: two."""
    cards = deck_cards(deck)
    ivory = capitals.cards.get()
    rate(alice, cards[11], 3, datetime(2025, 6, 12, 8, 15, tzinfo=UTC), duration_ms=4_500)
    rate(alice, cards[0], 4, datetime(2025, 6, 10, 9, 0, tzinfo=UTC), duration_ms=12_000)
    rate(alice, ivory, 5, datetime(2025, 6, 11, 20, 30, tzinfo=UTC), duration_ms=None)
    rate(alice, cards[0], 1, datetime(2025, 6, 13, 7, 0, tzinfo=UTC), duration_ms=900_000)
    rate(bob, cards[18], 2, datetime(2025, 6, 11, 10, 0, tzinfo=UTC))
    rate(bob, cards[0], 5, datetime(2025, 6, 12, 10, 0, tzinfo=UTC))


# Oldest first; the 15-minute answer is kept as 5 minutes, as everywhere on the site.
ALICE_ROWS = [
    [
        "2025-06-10T09:00:00+00:00",
        "Fine Tuning Flashcards",
        "Distillation",
        "What is Model Distillation?",
        "4",
        "12000",
    ],
    ["2025-06-11T20:30:00+00:00", "Capitals, of the world", "Africa", IVORY_COAST, "5", ""],
    [
        "2025-06-12T08:15:00+00:00",
        "Fine Tuning Flashcards",
        "Fine Tuning",
        "What’s another name for Continued Pre-training?",
        "3",
        "4500",
    ],
    [
        "2025-06-13T07:00:00+00:00",
        "Fine Tuning Flashcards",
        "Distillation",
        "What is Model Distillation?",
        "1",
        "300000",
    ],
]


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_has_all_my_reviews_with_questions_and_deck_names(alice_client, reviews):
    response = alice_client.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="flashsite-reviews.csv"'
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows == [HEADER, *ALICE_ROWS]


def test_json_has_all_my_reviews_with_questions_and_deck_names(alice_client, reviews):
    response = alice_client.get(JSON)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="flashsite-reviews.json"'
    data = json.loads(body(response))
    assert data["username"] == "alice"
    expected = [
        dict(zip(HEADER, row, strict=True))
        | {"rating": int(row[4]), "duration_ms": int(row[5]) if row[5] else None}
        for row in ALICE_ROWS
    ]
    assert data["reviews"] == expected


def test_bob_gets_only_his_own(bob_client, reviews):
    rows = list(csv.reader(io.StringIO(body(bob_client.get(CSV)))))
    data = json.loads(body(bob_client.get(JSON)))

    assert [row[3] for row in rows[1:]] == [
        "What is Transfer Learning?",
        "What is Model Distillation?",
    ]
    assert [r["question"] for r in data["reviews"]] == [row[3] for row in rows[1:]]
    assert data["username"] == "bob"
    assert all(r["rating"] in (2, 5) for r in data["reviews"])


def test_my_export_has_none_of_bobs_reviews(alice_client, reviews):
    csv_text = body(alice_client.get(CSV))
    json_text = body(alice_client.get(JSON))

    assert "What is Transfer Learning?" not in csv_text
    assert "What is Transfer Learning?" not in json_text
    assert '"bob"' not in json_text


def test_an_empty_history_exports_just_the_header(alice_client):
    assert body(alice_client.get(CSV)) == ",".join(HEADER) + "\r\n"
    assert json.loads(body(alice_client.get(JSON))) == {"username": "alice", "reviews": []}


@pytest.mark.parametrize("url", [CSV, JSON])
def test_export_requires_login(client: Client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", [CSV, JSON])
def test_export_is_never_cached(alice_client, url):
    response = alice_client.get(url)

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_settings_page_links_to_both_downloads(alice_client):
    html = alice_client.get("/accounts/settings/").content.decode()

    assert f'href="{CSV}"' in html
    assert f'href="{JSON}"' in html
