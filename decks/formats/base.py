"""What every deck format shares: the parsed deck, its problems, text clean-up, limits."""

import re
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TypeVar

from django.conf import settings

MB = 1024 * 1024

T = TypeVar("T")


def finish(steps: Generator[object, None, T]) -> T:
    """What a step-by-step reader or importer returns, run to its end unwatched.

    Large imports run in steps so that a page can show progress between them
    (`..._in_steps` functions yield counts and return the result); everyone
    else calls the plain function, which is this over the steps.
    """
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@dataclass(frozen=True)
class Limits:
    """How much a deck file may hold, so an import runs in bounded memory and time.

    Each can be changed in settings (`DECK_IMPORT_MAX_BYTES` and so on).
    """

    max_bytes: int = 10 * MB  # the file as uploaded
    max_uncompressed: int = 50 * MB  # what an archive may unpack to, in all
    max_ratio: int = 100  # how many times its packed size one member may unpack to
    max_members: int = 5000  # files in an archive (an Anki package holds one per image)
    max_cards: int = 20000
    max_seconds: float = 20.0  # SQLite work on an Anki collection

    # A member this small cannot hurt whatever its ratio; an empty SQLite
    # page compresses a thousandfold, so small honest collections would fail.
    ratio_floor: int = 1 * MB

    @classmethod
    def from_settings(cls) -> "Limits":
        defaults = cls()
        return cls(
            max_bytes=getattr(settings, "DECK_IMPORT_MAX_BYTES", defaults.max_bytes),
            max_uncompressed=getattr(
                settings, "DECK_IMPORT_MAX_UNCOMPRESSED", defaults.max_uncompressed
            ),
            max_ratio=getattr(settings, "DECK_IMPORT_MAX_RATIO", defaults.max_ratio),
            max_members=getattr(settings, "DECK_IMPORT_MAX_MEMBERS", defaults.max_members),
            max_cards=getattr(settings, "DECK_IMPORT_MAX_CARDS", defaults.max_cards),
            max_seconds=getattr(settings, "DECK_IMPORT_MAX_SECONDS", defaults.max_seconds),
        )


def megabytes(size: int) -> str:
    """A size as people read it: "10 MB", "10.2 MB", "3.5 kB", "900 bytes"."""
    if size >= MB:
        return f"{size / MB:.1f} MB" if size % MB else f"{size // MB} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} kB"
    return f"{size} bytes"


@dataclass(frozen=True)
class Problem:
    """Something wrong with a deck file, and where: a line, or for Anki packages a note."""

    message: str
    line: int | None = None
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}" if self.line else self.message


class DeckFormatError(ValueError):
    """A deck file that cannot be imported; `problems` lists every reason found."""

    def __init__(
        self, message: str = "", line: int | None = None, *, problems: list[Problem] | None = None
    ) -> None:
        self.problems = problems if problems else [Problem(message, line)]
        self.message = self.problems[0].message
        self.line = self.problems[0].line
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ParsedCard:
    question: str
    answer: str
    category: str = ""
    # Where the card starts in the file (for Anki packages, the note's number);
    # not part of what makes two cards the same.
    line: int = field(default=0, compare=False)


@dataclass
class ParsedDeck:
    title: str
    cards: list[ParsedCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format: str = ""
    unit: str = "line"  # what `ParsedCard.line` counts

    def add_card(self, question: str, answer: str, category: str = "", *, line: int) -> None:
        self.cards.append(
            ParsedCard(
                question=clean_text(question),
                answer=clean_text(answer),
                category=clean_line(category),
                line=line,
            )
        )

    def problem(self, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(message, line, self.unit))

    def check(self) -> "ParsedDeck":
        """The deck itself, or DeckFormatError with every problem found."""
        if self.problems:
            raise DeckFormatError(problems=self.problems)
        return self

    def validate(self, limits: Limits | None = None) -> "ParsedDeck":
        """Add the problems that no single format catches: what the database
        could not store, and what a re-import could not match."""
        limits = limits or Limits.from_settings()
        if not self.title:
            self.problem("the deck has no title")
        elif len(self.title) > 200:
            self.problem("the deck's title is longer than 200 characters")
        if not self.cards and not self.problems:
            self.problem("the file holds no cards")
        if len(self.cards) > limits.max_cards:
            self.problem(f"the file holds {len(self.cards)} cards; the limit is {limits.max_cards}")
        seen: dict[str, ParsedCard] = {}
        for number, card in enumerate(self.cards, start=1):
            where = card.line or None
            if not card.question:
                self.problem(f"card {number} has an empty question", where)
            if not card.answer:
                self.problem(f"card {number} has an empty answer", where)
            if "\x00" in card.question + card.answer + card.category:
                self.problem(f"card {number} contains a NUL character", where)
            if len(card.category) > 200:
                self.problem(f"card {number}'s category is longer than 200 characters", where)
            first = seen.setdefault(card.question, card)
            if first is not card and card.question:
                # Re-imports match cards by question, so two alike could never be told apart.
                self.problem(
                    f"card {number} repeats the question of the card at {self.unit} {first.line}",
                    where,
                )
        return self


def decode_text(data: bytes) -> str:
    """UTF-8 text with a byte-order mark and any line endings, as one `\\n` string."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DeckFormatError("the file contains NUL bytes; is it a text file?", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DeckFormatError("the file is not valid UTF-8 text", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(text: str) -> str:
    """Card text as every format stores it: no trailing spaces on a line, and no
    blank lines or spaces around the whole. Nothing a reader sees is lost."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def clean_line(text: str) -> str:
    """A title or category: one line, single spaces."""
    return " ".join(text.split())


_SEPARATORS = re.compile(r"[\s_\-]+")


def title_from_filename(name: str) -> str:
    """`my_deck.csv` → "My deck"."""
    stem = PurePath(name).stem if name else ""
    words = _SEPARATORS.sub(" ", stem).strip()
    return words[:1].upper() + words[1:]
