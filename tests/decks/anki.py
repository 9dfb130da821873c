"""Anki packages made in the tests: with genanki, and by hand with sqlite3 + zipfile
for what genanki does not write (the zstd `collection.anki21b` of Anki 2.1.50+)."""

import io
import itertools
import sqlite3
import zipfile

import genanki
import zstandard

BASIC = genanki.Model(
    1091735104,
    "Basic (test)",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
)
ONE_FIELD = genanki.Model(
    1091735105,
    "One field (test)",
    fields=[{"name": "Text"}],
    templates=[{"name": "Card 1", "qfmt": "{{Text}}", "afmt": "{{Text}}"}],
)


def collection(notes: list[tuple[list[str], list[str]]], *, name: str = "Test deck") -> bytes:
    """A legacy (schema 11) collection, as genanki writes it, as bytes."""
    deck = genanki.Deck(2059400110, name)
    for fields, tags in notes:
        model = BASIC if len(fields) == 2 else ONE_FIELD
        deck.add_note(genanki.Note(model=model, fields=fields, tags=tags))
    connection = sqlite3.connect(":memory:")
    genanki.Package(deck).write_to_db(
        connection.cursor(), 1.7e9, itertools.count(1_700_000_000_000)
    )
    connection.commit()
    data = connection.serialize()
    connection.close()
    return data


def package(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def legacy_package(
    notes: list[tuple[list[str], list[str]]], member: str = "collection.anki2"
) -> bytes:
    return package({member: collection(notes), "media": b"{}"})


# The tables of a schema-18 collection that matter here; Anki 2.1.50+ keeps
# note types, fields and decks in tables of their own rather than JSON in `col`.
SCHEMA_18 = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL,
  ls integer NOT NULL, conf text NOT NULL, models text NOT NULL, decks text NOT NULL,
  dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL,
  sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL);
CREATE TABLE fields (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
CREATE TABLE decks (id integer PRIMARY KEY NOT NULL, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, common blob NOT NULL, kind blob NOT NULL);
INSERT INTO col VALUES (1, 1700000000, 1700000000000, 1700000000000, 18, 0, 0, 0,
  '', '', '', '', '');
INSERT INTO notetypes VALUES (1, 'Basic', 0, 0, x'');
INSERT INTO fields VALUES (1, 0, 'Front', x''), (1, 1, 'Back', x'');
INSERT INTO decks VALUES (1, 'Default', 0, 0, x'', x'');
"""


def schema_18_collection(notes: list[tuple[list[str], list[str]]]) -> bytes:
    connection = sqlite3.connect(":memory:")
    connection.executescript(SCHEMA_18)
    for number, (fields, tags) in enumerate(notes, start=1):
        connection.execute(
            "INSERT INTO notes VALUES (?, ?, 1, 0, 0, ?, ?, ?, 0, 0, '')",
            (
                1_700_000_000_000 + number,
                f"guid{number}",
                f" {' '.join(tags)} ",
                "\x1f".join(fields),
                fields[0],
            ),
        )
    connection.commit()
    data = connection.serialize()
    connection.close()
    return data


def anki21b_package(notes: list[tuple[list[str], list[str]]]) -> bytes:
    """What Anki 2.1.50+ exports: the real collection zstd-compressed, a
    `meta` file, and a legacy collection telling old versions to update."""
    return package(
        {
            "collection.anki21b": zstandard.ZstdCompressor().compress(schema_18_collection(notes)),
            "collection.anki2": collection(
                [
                    (
                        [
                            "Please update to the latest Anki version, then import the "
                            ".colpkg/.apkg file again.",
                            "",
                        ],
                        [],
                    )
                ]
            ),
            "meta": b"\x08\x03",  # protobuf PackageMetadata {version: LATEST}
            "media": zstandard.ZstdCompressor().compress(b""),
        },
        compression=zipfile.ZIP_STORED,
    )
