"""Deck file formats: each module reads (and, where it can, writes) one format.

Every reader returns a `ParsedDeck` or raises `DeckFormatError` naming the
line, so an import either has every card or stores nothing.
"""

from dataclasses import dataclass, field


class DeckFormatError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class ParsedCard:
    question: str
    answer: str
    category: str = ""
    line: int = 0  # where the card starts in the file, for messages


@dataclass
class ParsedDeck:
    title: str
    cards: list[ParsedCard] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """UTF-8 text with a byte-order mark and any line endings, as one `\\n` string."""
    if b"\x00" in data:
        raise DeckFormatError("the file contains NUL bytes; is it a text file?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckFormatError("the file is not valid UTF-8 text", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
