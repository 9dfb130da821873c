"""A large file in the admin's "Import deck" page: counts while it is read and
while it is stored, sent as the work goes (a streamed page, no JavaScript).

Each test posts a real file through the admin with the test client and reads
the page as the browser gets it: the streamed parts, in order.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import connection
from django.test import Client

from decks.formats import ParsedCard, ParsedDeck, export_parsed
from decks.models import Card, Deck

URL = "/admin/decks/deck/import/"
CARDS = 5000


def question(n: int) -> str:
    return f"What is the capital of country number {n}, in a long list of countries?"


def big_deck(count: int = CARDS) -> ParsedDeck:
    return ParsedDeck(
        title="Big deck",
        cards=[
            ParsedCard(question(n), f"City {n}, the capital of country {n}", f"Region {n % 7}")
            for n in range(1, count + 1)
        ],
    )


def big_csv(count: int = CARDS, *, without_answer: int | None = None) -> bytes:
    """A CSV of `count` cards (card n on line n + 1), about 100 bytes each;
    card `without_answer` is a question alone."""
    rows = export_parsed(big_deck(count), "csv").decode().split("\r\n")
    if without_answer:
        rows[without_answer] = "A question that nobody answered"
    return "\r\n".join(rows).encode()


def parts_of(response) -> list[str]:
    """The page as it was sent, part by part."""
    assert response.status_code == 200
    assert response.streaming, "a large file should get a streamed page"
    return [part.decode() for part in response.streaming_content]


def part_with(parts: list[str], text: str) -> int:
    """Which part first holds `text`."""
    return next(i for i, part in enumerate(parts) if text in part)


def preview(client: Client, data: bytes, name: str = "big_deck.csv", **fields) -> list[str]:
    return parts_of(client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}))


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the preview offers no confirm button"
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_a_large_file_counts_while_read_then_while_stored(staff_client):
    data = big_csv()
    assert len(data) > 256 * 1024

    parts = preview(staff_client, data)
    html = "".join(parts)
    assert re.findall(r"Read ([\d,]+) cards…", html) == [
        "1,000",
        "2,000",
        "3,000",
        "4,000",
        "5,000",
    ]
    assert '<div class="import-progress" role="status" aria-live="polite">' in html
    # Each count went out on its own, before the preview was made.
    start = part_with(parts, f"Reading big_deck.csv ({len(data) / 1024:.1f} kB)…")
    first, done = part_with(parts, "Read 1,000 cards…"), part_with(parts, "Read 5,000 cards.")
    summary = part_with(parts, "5000 to add, 0 to update, 0 unchanged")
    assert start < first < part_with(parts, "Read 2,000 cards…") < done < summary
    assert "Deck <strong>Big deck</strong> (big-deck):" in html
    assert html.count("<td>new</td>") == CARDS
    assert f"<td>{question(CARDS)}</td>" in html
    assert 'value="Import 5000 cards"' in html
    assert html.rstrip().endswith("</html>")
    assert not Deck.objects.exists() and not Card.objects.exists()

    token = token_of(html)
    parts = parts_of(staff_client.post(URL, {"token": token}))
    html = "".join(parts)
    stored = re.findall(r"Stored ([\d,]+) of 5,000 cards…", html)
    assert stored == ["1,000", "2,000", "3,000", "4,000", "5,000"]
    assert '<progress max="5000" value="2000">' in html
    result = "Imported Big deck: 5000 added, 0 updated, 0 unchanged."
    start = part_with(parts, "Checking 5,000 cards against the deck…")
    assert start < part_with(parts, "Stored 1,000 of") < part_with(parts, "Stored 4,000 of")
    assert part_with(parts, "Stored 5,000 of") < part_with(parts, result)
    deck = Deck.objects.get(slug="big-deck")
    link = f'<a href="/admin/decks/card/?deck__id__exact={deck.pk}">See the deck\'s cards</a>'
    assert link in html
    assert deck.cards.count() == CARDS
    last = deck.cards.get(position=CARDS)
    assert (last.question, last.answer, last.category) == (
        question(CARDS),
        f"City {CARDS}, the capital of country {CARDS}",
        f"Region {CARDS % 7}",
    )
    # The preview was used up: confirming it again imports nothing more.
    assert staff_client.post(URL, {"token": token})["Location"] == URL
    assert Card.objects.count() == CARDS


@pytest.mark.django_db(transaction=True)
def test_a_large_reimport_counts_only_what_it_writes(staff_client):
    token = token_of("".join(preview(staff_client, big_csv())))
    parts_of(staff_client.post(URL, {"token": token}))
    assert Card.objects.count() == CARDS
    changed = big_deck()
    for n in range(1500):
        card = changed.cards[n]
        changed.cards[n] = ParsedCard(card.question, card.answer + " (corrected)", card.category)
    html = "".join(preview(staff_client, export_parsed(changed, "csv")))
    assert "0 to add, 1500 to update, 3500 unchanged" in html

    html = "".join(parts_of(staff_client.post(URL, {"token": token_of(html)})))
    assert re.findall(r"Stored ([\d,]+) of 1,500 cards…", html) == ["1,000", "1,500"]
    assert "Imported Big deck: 0 added, 1500 updated, 3500 unchanged." in html
    assert Card.objects.count() == CARDS
    assert Card.objects.filter(answer__endswith="(corrected)").count() == 1500


@pytest.mark.django_db
def test_an_error_late_in_a_large_file_stores_nothing(staff_client):
    parts = preview(staff_client, big_csv(without_answer=4989))
    html = "".join(parts)
    assert re.findall(r"Read ([\d,]+) cards…", html) == ["1,000", "2,000", "3,000", "4,000"]
    assert "Read 4,999 cards." in html
    assert part_with(parts, "Read 4,000 cards…") < part_with(parts, "1 problem found.")
    assert "1 problem found. Nothing has been imported; fix the file and upload it again." in html
    problem = "a question without an answer (no comma after it)"
    assert f"<tr><td>Line 4990</td><td>{problem}</td></tr>" in html
    assert 'name="token"' not in html
    assert staff_client.post(URL, {"token": "anything"})["Location"] == URL
    assert not Deck.objects.exists() and not Card.objects.exists()


def test_a_database_error_late_in_a_large_import_rolls_all_of_it_back(staff_client, a_full_disk_at):
    html = "".join(preview(staff_client, big_csv()))
    a_full_disk_at(question(4990))

    parts = parts_of(staff_client.post(URL, {"token": token_of(html)}))
    html = "".join(parts)
    stored = re.findall(r"Stored ([\d,]+) of 5,000 cards…", html)
    assert stored == ["1,000", "2,000", "3,000", "4,000"]
    # The batch of cards 4001–5000 failed; card 4001 is on line 4002.
    failure = "Nothing was imported: line 4002: the database refused cards 4001–5000:"
    assert failure in html and "the disk is full" in html
    assert part_with(parts, "Stored 4,000 of") < part_with(parts, failure)
    assert "Imported" not in html
    assert '<a href="/admin/decks/deck/import/">Upload the file again</a>' in html
    assert html.rstrip().endswith("</html>")
    assert not Deck.objects.exists() and not Card.objects.exists()
    # The transaction is over and the connection works.
    assert not connection.in_atomic_block
    assert staff_client.get(URL).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_browser_that_goes_away_midway_stores_nothing(staff_client):
    """The server closes the response when the browser goes away (WSGI), which
    closes the import under way: its transaction rolls back."""
    html = "".join(preview(staff_client, big_csv()))
    response = staff_client.post(URL, {"token": token_of(html)})
    sent = ""
    for part in response.streaming_content:
        sent += part.decode()
        if "Stored 2,000 of 5,000 cards…" in sent:
            break
    response.close()
    assert "Imported" not in sent
    assert not connection.in_atomic_block
    assert not Deck.objects.exists() and not Card.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_request_finishes_after_the_import_has_committed(staff_client):
    """Django closes the database connection when the request finishes, which
    for a streamed page is when the stream ends: after the transaction, never in it."""
    html = "".join(preview(staff_client, big_csv()))
    seen = []

    def finished(**kwargs) -> None:
        seen.append((connection.in_atomic_block, Card.objects.count()))

    request_finished.connect(finished)
    try:
        response = staff_client.post(URL, {"token": token_of(html)})
        assert seen == []  # the view has answered; the import has not begun
        parts_of(response)
    finally:
        request_finished.disconnect(finished)
    assert seen == [(False, CARDS)]


@pytest.mark.django_db
@pytest.mark.parametrize("format", ["brainscape", "tsv", "apkg"])
def test_every_format_counts_as_it_is_read(staff_client, format):
    data = export_parsed(big_deck(), format, key="big-deck")
    assert len(data) > 256 * 1024
    name = {"brainscape": "big.txt", "tsv": "big_deck.tsv", "apkg": "big_deck.apkg"}[format]
    parts = preview(staff_client, data, name)
    html = "".join(parts)
    assert re.findall(r"Read ([\d,]+) cards…", html) == [
        "1,000",
        "2,000",
        "3,000",
        "4,000",
        "5,000",
    ]
    assert part_with(parts, "Read 5,000 cards.") < part_with(parts, "5000 to add")
    assert 'value="Import 5000 cards"' in html


@pytest.mark.django_db
def test_large_pasted_text_counts_as_it_is_read(staff_client):
    text = "".join(f"term {n} {'x' * 60}\tdefinition {n} {'y' * 60}\n" for n in range(1, 3001))
    data = {"text": text, "format": "pasted", "title": "Pasted", "separator": "tab"}
    html = "".join(parts_of(staff_client.post(URL, data)))
    assert re.findall(r"Read ([\d,]+) cards…", html) == ["1,000", "2,000", "3,000"]
    assert "3000 to add" in html
    assert "term 3000" in html


@pytest.mark.django_db
def test_a_streamed_page_is_not_held_back_by_gzip(staff_client, settings):
    """Gzip would hold the small parts back until the page ends."""
    assert "flashsite.middleware.GZipMiddleware" in settings.MIDDLEWARE
    response = staff_client.post(
        URL, {"file": SimpleUploadedFile("big_deck.csv", big_csv())}, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.get("Content-Encoding", "") == ""
    assert response["X-Accel-Buffering"] == "no"
    parts = parts_of(response)
    assert part_with(parts, "Read 1,000 cards…") < part_with(parts, "5000 to add")


@pytest.mark.django_db
def test_a_streamed_page_keeps_the_sites_headers_and_csp(staff_client):
    response = staff_client.post(URL, {"file": SimpleUploadedFile("big_deck.csv", big_csv())})
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = "".join(parts_of(response))
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []  # no inline script
    assert re.findall(r"\sstyle=", html) == []  # no inline style
    assert 'href="/static/css/import_deck.css"' in html


@pytest.mark.django_db
def test_a_large_file_is_for_staff_with_a_csrf_token_only(alice_client, charlie):
    files = {"file": SimpleUploadedFile("big_deck.csv", big_csv())}
    response = alice_client.post(URL, files)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(charlie)
    files["file"].seek(0)
    assert staff.post(URL, files).status_code == 403
    assert not Deck.objects.exists()
