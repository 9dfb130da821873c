"""Deck files under fuzzing: whatever the bytes, a reader gives cards or a DeckFormatError.

Every format `decks.formats.FORMATS` lists (a format added later is fuzzed
too), Quizlet-style pasted text with any separators, and detection from the
content, are fed arbitrary bytes, text that looks almost right, and Anki
packages that are zip archives of anything, genuine packages with bytes
flipped, and zstd-compressed junk. A deck that comes back must hold only
what the database can store.
"""

import functools
import io
import os
import zipfile

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decks.formats import (
    FORMATS,
    DeckFormatError,
    ParsedCard,
    ParsedDeck,
    apkg,
    brainscape,
    delimited,
    export_parsed,
    parse_deck,
    read_deck,
)

# FUZZ_EXAMPLES=5000 for a longer hunt than CI's.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EVERY_FORMAT = [*FORMATS, "pasted", None]  # None: detect from the name and content

# Characters that matter to the formats, and some that should not.
ALPHABET = st.sampled_from(
    list("ab Q A1(2) cards\n\n\r\t,;\"'#:-|\\") + ["\x00", "\ufeff", "Ω", "\u2028", "😀", "\x1f"]
)
textish = st.text(alphabet=ALPHABET, max_size=400).map(lambda text: text.encode())
any_text = st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass"))
brainscape_like = st.builds(
    lambda title, count, body: f"{title}\n({count} cards)\n{body}".encode(),
    st.text(max_size=30),
    st.integers(min_value=-2, max_value=10**30),
    st.lists(st.sampled_from(["1", "Q", "A", "Cat", "x", "", "2"]), max_size=60).map("\n".join),
)
payloads = st.one_of(st.binary(max_size=2000), textish, any_text, brainscape_like)


def assert_reads_or_refuses(data: bytes, **options) -> None:
    try:
        deck = read_deck(data, **options)
    except DeckFormatError as exc:
        assert str(exc)
        return
    assert isinstance(deck, ParsedDeck)
    assert all(isinstance(problem.message, str) for problem in deck.problems)
    try:
        checked = parse_deck(data, **options)
    except DeckFormatError as exc:
        assert exc.problems
        return
    # What import stores: a title and cards the database can hold.
    assert checked.title and len(checked.title) <= 200
    for card in checked.cards:
        assert card.question and card.answer
        assert "\x00" not in card.question + card.answer + card.category
        assert len(card.category) <= 200


@pytest.mark.parametrize("format", EVERY_FORMAT)
@FUZZ
@given(data=payloads, filename=st.sampled_from(["", "deck.txt", "deck.csv", "deck.tsv", "x.apkg"]))
def test_any_bytes_give_cards_or_a_deck_format_error(format, data, filename):
    assert_reads_or_refuses(data, format=format, filename=filename)


@FUZZ
@given(
    data=st.one_of(textish, any_text),
    separator=st.text(max_size=4),
    card_separator=st.text(max_size=4),
)
def test_pasted_text_with_any_separators(data, separator, card_separator):
    assert_reads_or_refuses(
        data, format="pasted", separator=separator, card_separator=card_separator
    )


@functools.cache
def genuine() -> bytes:
    """A real Anki package of five cards, as Flashsite exports it."""
    deck = ParsedDeck(
        title="Fuzz",
        cards=[
            ParsedCard(question=f"Question {n}?", answer=f"Answer {n}", category="Cat")
            for n in range(1, 6)
        ],
    )
    return export_parsed(deck, "apkg")


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def collection_of_genuine() -> bytes:
    with zipfile.ZipFile(io.BytesIO(genuine())) as archive:
        return archive.read("collection.anki2")


member_names = st.sampled_from(
    [
        "collection.anki2",
        "collection.anki21",
        "collection.anki21b",
        "media",
        "0",
        "../collection.anki2",
        "/etc/collection.anki2",
        "C:collection.anki2",
        "dir/collection.anki2",
    ]
)


@st.composite
def member_content(draw) -> bytes:
    kind = draw(st.sampled_from(["junk", "sqlite-header", "flipped", "zstd", "empty"]))
    if kind == "junk":
        return draw(st.binary(max_size=3000))
    if kind == "sqlite-header":
        return b"SQLite format 3\x00" + draw(st.binary(max_size=3000))
    if kind == "empty":
        return b""
    collection = bytearray(collection_of_genuine())
    if kind == "flipped":
        for position in draw(st.lists(st.integers(0, len(collection) - 1), max_size=12)):
            collection[position] ^= draw(st.integers(1, 255))
        return bytes(collection)
    junk = draw(st.binary(max_size=500))
    return zstandard.ZstdCompressor().compress(junk or bytes(collection))


@FUZZ
@given(members=st.lists(st.tuples(member_names, member_content()), max_size=4))
def test_zip_archives_of_anything_are_packages_or_refused(members):
    data = zip_of(members)
    assert_reads_or_refuses(data, format="apkg")
    assert_reads_or_refuses(data, filename="deck.apkg")


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), max_size=20))
def test_a_genuine_package_with_flipped_bytes_is_read_or_refused(flips):
    data = bytearray(genuine())
    for position, mask in flips:
        data[position % len(data)] ^= mask
    assert_reads_or_refuses(bytes(data), format="apkg")


@FUZZ
@given(cut=st.integers(0, 10**9))
def test_a_truncated_package_is_refused_or_read(cut):
    data = genuine()
    assert_reads_or_refuses(data[: cut % (len(data) + 1)], format="apkg")


def test_the_genuine_package_reads_back():
    """The seed of the mutations above is itself a good package."""
    deck = parse_deck(genuine(), format="apkg", title="Fuzz")
    assert [card.question for card in deck.cards] == [f"Question {n}?" for n in range(1, 6)]


@pytest.mark.parametrize(
    "reader",
    [
        brainscape.read,
        lambda data: delimited.read(data, separator=","),
        lambda data: delimited.read(data, separator="\t"),
        lambda data: delimited.read_pasted(data, separator=" - ", card_separator=";"),
        apkg.read,
    ],
    ids=["brainscape", "csv", "tsv", "pasted", "apkg"],
)
@FUZZ
@given(data=payloads)
def test_each_reader_alone_gives_a_deck_or_a_deck_format_error(reader, data):
    try:
        deck = reader(data)
    except DeckFormatError:
        return
    assert isinstance(deck, ParsedDeck)
