"""/accounts/settings/: new cards per day, desired retention (0.70–0.97) and time
zone; what is saved is what the home page and the scheduler then use."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accounts.models import User
from reviews.models import CardState

from ..reviews.progress_page import parse

pytestmark = pytest.mark.django_db

SETTINGS = "/accounts/settings/"
DECK = "fine-tuning-flashcards"


def save(client: Client, **changes):
    data = {
        "new_cards_per_day": "20",
        "desired_retention": "0.9",
        "time_zone": "UTC",
        "theme": "auto",
        **changes,
    }
    return client.post(SETTINGS, data)


def settings_of(user: User) -> tuple:
    user.refresh_from_db()
    return (user.new_cards_per_day, user.desired_retention, user.time_zone)


def test_it_requires_login(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={SETTINGS}"


def test_it_shows_my_current_settings(alice, alice_client):
    alice.new_cards_per_day, alice.desired_retention, alice.time_zone = 12, 0.85, "Asia/Tokyo"
    alice.save()

    page = parse(alice_client.get(SETTINGS))

    assert page.find("input", name="new_cards_per_day").attrs["value"] == "12"
    assert page.find("input", name="desired_retention").attrs["value"] == "0.85"
    chosen = page.find("select", name="time_zone").find("option", selected="")
    assert chosen.attrs["value"] == "Asia/Tokyo"


def test_it_saves_my_settings(alice, alice_client):
    response = save(
        alice_client, new_cards_per_day="7", desired_retention="0.8", time_zone="Europe/Berlin"
    )

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    assert "Your settings are saved." in alice_client.get(SETTINGS).content.decode()
    assert settings_of(alice) == (7, 0.8, "Europe/Berlin")


@pytest.mark.parametrize("retention", ["0.70", "0.97"])
def test_retention_at_either_end_of_the_range_is_saved(alice, alice_client, retention):
    assert save(alice_client, desired_retention=retention).status_code == 302
    assert settings_of(alice)[1] == float(retention)


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        ("0.5", "Ensure this value is greater than or equal to 0.7."),
        ("0.69", "Ensure this value is greater than or equal to 0.7."),
        ("0.99", "Ensure this value is less than or equal to 0.97."),
        ("1", "Ensure this value is less than or equal to 0.97."),
        ("ninety", "Enter a number."),
    ],
)
def test_retention_out_of_range_is_refused_and_nothing_is_saved(
    alice, alice_client, retention, message
):
    response = save(
        alice_client, desired_retention=retention, new_cards_per_day="5", time_zone="Asia/Tokyo"
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert settings_of(alice) == (20, 0.9, "UTC")


def test_an_unknown_time_zone_is_refused(alice, alice_client):
    response = save(alice_client, time_zone="Mars/Olympus_Mons", new_cards_per_day="5")

    assert response.status_code == 200
    assert "Select a valid choice. Mars/Olympus_Mons is not one of the available choices." in (
        response.content.decode()
    )
    assert settings_of(alice) == (20, 0.9, "UTC")


@pytest.mark.parametrize("value", ["-1", "many", ""])
def test_new_cards_per_day_must_be_a_whole_number(alice, alice_client, value):
    response = save(alice_client, new_cards_per_day=value, desired_retention="0.8")

    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode()
    assert settings_of(alice) == (20, 0.9, "UTC")


def home_tile(client: Client) -> dict[str, str]:
    tile = parse(client.get("/")).find("li", "deck-tile")
    return {div.find("dt").text: div.find("dd").text for div in tile.find_all("div")}


def test_new_cards_per_day_is_what_home_offers(alice, alice_client, deck):
    save(alice_client, new_cards_per_day="7")

    assert home_tile(alice_client)["New today"] == "7"


def rate_shown_card(client: Client, rating: int) -> int:
    """Flip the card the study page shows and press a rating; return the card's id."""
    study = client.get(f"/decks/{DECK}/study/").content.decode()
    card_id = int(re.search(r"/study/(\d+)/answer/", study)[1])
    answer = client.get(f"/decks/{DECK}/study/{card_id}/answer/").content.decode()
    reps = re.search(r'name="reps" value="(\d+)"', answer)[1]
    response = client.post(f"/decks/{DECK}/study/{card_id}/rate/", {"rating": rating, "reps": reps})
    assert response.status_code == 303
    return card_id


def promised_interval(client: Client, card_id: int, rating: int) -> str:
    """The "comes back in" interval under a rating button of the card's answer side."""
    answer = parse(client.get(f"/decks/{DECK}/study/{card_id}/answer/"))
    buttons = answer.find_all("span", "rate-interval")
    return buttons[rating - 1].text.replace(", comes back in", "").strip()


def test_the_scheduler_uses_my_desired_retention(
    alice, bob, alice_client, bob_client, deck, time_machine
):
    """Rated 4 twice, ten minutes apart, the first card graduates to review: aiming to
    remember 80 % of cards gives it a longer interval than aiming for 95 %."""
    save(alice_client, desired_retention="0.8")
    save(bob_client, desired_retention="0.95")
    start = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    card_id = rate_shown_card(alice_client, 4)
    assert rate_shown_card(bob_client, 4) == card_id

    time_machine.move_to(start + timedelta(minutes=10), tick=False)
    promised = {
        "alice": promised_interval(alice_client, card_id, 4),
        "bob": promised_interval(bob_client, card_id, 4),
    }
    rate_shown_card(alice_client, 4)
    rate_shown_card(bob_client, 4)

    alice_state = CardState.objects.get(user=alice, card_id=card_id)
    bob_state = CardState.objects.get(user=bob, card_id=card_id)
    alice_days = (alice_state.due - alice_state.last_review) / timedelta(days=1)
    bob_days = (bob_state.due - bob_state.last_review) / timedelta(days=1)
    assert alice_state.state == bob_state.state == 2  # both in review now
    assert alice_state.stability == pytest.approx(bob_state.stability)  # same memory...
    assert alice_days > bob_days  # ...scheduled further out at the lower target
    assert promised == {"alice": f"{round(alice_days)} d", "bob": f"{round(bob_days)} d"}


def test_changing_retention_changes_the_next_interval_not_the_past(alice, alice_client, deck):
    """A new setting applies from the next rating on; ratings already given keep theirs."""
    rate_shown_card(alice_client, 5)
    before = CardState.objects.get(user=alice).due

    save(alice_client, desired_retention="0.7")

    assert CardState.objects.get(user=alice).due == before
