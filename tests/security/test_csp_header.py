"""The Content-Security-Policy header: built once for the site's policy
(flashsite/middleware.py), and still django-csp's for anything else."""

import pytest
from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from .checks import parse_csp

STUDY = "/decks/fine-tuning-flashcards/study/"


@csp_update({"img-src": ["'self'", "blob:"]})
def own_policy(request: HttpRequest) -> HttpResponse:
    return HttpResponse("a page with its own policy")


@csp_exempt()
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("a page without a policy")


def with_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


urlpatterns = [
    path("own-policy/", own_policy),
    path("exempt/", exempt),
    path("nonce/", with_nonce),
    path("", include("flashsite.urls")),
]


def test_every_page_gets_the_policy_of_the_settings(deck, alice_client: Client, client: Client):
    expected = parse_csp(build_policy())
    assert expected["default-src"] == {"'self'"}
    card = deck.cards.order_by("position").first()
    htmx = {"HX-Request": "true"}
    responses = [
        client.get("/"),
        client.get("/accounts/login/"),
        client.get("/no-such-page/"),
        alice_client.get("/"),
        alice_client.get(STUDY),
        alice_client.get(f"{STUDY}{card.pk}/answer/", headers=htmx),
        alice_client.post(f"{STUDY}{card.pk}/rate/", {"rating": "4", "reps": "0"}, headers=htmx),
        alice_client.get("/progress/"),
    ]
    for response in responses:
        header = response["Content-Security-Policy"]
        assert parse_csp(header) == expected, response.request["PATH_INFO"]


def test_a_change_of_the_settings_changes_the_header(alice_client: Client):
    assert "img-src" not in alice_client.get("/")["Content-Security-Policy"]
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        header = alice_client.get("/")["Content-Security-Policy"]
    assert parse_csp(header) == {"default-src": {"'self'"}, "img-src": {"'self'", "data:"}}
    assert "img-src" not in alice_client.get("/")["Content-Security-Policy"]


@pytest.mark.urls(__name__)
def test_a_page_with_its_own_policy_or_a_nonce_gets_django_csps_header(client: Client):
    own = parse_csp(client.get("/own-policy/")["Content-Security-Policy"])
    assert own == {**parse_csp(build_policy()), "img-src": {"'self'", "blob:"}}
    assert not client.get("/exempt/").has_header("Content-Security-Policy")
    policy = {"DIRECTIVES": {"default-src": [SELF], "script-src": [SELF, NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response = client.get("/nonce/")
    nonce = response.content.decode().split("'")[1]
    assert parse_csp(response["Content-Security-Policy"]) == {
        "default-src": {"'self'"},
        "script-src": {"'self'", f"'nonce-{nonce}'"},
    }
    # And the next page is back to the settings' policy alone.
    assert parse_csp(client.get("/")["Content-Security-Policy"]) == parse_csp(build_policy())
