"""Security in Chromium: hostile cards run nothing, and the admin works under the CSP.

The checks of tests/security/, seen through a browser; they live here, beside
the browser fixtures, so that one Playwright serves the whole run.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.security.checks import csp_problems
from tests.security.hostile import HOSTILE_USERNAME, make_hostile

from .conftest import ConsoleLog

pytestmark = pytest.mark.e2e


@pytest.fixture
def hostile(db):
    return make_hostile()


def test_hostile_cards_run_nothing_in_a_browser(
    hostile, page: Page, live_server, console: ConsoleLog
):
    """Chromium opens every hostile card, both sides, and the progress page: no dialog,
    no request to an address from the content, no CSP violation reported."""
    deck, cards, evil = hostile
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(HOSTILE_USERNAME)
    page.get_by_label("Password").fill("evil-password-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    for card in cards:
        page.goto(f"{live_server.url}/decks/hostile/study/?card={card.pk}")
        page.get_by_role("link", name="Show answer").click()
        page.locator("#card-answer").wait_for()
    page.goto(f"{live_server.url}/progress/hostile/")
    page.wait_for_timeout(300)

    assert dialogs == []
    assert [url for url in requests if "xss" in url or "evil.example" in url] == []
    assert console.errors == []


def test_the_admin_works_under_the_csp(page: Page, live_server, deck, charlie, console: ConsoleLog):
    """Staff log in to the admin and use its scripts (inline rows, the slug filled in
    from the title, the deck autocomplete): no CSP violation, no script error."""
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("charlie")
    page.get_by_label("Password").fill("charlie-password-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Site administration").wait_for()

    page.goto(f"{live_server.url}/admin/decks/deck/add/")
    page.get_by_label("Title").press_sequentially("Knots and hitches")
    expect(page.get_by_label("Slug")).to_have_value("knots-and-hitches")
    rows = page.locator("tr.form-row.dynamic-cards")
    before = rows.count()
    page.get_by_role("button", name="Add another Card").or_(
        page.get_by_role("link", name="Add another Card")
    ).click()
    expect(rows).to_have_count(before + 1)

    page.goto(f"{live_server.url}/admin/decks/card/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("Fine")
    page.get_by_role("option", name="Fine Tuning Flashcards").click()
    expect(page.locator(".select2-selection__rendered").first).to_contain_text("Fine Tuning")

    for url in (
        "/admin/decks/deck/",
        f"/admin/decks/deck/{deck.pk}/change/",
        "/admin/decks/deck/import/",
        "/admin/decks/card/",
        "/admin/reviews/review/",
        f"/admin/accounts/user/{charlie.pk}/change/",
    ):
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        assert csp_problems(response.headers["content-security-policy"]) == [], url
    page.wait_for_timeout(200)
    # The admin's pages name no icon, so browsers ask for /favicon.ico: a 404, not a script.
    assert [error for error in console.errors if "/favicon.ico" not in error] == []
