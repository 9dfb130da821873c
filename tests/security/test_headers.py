"""What production answers besides the page: security headers, cookies, caching, error pages.

The first tests ask gunicorn running production's settings (DEBUG off,
behind a TLS proxy that sets X-Forwarded-Proto); the rest use Django's test
client, which runs with DEBUG off too.
"""

import json
import re

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path

from reviews.models import Review

from .checks import csp_problems, is_private_cache
from .live import Form, Visitor

STUDY = "/decks/fine-tuning-flashcards/study/"


def test_production_sends_the_security_headers(live_site):
    page = Visitor(live_site.port).get("/")
    assert page.status == 200
    assert page.header("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("Referrer-Policy") == "same-origin"
    assert page.header("Cross-Origin-Opener-Policy") == "same-origin"
    assert csp_problems(page.header("Content-Security-Policy")) == []


def test_production_redirects_plain_http_to_https(live_site):
    visitor = Visitor(live_site.port)
    response = visitor.get("/progress/", headers={"X-Forwarded-Proto": "http"})
    assert response.status == 301
    assert response.header("Location") == f"https://127.0.0.1:{live_site.port}/progress/"


def test_production_cookies_are_secure_and_http_only(live_site):
    visitor = Visitor(live_site.port)
    login_page = visitor.get("/accounts/login/")
    token = Form.first(login_page.body).fields["csrfmiddlewaretoken"]
    response = visitor.post(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": token,
            "username": "headers",
            "password": "headers-long-enough-secret",
        },
    )
    assert response.status == 302
    cookies = {
        header.split("=", 1)[0]: header
        for header in login_page.headers.get_all("Set-Cookie")
        + response.headers.get_all("Set-Cookie")
    }
    for name in ("sessionid", "csrftoken"):
        attributes = {part.strip().lower() for part in cookies[name].split(";")}
        assert {"secure", "httponly", "samesite=lax"} <= attributes, cookies[name]

    private = visitor.get("/progress/")
    assert private.status == 200
    assert is_private_cache(private.header("Cache-Control"))


def test_production_pages_for_errors_leak_nothing(live_site):
    visitor = Visitor(live_site.port)
    missing = visitor.get("/no-such-page/")
    assert missing.status == 404
    assert "Nothing here" in missing.body
    bad_host = visitor.get("/", headers={"Host": "evil.example"})
    assert bad_host.status == 400
    assert "That request did not make sense" in bad_host.body
    for response in (missing, bad_host):
        for leak in ("Traceback", "URLconf", "ALLOWED_HOSTS", "evil.example", "SECRET", "DEBUG"):
            assert leak not in response.body
        assert csp_problems(response.header("Content-Security-Policy")) == []
        assert response.header("X-Frame-Options") == "DENY"


# For the in-process tests below: the site's URLs and one view that fails.
def boom(request: HttpRequest):
    raise RuntimeError("the secret is hunter2 in /srv/flashsite/settings.py")


urlpatterns = [path("boom/", boom), path("", include("flashsite.urls"))]


@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_500_page_and_nothing_else(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    for leak in ("hunter2", "RuntimeError", "Traceback", "settings.py", "alice"):
        assert leak not in text


def test_a_forbidden_page_says_so_plainly(staff_client: Client):
    response = staff_client.get("/admin/reviews/review/add/")
    assert response.status_code == 403
    assert "You can't do that" in response.content.decode()
    assert "PermissionDenied" not in response.content.decode()


def test_a_plain_post_without_csrf_explains_itself(deck, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    card = deck.cards.order_by("position").first()
    response = client.post(f"{STUDY}{card.pk}/rate/", {"rating": "3", "reps": "0"})
    assert response.status_code == 403
    assert "That form had expired" in response.content.decode()
    assert Review.objects.count() == 0


def test_an_htmx_post_without_csrf_reloads_the_page(deck, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    card = deck.cards.order_by("position").first()
    response = client.post(
        f"{STUDY}{card.pk}/rate/", {"rating": "3", "reps": "0"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert response["HX-Refresh"] == "true"
    assert Review.objects.count() == 0


def test_htmx_rates_card_after_card_with_the_pages_token_alone(deck, alice):
    """A card swapped in by htmx carries no token field of its own: htmx sends the
    one of <body hx-headers>, from the page loaded whole, with every rating."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(STUDY)
    token = re.search(r'"x-csrftoken": "(\w+)"', page.content.decode())[1]
    htmx = {"HX-Request": "true"}
    cards = list(deck.cards.order_by("position")[:3])
    for card in cards:
        answer = client.get(f"{STUDY}{card.pk}/answer/", headers=htmx)
        assert 'name="rating"' in answer.content.decode()
        assert "csrfmiddlewaretoken" not in answer.content.decode()
        rate = client.post(
            f"{STUDY}{card.pk}/rate/",
            {"rating": "4", "reps": "0"},
            headers={**htmx, "X-CSRFToken": token},
        )
        assert rate.status_code == 200
    assert Review.objects.filter(user=alice).count() == 3
    # Without JavaScript the answer page posts the token with the form.
    plain = client.get(f"{STUDY}{cards[0].pk}/answer/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in plain


def test_an_expired_session_sends_htmx_to_the_login_page_whole(deck, alice):
    """Logged out in another tab: the next htmx request gets HX-Redirect to the login
    page (htmx loads it as a page), never a login form swapped into the card."""
    tab = Client(enforce_csrf_checks=True)
    tab.force_login(alice)
    page = tab.get(STUDY)
    token = re.search(r'"x-csrftoken": "(\w+)"', page.content.decode())[1]
    other_tab = Client()
    other_tab.cookies = tab.cookies
    assert other_tab.post("/accounts/logout/").status_code == 302
    card = deck.cards.order_by("position").first()

    flip = tab.get(f"{STUDY}{card.pk}/answer/", headers={"HX-Request": "true"})
    rate = tab.post(
        f"{STUDY}{card.pk}/rate/",
        {"rating": "4", "reps": "0"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    for response in (flip, rate):
        assert response["HX-Redirect"].startswith("/accounts/login/?next=")
        assert response.status_code == 204
        assert response.content == b""
        assert not response.has_header("Location")
    assert Review.objects.count() == 0
    # Without htmx the same request is an ordinary redirect to log in.
    plain = tab.get(f"{STUDY}{card.pk}/answer/")
    assert plain.status_code == 302
    assert plain["Location"].startswith("/accounts/login/?next=")


def test_htmx_keeps_no_page_in_its_history_cache(alice_client: Client):
    page = alice_client.get("/").content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    assert config, "no htmx-config"
    settings = json.loads(config[1])
    assert settings["historyCacheSize"] == 0
    assert settings["allowEval"] is False
    assert settings["includeIndicatorStyles"] is False
