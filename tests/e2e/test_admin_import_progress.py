"""A large import in the admin, in Chromium with JavaScript off: the streamed
page shows its latest count, then the result, under the site's CSP."""

import pytest
from playwright.sync_api import Page, expect

from decks.models import Card
from tests.decks.test_admin_import_progress import big_csv

from .conftest import ConsoleLog

pytestmark = pytest.mark.e2e


def test_a_large_import_without_javascript(
    page_without_js: Page, live_server, charlie, console: ConsoleLog, tmp_path
):
    page = page_without_js
    page.goto(f"{live_server.url}/admin/login/?next=/admin/decks/deck/import/")
    page.get_by_label("Username").fill("charlie")
    page.get_by_label("Password").fill("charlie-password-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Import deck").wait_for()

    path = tmp_path / "big_deck.csv"
    path.write_bytes(big_csv())
    page.get_by_label("File").set_input_files(path)
    page.get_by_role("button", name="Preview").click()
    status = page.get_by_role("status")
    # Each count superseded the one before; the last one stays.
    expect(status).to_have_text("Read 5,000 cards.", use_inner_text=True)
    expect(page.get_by_text("Read 1,000 cards…")).to_be_hidden()
    expect(page.get_by_text("5000 to add, 0 to update, 0 unchanged")).to_be_visible()
    # The table's rows arrive a few hundred at a time, shown as they come.
    expect(page.locator("#preview-cards tbody tr")).to_have_count(5000, timeout=60_000)
    assert not Card.objects.exists()

    page.get_by_role("button", name="Import 5000 cards").click()
    result = "Imported Big deck: 5000 added, 0 updated, 0 unchanged."
    expect(status).to_have_text(result, use_inner_text=True, timeout=60_000)
    expect(page.get_by_text("Stored 4,000 of 5,000 cards…")).to_be_hidden()
    page.get_by_role("link", name="See the deck's cards").click()
    expect(page.locator(".paginator")).to_contain_text("5000 cards")
    assert Card.objects.count() == 5000
    assert [error for error in console.errors if "/favicon.ico" not in error] == []
