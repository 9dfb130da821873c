"""The admin's "Import deck" page: upload or paste, preview, confirm."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from decks.models import Card, Deck
from tests.conftest import BUNDLED_DECK, DATA
from tests.decks.anki import legacy_package

URL = "/admin/decks/deck/import/"


def upload(name: str, data: bytes, **fields) -> dict:
    return {"file": SimpleUploadedFile(name, data), **fields}


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the preview offers no confirm button"
    return match.group(1)


def messages_of(client: Client, url: str) -> str:
    return client.get(url).content.decode()


def test_it_requires_staff(client, alice_client, db):
    for anonymous_or_not_staff in (client, alice_client):
        response = anonymous_or_not_staff.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_deck_list_links_to_it(staff_client):
    html = staff_client.get("/admin/decks/deck/").content.decode()
    assert f'<a href="{URL}" class="addlink">Import deck</a>' in html


def test_it_shows_the_form(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'name="file"' in html and 'name="text"' in html and 'name="format"' in html


@pytest.mark.django_db
def test_upload_preview_confirm_then_study(staff_client, alice_client):
    response = staff_client.post(
        URL, upload("fine-tuning-flashcards.txt", BUNDLED_DECK.read_bytes())
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deck <strong>Fine Tuning Flashcards</strong> (fine-tuning-flashcards)" in html
    assert "a new deck" in html
    assert "20 to add, 0 to update, 0 unchanged" in html
    assert "What is Model Distillation?" in html
    assert "how is transfer learning and fine-tuning related?" in html
    assert 'value="Import 20 cards"' in html
    # Nothing is stored before the confirm.
    assert not Deck.objects.exists() and not Card.objects.exists()

    response = staff_client.post(URL, {"token": token_of(html)})
    assert response.status_code == 303
    deck = Deck.objects.get(slug="fine-tuning-flashcards")
    assert response["Location"] == f"/admin/decks/deck/{deck.pk}/change/"
    assert deck.cards.count() == 20
    page = messages_of(staff_client, response["Location"])
    assert "Imported Fine Tuning Flashcards: 20 added, 0 updated, 0 unchanged." in page

    study = alice_client.get("/decks/fine-tuning-flashcards/study/")
    assert study.status_code == 200
    assert "What is Model Distillation?" in study.content.decode()


@pytest.mark.django_db
def test_paste_quizlet_text_with_chosen_separators(staff_client):
    data = {
        "text": (DATA / "quizlet.txt").read_text(),
        "format": "pasted",
        "title": "Biology",
        "separator": "custom",
        "custom_separator": " - ",
        "card_separator": "semicolon",
    }
    html = staff_client.post(URL, data).content.decode()
    assert "3 to add" in html
    assert "<td>photosynthesis</td><td>how plants make food</td>" in html
    staff_client.post(URL, {"token": token_of(html)})
    assert list(Card.objects.filter(deck__title="Biology").values_list("question", "answer")) == [
        ("photosynthesis", "how plants make food"),
        ("osmosis", "water through a membrane"),
        ("mitochondria", "the powerhouse - of the cell"),
    ]


@pytest.mark.django_db
def test_paste_as_a_browser_sends_it(staff_client):
    # A browser sends a textarea's lines and any newline in a value as CR LF,
    # so the separators' values are names.
    form = staff_client.get(URL).content.decode()
    values = re.findall(r'<option value="([^"]*)"', form)
    assert "newline" in values and all(value.isprintable() for value in values)
    data = {
        "text": "bonjour\thello\r\nmerci\tthank you\r\n",
        "format": "pasted",
        "title": "French",
        "separator": "tab",
        "card_separator": "newline",
    }
    html = staff_client.post(URL, data).content.decode()
    staff_client.post(URL, {"token": token_of(html)})
    assert list(Card.objects.values_list("question", "answer")) == [
        ("bonjour", "hello"),
        ("merci", "thank you"),
    ]


@pytest.mark.django_db
def test_pasted_csv_is_detected(staff_client):
    data = {"text": "question,answer,category\r\nWhy?,Because,Reasons\r\n", "title": "Pasted"}
    html = staff_client.post(URL, data).content.decode()
    staff_client.post(URL, {"token": token_of(html)})
    card = Card.objects.get(deck__title="Pasted")
    assert (card.question, card.answer, card.category) == ("Why?", "Because", "Reasons")


@pytest.mark.django_db
def test_an_anki_package(staff_client):
    package = legacy_package([(["Bonjour", "Hello"], ["French"])])
    html = staff_client.post(URL, upload("french.apkg", package)).content.decode()
    assert '<th scope="col">Note</th>' in html
    staff_client.post(URL, {"token": token_of(html)})
    assert Card.objects.get(deck__title="French").question == "Bonjour"


@pytest.mark.django_db
def test_every_problem_is_shown_with_its_line_and_nothing_can_be_confirmed(staff_client):
    response = staff_client.post(
        URL, upload("order.txt", (DATA / "brainscape_out_of_order.txt").read_bytes())
    )
    html = response.content.decode()
    assert "2 problems found. Nothing has been imported" in html
    problem = "cards are numbered out of order: expected card 2, found 3"
    assert f"<tr><td>Line 16</td><td>{problem}</td></tr>" in html
    assert "<tr><td>Line 27</td>" in html
    # The cards that could be read are previewed all the same.
    assert "<td>Three?</td>" in html
    assert 'name="token"' not in html
    assert not Deck.objects.exists()


@pytest.mark.django_db
def test_a_file_that_cannot_be_read_at_all(staff_client):
    html = staff_client.post(URL, upload("x.apkg", b"PK\x03\x04 broken")).content.decode()
    assert "<td>The file</td><td>this is not an Anki package: it is not a zip archive</td>" in html
    assert not Deck.objects.exists()


def test_a_file_over_the_limit_is_refused(staff_client, settings):
    settings.DECK_IMPORT_MAX_BYTES = 1000
    html = staff_client.post(URL, upload("big.csv", b"q,a\n" * 300)).content.decode()
    assert "the file is 1.2 kB; the limit is 1000 bytes" in html
    assert not Deck.objects.exists()


def test_a_file_or_text_but_not_both(staff_client):
    html = staff_client.post(URL, upload("a.csv", b"q,a\n", text="q,a")).content.decode()
    assert "Upload a file or paste text, not both." in html
    html = staff_client.post(URL, {"format": "csv"}).content.decode()
    assert "Upload a file or paste the cards." in html


@pytest.mark.django_db
def test_pasted_text_needs_a_title(staff_client):
    html = staff_client.post(URL, {"text": "a\tb\n", "format": "tsv"}).content.decode()
    assert "the deck has no title" in html
    assert 'name="token"' not in html


@pytest.mark.django_db
def test_a_forged_or_stale_token_stores_nothing(staff_client):
    response = staff_client.post(URL, {"token": "forged"})
    assert response.status_code == 303
    assert response["Location"] == URL
    assert "That preview has expired; upload the cards again." in messages_of(staff_client, URL)
    assert not Deck.objects.exists()


@pytest.mark.django_db
def test_confirming_twice_imports_once(staff_client):
    html = staff_client.post(URL, upload("cards.csv", (DATA / "cards.csv").read_bytes())).content
    token = token_of(html.decode())
    assert staff_client.post(URL, {"token": token}).status_code == 303
    assert staff_client.post(URL, {"token": token})["Location"] == URL
    assert Card.objects.count() == 4


def test_the_preview_shows_what_a_reimport_changes(staff_client, deck):
    text = BUNDLED_DECK.read_text().replace("Smaller, faster, cheaper", "Smaller and faster")
    html = staff_client.post(URL, upload("ft.txt", text.encode())).content.decode()
    assert "updates the existing deck" in html
    assert "0 to add, 1 to update, 19 unchanged" in html
    assert "<td>Smaller and faster</td><td>changed</td>" in html
    assert deck.cards.get(position=2).answer == "Smaller, faster, cheaper"


def test_card_text_in_the_preview_is_text(staff_client, db):
    data = b'question,answer\n"<script>alert(1)</script>","<img src=x onerror=alert(2)>"\n'
    html = staff_client.post(URL, upload("evil.csv", data)).content.decode()
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
