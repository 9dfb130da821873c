"""Page weight: the study page, loaded cold by Chromium as production serves it,
is at most 25 KB on the wire in at most 5 requests (the performance issue).

pytest-django's live_server serves static files uncompressed, straight from
the app folders. Production serves the output of collectstatic through
WhiteNoise (`CompressedManifestStaticFilesStorage`: hashed names, a gzip and a
Brotli copy of each file, each sent to the browsers that accept it) and
compresses its HTML with `GZipMiddleware`. So these tests collect the static
files as production does and run a server of their own on which WhiteNoise
answers /static/.

Bytes are counted as DevTools' "transferred" column counts them:
`Network.loadingFinished.encodedDataLength`, the response headers and the
compressed body of every request. Chromium takes what production offers it:
Brotli for the static files, gzip for the HTML. The headers go as plain
HTTP/1.1 text here; over HTTP/2 they would be smaller still.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import override_settings
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, BrowserContext, Page, expect

from decks.models import Card, Deck

from .conftest import ConsoleLog, sign_up
from .screens import DECK, STUDY, deck_cards

pytestmark = pytest.mark.e2e

BUDGET_BYTES = 25 * 1024
BUDGET_REQUESTS = 5

# What settings.py chooses when DJANGO_DEBUG is off.
PRODUCTION_STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


class JoiningWSGIServer(ThreadedWSGIServer):
    """When closed, waits for the requests it still answers (a browser's keep-alive
    connection closing, say): each closes the database connection it shares."""

    daemon_threads = False


class ServerThread(LiveServerThread):
    server_class = JoiningWSGIServer


@pytest.fixture(scope="session")
def production_static(tmp_path_factory) -> Path:
    """The static files as `collectstatic` leaves them in production, once per worker.

    The admin's files are left out: no page measured here links to them, and
    compressing them takes most of collectstatic's time.
    """
    root = tmp_path_factory.mktemp("production-static")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin"])
    return root


@pytest.fixture
def production_server(production_static: Path, transactional_db) -> Iterator[str]:
    """A live server on which WhiteNoise serves the collected files, with DEBUG off.

    WhiteNoise reads STATIC_ROOT when the server builds its middleware, so the
    settings change before the server starts. Static and media handlers stay
    out of the way: every request goes through the site's own middleware.
    """
    with override_settings(
        STATIC_ROOT=production_static, STORAGES=PRODUCTION_STORAGES, MEDIA_URL="/media/"
    ):
        # pytest-django's in-memory SQLite database lives on one connection: share it.
        shared = [
            connection
            for connection in connections.all()
            if connection.vendor == "sqlite" and connection.is_in_memory_db()
        ]
        thread = ServerThread(
            "localhost",
            static_handler=lambda application: application,
            connections_override={connection.alias: connection for connection in shared},
        )
        thread.daemon = True
        for connection in shared:
            connection.inc_thread_sharing()
        try:
            thread.start()
            thread.is_ready.wait()
            if thread.error:
                raise thread.error
            yield f"http://localhost:{thread.port}"
        finally:
            thread.terminate()
            for connection in shared:
                connection.dec_thread_sharing()


@dataclass
class Transfer:
    url: str
    kind: str  # the DevTools resource type: Document, Stylesheet, Script, XHR…
    status: int = 0
    encoding: str = ""
    bytes: int = 0
    done: bool = False

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


class NetworkLog:
    """Every request a page makes, with the bytes received for it, from the DevTools protocol."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.transfers: list[Transfer] = []
        self._open: dict[str, Transfer] = {}
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def _sent(self, event: dict) -> None:
        if event["request"]["url"].startswith("data:"):
            return  # no request on the wire: its bytes are already in the page that holds it
        redirect = event.get("redirectResponse")
        if redirect and event["requestId"] in self._open:
            # A redirect is a request of its own, under the same id as the one it leads to.
            hop = self._open[event["requestId"]]
            hop.status, hop.bytes = redirect["status"], int(redirect["encodedDataLength"])
            hop.done = True
        transfer = Transfer(event["request"]["url"], event.get("type", ""))
        self.transfers.append(transfer)
        self._open[event["requestId"]] = transfer

    def _received(self, event: dict) -> None:
        if transfer := self._open.get(event["requestId"]):
            headers = {name.lower(): value for name, value in event["response"]["headers"].items()}
            transfer.status = event["response"]["status"]
            transfer.encoding = headers.get("content-encoding", "")

    def _finished(self, event: dict) -> None:
        if transfer := self._open.pop(event["requestId"], None):
            transfer.bytes, transfer.done = int(event["encodedDataLength"]), True

    def _failed(self, event: dict) -> None:
        if transfer := self._open.pop(event["requestId"], None):
            transfer.status, transfer.done = -1, True

    def settle(self, page: Page) -> None:
        """Wait until the network is quiet and every request has reported its size."""
        page.wait_for_load_state("networkidle")
        deadline = time.monotonic() + 5
        while not all(t.done for t in self.transfers) and time.monotonic() < deadline:
            page.wait_for_timeout(50)

    def since(self, start: int) -> list[Transfer]:
        return self.transfers[start:]


def report(transfers: list[Transfer]) -> str:
    lines = [
        f"{t.bytes:>7,} B  {t.status}  {t.kind:10} {t.encoding or 'identity':8}  {t.path}"
        for t in transfers
    ]
    total = sum(t.bytes for t in transfers)
    budget = f"budget {BUDGET_BYTES:,} B in ≤ {BUDGET_REQUESTS}"
    lines.append(f"{total:>7,} B in {len(transfers)} requests ({budget})")
    return "\n".join(lines)


def assert_within_budget(transfers: list[Transfer]) -> None:
    table = report(transfers)
    assert all(t.done and t.status == 200 for t in transfers), table
    # HTML, CSS and JS came compressed: otherwise this measured the wrong server.
    text = [t for t in transfers if t.kind in ("Document", "Stylesheet", "Script")]
    assert text and all(t.encoding in ("gzip", "br") for t in text), table
    assert len(transfers) <= BUDGET_REQUESTS, table
    assert sum(t.bytes for t in transfers) <= BUDGET_BYTES, table


def signed_in_context(browser: Browser, base_url: str, username: str) -> BrowserContext:
    """A new browser context with an empty cache, holding only a signed-in session."""
    sign_up_context = browser.new_context()
    try:
        sign_up(sign_up_context.new_page(), base_url, username)
        state = sign_up_context.storage_state()
    finally:
        sign_up_context.close()
    return browser.new_context(storage_state=state)


def cold_page(
    browser: Browser, base_url: str, username: str, console: ConsoleLog
) -> tuple[BrowserContext, Page, NetworkLog]:
    context = signed_in_context(browser, base_url, username)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console.attach(page)
    return context, page, NetworkLog(context, page)


def test_study_page_loads_cold_within_the_budget(
    browser: Browser, production_server: str, deck: Deck, console: ConsoleLog
):
    first = deck_cards(deck)[0]
    context, page, network = cold_page(browser, production_server, "pia", console)
    try:
        page.goto(production_server + STUDY)
        expect(page.locator("#card [role=heading]")).to_have_text(first.question)
        network.settle(page)
        loaded = network.since(0)
        print("\nThe study page, question side, cold:\n" + report(loaded))
        assert_within_budget(loaded)

        # Flipping fetches the answer side of the card through htmx, and nothing
        # else: no more CSS, JS or fonts.
        page.get_by_role("link", name="Show answer").click()
        expect(page.locator("#card-answer")).to_contain_text(first.answer)
        network.settle(page)
        flip = network.since(len(loaded))
        print("Flipping the card:\n" + report(flip))
        answer = f"{DECK}study/{first.pk}/answer/"
        assert [(t.kind, urlsplit(t.url).path) for t in flip] == [("XHR", answer)], report(flip)
    finally:
        context.close()
    assert console.errors == []


def test_answer_side_loads_cold_within_the_budget(
    browser: Browser, production_server: str, deck: Deck, console: ConsoleLog
):
    """The answer side as a whole page: where "Show answer" leads without JavaScript."""
    first: Card = deck_cards(deck)[0]
    context, page, network = cold_page(browser, production_server, "pia", console)
    try:
        page.goto(f"{production_server}{DECK}study/{first.pk}/answer/")
        expect(page.get_by_role("group", name="How well did you know this?")).to_be_visible()
        network.settle(page)
        print("\nThe study page, answer side, cold:\n" + report(network.transfers))
        assert_within_budget(network.transfers)
    finally:
        context.close()
    assert console.errors == []
