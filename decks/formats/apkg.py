"""Anki packages (`.apkg`): a zip archive holding an SQLite collection.

Import reads each note's first two fields as question and answer and its
tags as the category, in the order the notes were made. The collection is
`collection.anki21b` (zstd-compressed, Anki 2.1.50 and later) when present,
else `collection.anki21`, else the legacy `collection.anki2`. Media files
are not imported. Fields are HTML: it is sanitised, and a field that is
plain text once `<br>` and `<div>` lines become newlines is stored as text.

The file comes from anyone, so before SQLite sees it: the archive's size,
member count, member names (no absolute or `..` paths, no symlinks) and what
each member unpacks to (at most `max_uncompressed`, and a member past
`ratio_floor` at most `max_ratio` times its packed size) are checked, and
members are read in chunks that stop at the limit. SQLite then runs in
memory, read-only, on a deadline, and must pass `quick_check`.

Export writes, with genanki, a deck Anki opens: a "Basic"-like note type
with Question and Answer fields, the category as a tag. Fields hold the
card's text HTML-escaped, so Anki shows it as written here, and importing the
package back gives the same cards.
"""

import hashlib
import io
import itertools
import sqlite3
import stat
import time
import zipfile
import zlib
from collections.abc import Generator
from pathlib import PurePosixPath

import genanki
import zstandard

from ..markup import html_to_text, text_to_html
from .base import DeckFormatError, Limits, ParsedDeck, finish, megabytes
from .delimited import category_from_tags, tags_from_category

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
CHUNK = 1024 * 1024

# Fixed so that every export uses one note type in Anki rather than a new one each time.
MODEL_ID = 1607392319
MODEL = genanki.Model(
    MODEL_ID,
    "Flashsite question and answer",
    fields=[{"name": "Question"}, {"name": "Answer"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}',
        }
    ],
    css=".card { font-family: system-ui, sans-serif; font-size: 20px; text-align: center; }",
)


def _check_members(archive: zipfile.ZipFile, limits: Limits) -> None:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise DeckFormatError(
            f"the archive holds {len(members)} files; the limit is {limits.max_members}"
        )
    total = 0
    for member in members:
        name = member.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
            raise DeckFormatError(f"the archive holds a file with an unsafe path: {name!r}")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise DeckFormatError(f"the archive holds a symbolic link: {name!r}")
        if member.flag_bits & 0x1:
            raise DeckFormatError(f"the archive's file {name!r} is encrypted")
        _check_unpacked(name, member.file_size, member.compress_size, limits)
        total += member.file_size
        if total > limits.max_uncompressed:
            raise DeckFormatError(
                f"the archive unpacks to more than {megabytes(limits.max_uncompressed)}"
            )


def _check_unpacked(name: str, size: int, packed: int, limits: Limits) -> None:
    if size > limits.max_uncompressed:
        raise DeckFormatError(
            f"{name} unpacks to more than {megabytes(limits.max_uncompressed)}; is it a zip bomb?"
        )
    if size > limits.ratio_floor and size > limits.max_ratio * max(packed, 1):
        raise DeckFormatError(
            f"{name} unpacks to {size // max(packed, 1)} times its size "
            f"(the limit is {limits.max_ratio}); is it a zip bomb?"
        )


def _read_capped(
    stream: io.RawIOBase | io.BufferedIOBase, name: str, packed: int, limits: Limits
) -> bytes:
    """All of a stream, stopping as soon as it passes the limits (sizes in
    headers can lie)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        _check_unpacked(name, size, packed, limits)
        chunks.append(chunk)
    return b"".join(chunks)


def _collection_bytes(data: bytes, limits: Limits) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise DeckFormatError("this is not an Anki package: it is not a zip archive") from None
    with archive:
        _check_members(archive, limits)
        names = set(archive.namelist())
        name = next((name for name in COLLECTIONS if name in names), None)
        if name is None:
            raise DeckFormatError(
                "this is not an Anki package: it holds no collection.anki2, "
                "collection.anki21 or collection.anki21b"
            )
        member = archive.getinfo(name)
        try:
            with archive.open(member) as stream:
                raw = _read_capped(stream, name, member.compress_size, limits)
        except DeckFormatError:
            raise
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
            ValueError,  # offsets in a damaged header: "negative seek value"
            OSError,
        ):
            raise DeckFormatError(f"the archive is damaged: {name} cannot be unpacked") from None
    if name.endswith("b"):
        try:
            reader = zstandard.ZstdDecompressor().stream_reader(
                io.BytesIO(raw), read_across_frames=True
            )
            raw = _read_capped(reader, name, len(raw), limits)
        except zstandard.ZstdError:
            raise DeckFormatError(f"the archive is damaged: {name} cannot be unpacked") from None
    return raw


def _open_collection(raw: bytes, limits: Limits) -> sqlite3.Connection:
    if not raw.startswith(b"SQLite format 3\x00"):
        raise DeckFormatError("the collection inside the package is not an SQLite database")
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        connection.deserialize(raw)
    except sqlite3.DatabaseError:
        connection.close()
        raise DeckFormatError("the collection inside the package is damaged") from None
    # Untrusted schema: no SQL functions from views or triggers, no writes,
    # and a deadline in case a crafted file makes a query run forever.
    deadline = time.monotonic() + limits.max_seconds
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
    connection.execute("PRAGMA trusted_schema = OFF")
    connection.execute("PRAGMA cell_size_check = ON")
    connection.execute("PRAGMA query_only = ON")
    connection.text_factory = bytes
    return connection


def read(data: bytes, limits: Limits | None = None) -> ParsedDeck:
    """The package's notes as cards, with a problem for each note that cannot be one."""
    return finish(read_in_steps(data, limits))


def read_in_steps(data: bytes, limits: Limits | None = None) -> Generator[int, None, ParsedDeck]:
    """`read`, yielding the number of cards read so far after each note.

    The collection stays open between steps; closing the generator closes it.
    """
    limits = limits or Limits.from_settings()
    raw = _collection_bytes(data, limits)
    deck = ParsedDeck(title="", format="apkg", unit="note")
    connection = _open_collection(raw, limits)
    try:
        check = connection.execute("PRAGMA quick_check").fetchall()
        if check != [(b"ok",)]:
            raise DeckFormatError(
                "the collection inside the package is damaged (SQLite's quick_check failed)"
            )
        kind = connection.execute("SELECT type FROM sqlite_master WHERE name = 'notes'").fetchone()
        if kind != (b"table",):
            raise DeckFormatError("the collection inside the package has no notes table")
        rows = connection.execute("SELECT flds, tags FROM notes ORDER BY id")
        for number, (fields, tags) in enumerate(rows, start=1):
            _read_note(deck, number, fields, tags)
            yield len(deck.cards)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # A damaged schema can make SQLite's own error message invalid UTF-8,
        # which Python reports as a UnicodeDecodeError instead.
        message = "took too long" if "interrupt" in str(exc) else "is damaged"
        raise DeckFormatError(f"the collection inside the package {message}") from None
    finally:
        connection.close()
    return deck


def _read_note(deck: ParsedDeck, number: int, fields: object, tags: object) -> None:
    if not isinstance(fields, bytes) or not isinstance(tags, bytes | None):
        deck.problem("the note's fields are not text", number)
        return
    try:
        values = fields.decode("utf-8").split("\x1f")
        tag_text = (tags or b"").decode("utf-8")
    except UnicodeDecodeError:
        deck.problem("the note is not valid UTF-8 text", number)
        return
    if len(values) < 2:
        deck.problem("the note has one field; a card needs a question and an answer", number)
        return
    deck.add_card(
        html_to_text(values[0]),
        html_to_text(values[1]),
        category_from_tags(tag_text),
        line=number,
    )


def _stable_id(text: str) -> int:
    """An id Anki accepts (below 2**31 for decks made outside Anki) that stays the
    same for the same deck, so a second export updates the first in Anki."""
    digest = hashlib.sha256(text.encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def export(deck: ParsedDeck, *, key: str = "") -> bytes:
    """An .apkg of the deck; `key` (the deck's slug) keeps Anki's ids stable."""
    key = key or deck.title
    anki_deck = genanki.Deck(_stable_id(key), deck.title)
    for card in deck.cards:
        anki_deck.add_note(
            genanki.Note(
                model=MODEL,
                fields=[text_to_html(card.question), text_to_html(card.answer)],
                tags=tags_from_category(card.category),
                guid=genanki.guid_for(key, card.question),
            )
        )
    # What genanki's Package.write_to_file does, with the collection built in
    # memory rather than in a temporary file that genanki leaves behind.
    now = time.time()
    connection = sqlite3.connect(":memory:")
    try:
        genanki.Package(anki_deck).write_to_db(
            connection.cursor(), now, itertools.count(int(now * 1000))
        )
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", "{}")
    return out.getvalue()
