"""flashsite.middleware: the never-cache headers of private pages, and
`request.htmx` read from the request's META."""

import asyncio

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils.cache import add_never_cache_headers
from django_htmx.middleware import HtmxDetails as DjangoHtmxDetails

from accounts.models import User
from flashsite.middleware import HtmxDetails, HtmxMiddleware, PrivatePagesMiddleware


def through_private_pages(user, response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/")
    request.user = user
    return PrivatePagesMiddleware(lambda request: response)(request)


def test_a_private_page_gets_the_headers_djangos_never_cache_writes(alice_client: Client):
    expected = HttpResponse()
    add_never_cache_headers(expected)
    response = alice_client.get("/")
    assert response["Cache-Control"] == expected["Cache-Control"]
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response.has_header("Expires")


def test_a_page_that_sets_its_own_caching_keeps_it(alice: User):
    own = HttpResponse()
    own["Cache-Control"] = "max-age=60"
    own["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
    assert through_private_pages(alice, own)["Cache-Control"] == "max-age=60"
    assert own["Expires"] == "Thu, 01 Jan 2099 00:00:00 GMT"
    expires_only = HttpResponse()
    expires_only["Expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
    through_private_pages(alice, expires_only)
    assert expires_only["Expires"] == "Thu, 01 Jan 2099 00:00:00 GMT"
    assert "no-store" in expires_only["Cache-Control"]


def test_an_anonymous_page_is_left_to_its_view(db):
    response = through_private_pages(AnonymousUser(), HttpResponse())
    assert not response.has_header("Cache-Control")
    assert not response.has_header("Expires")


HEADER_SETS = [
    {},
    {"HX-Request": "true"},
    {"HX-Request": "false"},
    {"HX-Request": ""},
    {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "card", "HX-Trigger": "flip"},
    {"HX-Request": "true", "HX-Current-URL": "https://testserver/decks/x/study/"},
    {"HX-Prompt": "caf%C3%A9", "HX-Prompt-URI-AutoEncoded": "true"},
    {"HX-Prompt": "caf%C3%A9", "HX-Prompt-URI-AutoEncoded": "false"},
    {"HX-Trigger-Name": "rating", "Triggering-Event": '{"type": "click"}'},
    {"HX-History-Restore-Request": "true"},
]
FIELDS = [
    "boosted",
    "current_url",
    "current_url_abs_path",
    "history_restore_request",
    "prompt",
    "target",
    "trigger",
    "trigger_name",
    "triggering_event",
]


@pytest.mark.parametrize("headers", HEADER_SETS)
def test_htmx_details_read_from_meta_say_what_django_htmxs_say(headers: dict) -> None:
    request = RequestFactory().get("/", headers=headers)
    ours, theirs = HtmxDetails(request), DjangoHtmxDetails(request)
    assert bool(ours) == bool(theirs)
    for field in FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field


def test_the_middleware_gives_requests_these_details(db) -> None:
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    HtmxMiddleware(view)(RequestFactory().get("/", headers={"HX-Request": "true"}))

    async def async_view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    asyncio.run(HtmxMiddleware(async_view)(RequestFactory().get("/")))
    assert [type(request.htmx) for request in seen] == [HtmxDetails, HtmxDetails]
    assert [bool(request.htmx) for request in seen] == [True, False]


def test_a_card_flip_reads_hx_request_without_building_request_headers(
    alice_client: Client, deck
) -> None:
    card = deck.cards.order_by("position").first()
    url = f"/decks/{deck.slug}/study/{card.pk}/answer/"
    flip = alice_client.get(url, headers={"HX-Request": "true"})
    assert flip.status_code == 200
    assert b'<section id="card"' in flip.content and b"<html" not in flip.content
    assert "headers" not in flip.wsgi_request.__dict__
    page = alice_client.get(url)
    assert b"<html" in page.content
