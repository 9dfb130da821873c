"""Who may open what: every account, progress and study URL as an anonymous
visitor (sent to log in, nothing written), as the owner of the data (it works)
and as another person (who sees and changes only their own)."""

import csv
import io
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

from .reviews.progress_page import chart_table, deck_cards, figures, parse, rate

pytestmark = pytest.mark.django_db

SLUG = "fine-tuning-flashcards"
GET_PAGES = [
    "/accounts/settings/",
    "/accounts/export.csv",
    "/accounts/export.json",
    "/accounts/delete/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
    "/progress/",
    f"/progress/{SLUG}/",
    f"/decks/{SLUG}/study/",
]


@pytest.fixture
def cards(deck: Deck) -> list[Card]:
    return deck_cards(deck)


@pytest.fixture
def alice_history(alice, cards) -> list[Review]:
    """Alice has studied: twelve ratings over the last four days, some due now."""
    now = timezone.now()
    reviews = []
    for days_ago in (4, 3, 2):
        for card in cards[:4]:
            reviews.append(rate(alice, card, 2 if days_ago == 2 else 5, now - timedelta(days_ago)))
    alice.time_zone = "Pacific/Auckland"
    alice.new_cards_per_day = 3
    alice.save()
    return reviews


def login_redirect(url: str) -> str:
    return f"/accounts/login/?next={quote(url)}"


# Anonymous ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*GET_PAGES, "card-answer"])
def test_anonymous_is_sent_to_log_in_and_back(client: Client, cards, url):
    if url == "card-answer":
        url = f"/decks/{SLUG}/study/{cards[0].pk}/answer/"

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == login_redirect(url)


@pytest.mark.parametrize("action", ["rate", "undo", "delete", "settings", "password_change"])
def test_anonymous_posts_write_nothing(client: Client, alice, alice_history, cards, action):
    url, data = {
        "rate": (f"/decks/{SLUG}/study/{cards[5].pk}/rate/", {"rating": 4, "reps": 0}),
        "undo": (f"/decks/{SLUG}/study/undo/", {}),
        "delete": ("/accounts/delete/", {"password": "alice-password-123"}),
        "settings": ("/accounts/settings/", {"new_cards_per_day": 99}),
        "password_change": ("/accounts/password_change/", {"new_password1": "x"}),
    }[action]
    before = (Review.objects.count(), CardState.objects.count(), User.objects.count())

    response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == login_redirect(url)
    assert (Review.objects.count(), CardState.objects.count(), User.objects.count()) == before
    alice.refresh_from_db()
    assert alice.new_cards_per_day == 3


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/", "/"]
)
def test_public_pages_open_to_anonymous(client: Client, db, url):
    assert client.get(url).status_code == 200


# The owner ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*GET_PAGES, "card-answer"])
def test_the_owner_opens_every_page(alice_client, alice_history, cards, url):
    if url == "card-answer":
        url = f"/decks/{SLUG}/study/{cards[0].pk}/answer/"

    response = alice_client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_owner_sees_her_own_history(alice_client, alice_history):
    shown = figures(parse(alice_client.get(f"/progress/{SLUG}/")))

    assert shown["Total reviews"] == "12"
    assert shown["Cards seen"] == "4 / 20"


# Another person --------------------------------------------------------------------


def test_another_person_sees_none_of_her_progress(bob_client, alice_history):
    for url in ("/progress/", f"/progress/{SLUG}/"):
        page = parse(bob_client.get(url))
        shown = figures(page)
        assert shown["Total reviews"] == "0"
        assert shown["Cards seen"] == "0 / 20"
        assert shown["Due now"] == "0"
        assert shown["Mastery"] == "0%"
        assert page.find("section", "empty-state").find("h2").text == "No reviews yet"
        assert chart_table(page, "Reviews per day over the last year") == {}


def test_another_persons_card_table_shows_no_ratings_of_hers(bob_client, alice_history):
    html = bob_client.get(f"/progress/{SLUG}/").content.decode()

    assert 'class="rating-chip' not in html.split('id="cards-title"')[1]


def test_another_persons_export_has_none_of_her_rows(bob, bob_client, cards, alice_history):
    rate(bob, cards[19], 3, timezone.now() - timedelta(hours=1))

    csv_text = b"".join(bob_client.get("/accounts/export.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    data = json.loads(b"".join(bob_client.get("/accounts/export.json").streaming_content))

    assert [row[3] for row in rows[1:]] == [cards[19].question]
    assert [r["question"] for r in data["reviews"]] == [cards[19].question]
    assert data["username"] == "bob"


def test_another_persons_settings_page_shows_his_settings(bob_client, alice_history):
    page = parse(bob_client.get("/accounts/settings/"))

    assert page.find("input", name="new_cards_per_day").attrs["value"] == "20"
    assert page.find("select", name="time_zone").find("option", selected="").text == "UTC"


def test_another_persons_home_shows_his_counts(bob_client, alice_client, alice_history):
    def tile(client):
        tile = parse(client.get("/")).find("li", "deck-tile")
        return {div.find("dt").text: div.find("dd").text for div in tile.find_all("div")}

    assert tile(bob_client) == {"Due now": "0", "New today": "20", "Mastery": "0%"}
    assert tile(alice_client)["New today"] == "3"


def test_another_person_studies_the_card_as_new(bob_client, cards, alice_history):
    """Alice has rated the first card three times; for bob it is a new card."""
    answer = bob_client.get(f"/decks/{SLUG}/study/{cards[0].pk}/answer/").content.decode()

    assert re.search(r'name="reps" value="0"', answer)


def test_another_persons_rating_touches_only_his_data(bob, bob_client, alice, cards, alice_history):
    alice_states = list(CardState.objects.filter(user=alice).values())

    response = bob_client.post(f"/decks/{SLUG}/study/{cards[0].pk}/rate/", {"rating": 1, "reps": 0})

    assert response.status_code == 303
    assert Review.objects.filter(user=bob).count() == 1
    assert Review.objects.filter(user=alice).count() == 12
    assert list(CardState.objects.filter(user=alice).values()) == alice_states


def test_another_persons_undo_never_undoes_her_rating(bob_client, alice, alice_history):
    response = bob_client.post(f"/decks/{SLUG}/study/undo/", follow=True)

    assert response.status_code == 200
    assert "There is no rating to undo in this deck." in response.content.decode()
    assert Review.objects.filter(user=alice).count() == 12


def test_another_person_cannot_delete_her_account(bob, bob_client, alice, alice_history):
    response = bob_client.post("/accounts/delete/", {"password": "alice-password-123"})

    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    assert User.objects.filter(pk=bob.pk).exists()


def test_a_settings_post_changes_only_the_poster(bob, bob_client, alice, alice_history):
    bob_client.post(
        "/accounts/settings/",
        {
            "new_cards_per_day": "9",
            "desired_retention": "0.8",
            "time_zone": "UTC",
            "theme": "auto",
        },
    )

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.new_cards_per_day, alice.time_zone) == (3, "Pacific/Auckland")
    assert bob.new_cards_per_day == 9


# Pages that are not a person's --------------------------------------------------------


def test_an_unpublished_decks_progress_is_404(alice_client, db):
    Deck.objects.create(title="Draft", slug="draft", published=False)

    assert alice_client.get("/progress/draft/").status_code == 404
    assert alice_client.get("/progress/no-such-deck/").status_code == 404


def test_a_signed_in_person_is_sent_home_from_log_in_and_sign_up(alice_client):
    assert alice_client.get("/accounts/login/")["Location"] == "/"
    assert alice_client.get("/accounts/signup/")["Location"] == "/"


def test_logout_needs_a_post(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    assert alice_client.get("/progress/").status_code == 200
    alice_client.post("/accounts/logout/")
    assert alice_client.get("/progress/").status_code == 302
