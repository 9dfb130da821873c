"""Deck file formats: each module reads (and, where it can, writes) one format.

`read_deck` finds the format, reads the file and lists every problem with its
line, for a preview; `parse_deck` is the same but raises `DeckFormatError`
unless the deck can be stored whole, so an import has every card or nothing.
`read_deck_in_steps` reads as `read_deck` does, counting the cards as it goes.
"""

from collections.abc import Generator
from pathlib import PurePath

from . import apkg, brainscape, delimited
from .base import (
    DeckFormatError,
    Limits,
    ParsedCard,
    ParsedDeck,
    Problem,
    clean_line,
    clean_text,
    decode_text,
    finish,
    megabytes,
    title_from_filename,
)

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "FORMATS",
    "DeckFormatError",
    "Limits",
    "ParsedCard",
    "ParsedDeck",
    "Problem",
    "check_size",
    "clean_line",
    "clean_text",
    "decode_text",
    "detect_format",
    "export_parsed",
    "finish",
    "parse_deck",
    "read_deck",
    "read_deck_in_steps",
    "title_from_filename",
]

# The formats of files; "pasted" (Quizlet-style text) is only ever chosen.
FORMATS = ("brainscape", "csv", "tsv", "apkg")
EXTENSIONS = {"brainscape": "txt", "csv": "csv", "tsv": "tsv", "apkg": "apkg"}
CONTENT_TYPES = {
    "brainscape": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "apkg": "application/octet-stream",
}


def check_size(size: int, limits: Limits | None = None) -> None:
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise DeckFormatError(
            f"the file is {megabytes(size)}; the limit is {megabytes(limits.max_bytes)}"
        )


def detect_format(data: bytes, filename: str = "") -> str:
    """The format from the file name's extension, else from the content."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".apkg", ".colpkg") or data.startswith(b"PK\x03\x04"):
        return "apkg"
    if suffix == ".csv":
        return "csv"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    text = decode_text(data)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) >= 2 and brainscape.COUNT_RE.match(lines[1]):
        return "brainscape"
    for line in lines:
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip().lower() == "separator":
                return "tsv" if value.strip().lower() in ("tab", "\t") else "csv"
            continue
        if "\t" in line:
            return "tsv"
        if "," in line:
            return "csv"
        break
    raise DeckFormatError(
        "cannot tell the file's format; choose one (brainscape, csv, tsv or apkg)"
    )


def read_deck(
    data: bytes,
    *,
    format: str | None = None,
    filename: str = "",
    title: str | None = None,
    separator: str = "\t",
    card_separator: str = "\n",
    limits: Limits | None = None,
) -> ParsedDeck:
    """The deck in `data` with every problem found, for a preview.

    Raises DeckFormatError only when nothing can be read at all (too big, not
    text, not an archive). The title is `title`, else the one a Brainscape file
    carries, else the file name's. `separator` and `card_separator` are for
    the "pasted" format.
    """
    return finish(
        read_deck_in_steps(
            data,
            format=format,
            filename=filename,
            title=title,
            separator=separator,
            card_separator=card_separator,
            limits=limits,
        )
    )


def read_deck_in_steps(
    data: bytes,
    *,
    format: str | None = None,
    filename: str = "",
    title: str | None = None,
    separator: str = "\t",
    card_separator: str = "\n",
    limits: Limits | None = None,
) -> Generator[int, None, ParsedDeck]:
    """`read_deck`, yielding the number of cards read so far after each card,
    so that a page can show a large file's progress."""
    limits = limits or Limits.from_settings()
    check_size(len(data), limits)
    format = format or detect_format(data, filename)
    if format == "brainscape":
        deck = yield from brainscape.read_in_steps(data)
    elif format == "csv":
        deck = yield from delimited.read_in_steps(data, separator=",")
    elif format == "tsv":
        deck = yield from delimited.read_in_steps(data, separator="\t")
    elif format == "pasted":
        deck = yield from delimited.read_pasted_in_steps(
            data, separator=separator, card_separator=card_separator
        )
    elif format == "apkg":
        deck = yield from apkg.read_in_steps(data, limits)
    else:
        raise DeckFormatError(f"unknown format {format!r}")
    if title and clean_line(title):
        deck.title = clean_line(title)
    elif not deck.title:
        deck.title = title_from_filename(filename)
    return deck.validate(limits)


def parse_deck(data: bytes, **options) -> ParsedDeck:
    """`read_deck`, but the deck only if it has no problem at all."""
    return read_deck(data, **options).check()


def export_parsed(deck: ParsedDeck, format: str, *, key: str = "") -> bytes:
    """The deck written in `format`; `key` keeps an Anki package's ids stable."""
    if format == "brainscape":
        return brainscape.export(deck).encode()
    if format == "csv":
        return delimited.export(deck, separator=",").encode()
    if format == "tsv":
        return delimited.export(deck, separator="\t").encode()
    if format == "apkg":
        return apkg.export(deck, key=key)
    raise ValueError(f"cannot export to {format!r}")
