"""Anki packages: import of legacy and zstd collections, export that Anki can open."""

import io
import json
import sqlite3
import zipfile

import pytest

from decks.formats import DeckFormatError, ParsedCard, ParsedDeck, apkg, parse_deck, read_deck
from tests.conftest import BUNDLED_DECK
from tests.decks.anki import anki21b_package, collection, legacy_package, package

NOTES = [
    (["What is <b>FSRS</b>?", "A scheduler"], ["Scheduling"]),
    (["Line one<br>line two", "<div>First</div><div>Second</div>"], ["Fine_Tuning", "marked"]),
    (["5 &gt; 3?", "yes &amp; always"], []),
]
EXPECTED = [
    ("What is <b>FSRS</b>?", "A scheduler", "Scheduling"),
    ("Line one\nline two", "First\nSecond", "Fine Tuning"),
    ("5 > 3?", "yes & always", ""),
]


def cards_of(deck: ParsedDeck) -> list[tuple[str, str, str]]:
    return [(card.question, card.answer, card.category) for card in deck.cards]


@pytest.mark.parametrize("member", ["collection.anki2", "collection.anki21"])
def test_legacy_packages_made_with_genanki(member):
    deck = parse_deck(legacy_package(NOTES, member), filename="my_anki_deck.apkg")
    assert deck.format == "apkg"
    assert deck.title == "My anki deck"
    assert cards_of(deck) == EXPECTED
    assert [card.line for card in deck.cards] == [1, 2, 3]


def test_zstd_anki21b_is_read_rather_than_the_please_update_note():
    deck = parse_deck(anki21b_package(NOTES), filename="new.apkg")
    assert cards_of(deck) == EXPECTED


def test_the_format_is_detected_from_the_content():
    deck = parse_deck(legacy_package(NOTES), filename="download")
    assert deck.format == "apkg"


def test_html_is_sanitised():
    notes = [
        (['<img src=x onerror="alert(1)">Q<script>alert(2)</script>', "A"], []),
        (
            [
                '<a href="javascript:alert(3)">link</a>',
                '<div hx-get="/x" style="color:red">B</div>',
            ],
            [],
        ),
    ]
    deck = parse_deck(legacy_package(notes), filename="x.apkg")
    assert cards_of(deck) == [
        ("Q", "A", ""),
        ('<a rel="noopener noreferrer nofollow">link</a>', "B", ""),
    ]


def test_every_bad_note_is_a_problem_named_by_its_number():
    notes = [(["Fine", "ok"], []), (["Only a front"], []), (["", "no question"], [])]
    deck = read_deck(legacy_package(notes), filename="x.apkg")
    assert [str(problem) for problem in deck.problems] == [
        "note 2: the note has one field; a card needs a question and an answer",
        "note 3: card 2 has an empty question",
    ]
    with pytest.raises(DeckFormatError):
        parse_deck(legacy_package(notes), filename="x.apkg")


def test_invalid_utf8_in_a_note_is_a_problem():
    connection = sqlite3.connect(":memory:")
    connection.deserialize(collection(NOTES))
    connection.execute(
        "UPDATE notes SET flds = CAST(x'51ff1f41' AS TEXT) WHERE id = (SELECT min(id) FROM notes)"
    )
    connection.commit()
    data = package({"collection.anki2": connection.serialize()})
    deck = read_deck(data, filename="x.apkg")
    assert [str(problem) for problem in deck.problems] == [
        "note 1: the note is not valid UTF-8 text"
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "this is not an Anki package: it is not a zip archive"),
        (
            package({"media": b"{}"}),
            "this is not an Anki package: it holds no collection.anki2, "
            "collection.anki21 or collection.anki21b",
        ),
        (
            package({"collection.anki2": b"hello"}),
            "the collection inside the package is not an SQLite database",
        ),
        (
            package({"collection.anki21b": b"not zstd"}),
            "the archive is damaged: collection.anki21b cannot be unpacked",
        ),
    ],
)
def test_what_is_not_an_anki_package(data, message):
    with pytest.raises(DeckFormatError) as error:
        parse_deck(data, filename="x.apkg")
    assert str(error.value) == message


def test_a_notes_view_is_refused():
    connection = sqlite3.connect(":memory:")
    connection.deserialize(collection(NOTES))
    connection.executescript(
        "ALTER TABLE notes RENAME TO real_notes; CREATE VIEW notes AS SELECT * FROM real_notes;"
    )
    data = package({"collection.anki2": connection.serialize()})
    with pytest.raises(DeckFormatError) as error:
        parse_deck(data, filename="x.apkg")
    assert str(error.value) == "the collection inside the package has no notes table"


def test_export_then_import_gives_back_the_same_cards():
    cards = [
        ParsedCard("What is <b>bold</b> & why?", "a < b\n\nnew paragraph", "Fine Tuning"),
        ParsedCard("**Markdown** stays as written", "```\ncode\n```", ""),
        ParsedCard("Unicode “quotes” — é", "2", "Cat, with comma"),
    ]
    data = apkg.export(ParsedDeck("Round trip", cards), key="round-trip")
    assert parse_deck(data, filename="round-trip.apkg").cards == cards


def test_the_exported_package_is_a_collection_anki_opens():
    deck = parse_deck(BUNDLED_DECK.read_bytes())
    data = apkg.export(deck, key="fine-tuning-flashcards")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["collection.anki2", "media"]
    assert json.loads(archive.read("media")) == {}
    connection = sqlite3.connect(":memory:")
    connection.deserialize(archive.read("collection.anki2"))
    assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    ((models, decks),) = connection.execute("SELECT models, decks FROM col").fetchall()
    (model,) = json.loads(models).values()
    assert [field["name"] for field in model["flds"]] == ["Question", "Answer"]
    anki_deck = next(d for d in json.loads(decks).values() if d["name"] == deck.title)
    notes = connection.execute("SELECT flds, tags FROM notes ORDER BY id").fetchall()
    assert len(notes) == 20
    assert notes[5] == (
        "What format is input files to fine-tuning?\x1f"
        "S3 JSON objects with keys like “prompt” and “completion”.",
        " Fine_Tuning ",
    )
    # One card per note, in the exported deck.
    dids = connection.execute("SELECT did, count(*) FROM cards GROUP BY did").fetchall()
    assert dids == [(anki_deck["id"], 20)]


def test_exports_of_one_deck_keep_anki_ids_so_anki_updates_rather_than_duplicates():
    deck = ParsedDeck("Deck", [ParsedCard("Q", "A")])

    def ids(data: bytes) -> tuple:
        connection = sqlite3.connect(":memory:")
        connection.deserialize(zipfile.ZipFile(io.BytesIO(data)).read("collection.anki2"))
        guid = connection.execute("SELECT guid FROM notes").fetchone()
        deck_ids = sorted(json.loads(connection.execute("SELECT decks FROM col").fetchone()[0]))
        return guid, deck_ids

    assert ids(apkg.export(deck, key="deck")) == ids(apkg.export(deck, key="deck"))
    assert ids(apkg.export(deck, key="deck")) != ids(apkg.export(deck, key="other"))
