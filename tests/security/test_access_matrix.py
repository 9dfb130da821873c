"""Who may open what: every URL of the URLconf × anonymous, owner, another person, staff.

The URLs come from the URLconf (urls.py here), filled in with the bundled
deck, its first card and the owner's own objects, so a URL added later is
checked by itself, and `test_every_url_has_an_expectation` fails until its
row is written below. Private pages answer an anonymous visitor with a
redirect to log in; another person's data never shows: not in the status,
not in the page.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review, record_review

from .checks import csp_problems, is_html, is_private_cache, without_tokens
from .urls import World, routes, url_of

ANONYMOUS, OWNER, OTHER, STAFF = "anonymous", "owner", "another person", "staff"
ROLES = (ANONYMOUS, OWNER, OTHER, STAFF)


@dataclass(frozen=True)
class Redirect:
    """A 302 to a Location matching `pattern`; `{url}` stands for the URL asked for."""

    pattern: str

    def matches(self, location: str, url: str) -> bool:
        regex = re.escape(self.pattern).replace(re.escape("{url}"), re.escape(url))
        regex = regex.replace(re.escape("{any}"), ".+")
        return re.fullmatch(regex, location) is not None


LOGIN = Redirect("/accounts/login/?next={url}")
ADMIN_LOGIN = Redirect("/admin/login/?next={url}")
HOME = Redirect("/")


def everyone(expected) -> dict:
    return dict.fromkeys(ROLES, expected)


PUBLIC = everyone(200)
PRIVATE = {ANONYMOUS: LOGIN, OWNER: 200, OTHER: 200, STAFF: 200}
PRIVATE_POST_ONLY = {ANONYMOUS: LOGIN, OWNER: 405, OTHER: 405, STAFF: 405}
SIGNED_OUT_ONLY = {ANONYMOUS: 200, OWNER: HOME, OTHER: HOME, STAFF: HOME}


def staff_only(staff_sees=200) -> dict:
    return {ANONYMOUS: ADMIN_LOGIN, OWNER: ADMIN_LOGIN, OTHER: ADMIN_LOGIN, STAFF: staff_sees}


def admin_model(app: str, model: str, *, can_add: bool = True) -> dict[str, dict]:
    """The six URLs the admin gives a registered model."""
    return {
        f"admin:{app}_{model}_changelist": staff_only(),
        f"admin:{app}_{model}_add": staff_only(200 if can_add else 403),
        f"admin:{app}_{model}_history": staff_only(),
        f"admin:{app}_{model}_delete": staff_only(),
        f"admin:{app}_{model}_change": staff_only(),
        f"admin/{app}/{model}/<path:object_id>/": staff_only(Redirect("{url}change/")),
    }


EXPECTED: dict[str, dict] = {
    "healthz": PUBLIC,
    # Accounts: the person's own settings, exports and deletion are private.
    "accounts:signup": SIGNED_OUT_ONLY,
    "accounts:login": SIGNED_OUT_ONLY,
    "accounts:logout": everyone(405),  # POST only
    "accounts:settings": PRIVATE,
    "accounts:export_csv": PRIVATE,
    "accounts:export_json": PRIVATE,
    "accounts:delete_account": PRIVATE,
    "accounts:password_change": PRIVATE,
    "accounts:password_change_done": PRIVATE,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    # The owner's real reset link: Django moves the token into the session.
    "accounts:password_reset_confirm": everyone(Redirect("/accounts/reset/{any}/set-password/")),
    "accounts:password_reset_complete": PUBLIC,
    # Decks are public; studying and progress are private.
    "decks:deck_list": PUBLIC,
    "reviews:home": PUBLIC,
    "reviews:deck_detail": PUBLIC,
    "reviews:progress": PRIVATE,
    "reviews:progress_deck": PRIVATE,
    "reviews:study": PRIVATE,
    "reviews:answer": PRIVATE,
    "reviews:rate_card": PRIVATE_POST_ONLY,
    "reviews:undo_review": PRIVATE_POST_ONLY,
    # The admin: staff only.
    "admin:index": staff_only(),
    "admin:login": {ANONYMOUS: 200, OWNER: 200, OTHER: 200, STAFF: Redirect("/admin/")},
    "admin:logout": {
        ANONYMOUS: Redirect("/admin/"),
        OWNER: Redirect("/admin/"),
        OTHER: Redirect("/admin/"),
        STAFF: 405,  # POST only
    },
    "admin:password_change": staff_only(),
    "admin:password_change_done": staff_only(),
    "admin:autocomplete": staff_only(403),  # without a field to complete
    "admin:jsi18n": staff_only(),
    "admin:view_on_site": staff_only(Redirect("http://testserver/decks/{any}/")),
    "admin:app_list": staff_only(),
    "admin:auth_user_password_change": staff_only(),
    **admin_model("auth", "group"),
    **admin_model("accounts", "user"),
    "admin:decks_deck_import": staff_only(),
    **admin_model("decks", "deck"),
    **admin_model("decks", "card"),
    # Ratings are never written or edited by hand.
    **admin_model("reviews", "review", can_add=False),
    **admin_model("reviews", "cardstate", can_add=False),
    **admin_model("axes", "accessattempt", can_add=False),
    **admin_model("axes", "accesslog", can_add=False),
    **admin_model("axes", "accessfailurelog", can_add=False),
    "admin/(?P<url>.*)$": staff_only(404),
}

ROUTES = {route.key: route for route in routes()}
# What would show that a page is the owner's: their name and e-mail address.
OWNER_MARKERS = ("alice", "alice@example.org")


def test_every_url_has_an_expectation():
    assert sorted(set(ROUTES) - set(EXPECTED)) == [], "write down who may open these URLs"
    assert sorted(set(EXPECTED) - set(ROUTES)) == [], "these URLs are gone: drop their rows"


@pytest.fixture
def world(deck: Deck, alice: User, bob: User, charlie: User) -> World:
    """The owner (alice) has studied; the other person (bob) once mistyped his password."""
    card = deck.cards.order_by("position", "id").first()
    now = timezone.now()
    for shown_reps, rating in enumerate([4, 2, 5]):
        record_review(user=alice, card=card, rating=rating, now=now, shown_reps=shown_reps)
    Group.objects.create(name="Editors")
    # Through the real log-in form: axes records an attempt and an access log.
    Client().post("/accounts/login/", {"username": "bob", "password": "wrong"})
    Client().post("/accounts/login/", {"username": "alice", "password": "alice-password-123"})
    AccessFailureLog.objects.create(
        username="bob", ip_address="127.0.0.1", user_agent="test", path_info="/accounts/login/"
    )
    alice.refresh_from_db()  # her password-reset token depends on her last log-in
    return World(deck=deck, card=card, owner=alice)


def client_for(role: str, users: dict[str, User]) -> Client:
    # 500s come back as responses, to be counted, not as exceptions.
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.force_login(users[role])
    return client


def content_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def owners_data(owner: User) -> list:
    """Everything of the owner's that another person must never change."""
    return [
        list(Review.objects.filter(user=owner).order_by("pk").values()),
        list(CardState.objects.filter(user=owner).order_by("pk").values()),
        User.objects.filter(pk=owner.pk).values().get(),
    ]


def row_counts() -> dict[str, int]:
    models = (User, Deck, Card, Review, CardState, Group)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_access(key, world, alice, bob, charlie):
    """GET as each role gives the status in EXPECTED, and nothing of the owner's
    shows to anyone but the owner and staff."""
    if key not in EXPECTED:
        pytest.fail(f"{key} has no row in EXPECTED")
    users = {OWNER: alice, OTHER: bob, STAFF: charlie}
    for role in ROLES:
        client = client_for(role, users)
        # The owner's reset token depends on her last log-in, to the second, which
        # logging her in has just moved: her link is made after it, as a real one is.
        world.owner.refresh_from_db()
        url = url_of(ROUTES[key], world)
        response = client.get(url)
        expected = EXPECTED[key][role]
        where = f"GET {url} as {role}"
        if isinstance(expected, Redirect):
            assert response.status_code == 302, f"{where}: {response.status_code}"
            location = response["Location"]
            assert expected.matches(location, url), f"{where}: redirects to {location}"
        else:
            assert response.status_code == expected, f"{where}: {response.status_code}"
        body = content_of(response)
        if role in (ANONYMOUS, OTHER):
            for marker in OWNER_MARKERS:
                assert marker not in body, f"{where}: shows the owner's {marker!r}"
        if role != ANONYMOUS and response.status_code == 200:
            assert is_private_cache(response.get("Cache-Control", "")), (
                f"{where}: Cache-Control {response.get('Cache-Control')!r}"
            )
        if is_html(response):
            assert csp_problems(response.get("Content-Security-Policy", "")) == [], where

    # An empty POST, as a visitor and as another person: never a 500, never a
    # row written by a visitor, never a change to the owner's data.
    before, counts = owners_data(alice), row_counts()
    for role in (ANONYMOUS, OTHER):
        response = client_for(role, users).post(url, {})
        where = f"POST {url} as {role}"
        assert response.status_code < 500, f"{where}: {response.status_code}"
        if role == ANONYMOUS and EXPECTED[key][ANONYMOUS] in (LOGIN, ADMIN_LOGIN):
            # A private URL tells a visitor nothing but "log in", whatever the method.
            assert response.status_code == 302, f"{where}: {response.status_code}"
        if role == ANONYMOUS:
            assert row_counts() == counts, f"{where}: wrote rows"
        assert owners_data(alice) == before, f"{where}: changed the owner's data"


FROZEN = datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC)


def test_another_persons_study_never_changes_my_pages(world, alice, bob):
    """Every page bob may open looks the same whatever alice does: her ratings,
    her progress and her name never reach his pages, not even as a count."""
    users = {OWNER: alice, OTHER: bob}
    with time_machine.travel(FROZEN, tick=False):
        urls = [url_of(route, world) for route in ROUTES.values()]
        pages = [url for url in urls if client_for(OTHER, users).get(url).status_code == 200]

        def snapshot(role: str) -> dict[str, str]:
            client = client_for(role, users)
            shots = {}
            for url in pages:
                shots[url] = without_tokens(content_of(client.get(url)))
            return shots

        bob_before, alice_before = snapshot(OTHER), snapshot(OWNER)
        # Alice studies the whole deck through the site, some cards twice.
        owner = client_for(OWNER, users)
        for card in world.deck.cards.order_by("position", "id"):
            for reps in range(2 if card.position % 2 else 1):
                shown = reps + (3 if card == world.card else 0)
                rated = owner.post(
                    f"/decks/{world.deck.slug}/study/{card.pk}/rate/",
                    {"rating": str(1 + card.position % 5), "reps": str(shown)},
                )
                assert rated.status_code == 303
        bob_after, alice_after = snapshot(OTHER), snapshot(OWNER)

    assert Review.objects.filter(user=alice).count() == 3 + 30
    changed_for_alice = [url for url in pages if alice_before[url] != alice_after[url]]
    assert "/progress/" in changed_for_alice and "/accounts/export.csv" in changed_for_alice
    assert [url for url in pages if bob_before[url] != bob_after[url]] == []
    print(f"\n{len(pages)} pages of another person unchanged by the owner's 30 ratings")
