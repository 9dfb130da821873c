"""CSV and TSV: one card a row, `question, answer[, category]`.

- A first row `question,answer[,category]` (or Anki's and Quizlet's words:
  front/back, term/definition, tags) is a header, and says which column is which.
- Fields may be quoted, and a quoted field may hold the separator, quotes
  (doubled) and newlines.
- Anki's text exports start with lines such as `#separator:tab`,
  `#html:true`, `#columns:Front<tab>Back<tab>Tags`, `#tags column:3`; they
  are honoured. As in Anki, every `#` line before the first row is such a
  line (or a comment). With `#html:true` fields are HTML and are sanitised
  into card text; otherwise a field is card text as it stands.
- Quizlet's export (and anything pasted) is plain text with a chosen
  separator between question and answer and another between cards, without
  quoting: `read_pasted`.
"""

import csv
import io
from collections.abc import Generator

from ..markup import html_to_text
from .base import ParsedDeck, decode_text, finish

QUESTION_NAMES = {"question", "front", "term", "text"}
ANSWER_NAMES = {"answer", "back", "definition"}
CATEGORY_NAMES = {"category", "tags", "tag"}

# Anki's `#separator:` names; a single character stands for itself.
SEPARATOR_NAMES = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
# How a message names a separator.
SEPARATOR_WORDS = {value: name for name, value in SEPARATOR_NAMES.items()}

# Anki's own tags; they say nothing about what a card is about.
ANKI_TAGS = {"leech", "marked"}


def category_from_tags(tags: str) -> str:
    """Anki tags (space-separated, underscores for spaces) as one category."""
    names = [tag.replace("_", " ") for tag in tags.split() if tag.lower() not in ANKI_TAGS]
    return ", ".join(names)


def tags_from_category(category: str) -> list[str]:
    """The inverse of `category_from_tags`: one tag, since a category is one name."""
    return ["_".join(category.split())] if category.strip() else []


class _Meta:
    """What Anki's `#key:value` lines at the top of the file say."""

    def __init__(self) -> None:
        self.separator: str | None = None
        self.html = False
        self.columns: list[str] | None = None
        self.tags = ""
        self.tags_column: int | None = None  # 0-based
        self.skip_columns: set[int] = set()  # guid, notetype and deck columns
        self.present = False

    def read_line(self, line: str, deck: ParsedDeck, number: int) -> None:
        self.present = True
        key, colon, value = line[1:].partition(":")
        if not colon:
            return  # a comment
        key, value = key.strip().lower(), value.strip()
        if key == "separator":
            separator = SEPARATOR_NAMES.get(value.lower(), value if len(value) == 1 else None)
            if separator is None or separator in '"\n':
                deck.problem(f"unknown separator {value!r}", number)
            else:
                self.separator = separator
        elif key == "html":
            self.html = value.lower() == "true"
        elif key == "columns":
            self.columns = [value]  # split once the separator is known
        elif key == "tags":
            self.tags = value
        elif key in ("tags column", "guid column", "notetype column", "deck column"):
            if not value.isdigit() or int(value) < 1:
                deck.problem(f"{key} must be a column number, found {value!r}", number)
            elif key == "tags column":
                self.tags_column = int(value) - 1
            else:
                self.skip_columns.add(int(value) - 1)


def _mapping(labels: list[str], meta: _Meta) -> tuple[int | None, int | None, int | None] | None:
    """(question, answer, category) columns named by a header, or None if it names none."""
    names = [label.strip().lower() for label in labels]

    def find(wanted: set[str]) -> int | None:
        return next((i for i, name in enumerate(names) if name in wanted), None)

    question, answer = find(QUESTION_NAMES), find(ANSWER_NAMES)
    if question is None or answer is None:
        return None
    category = meta.tags_column if meta.tags_column is not None else find(CATEGORY_NAMES)
    return question, answer, category


def read(data: bytes, *, separator: str = ",") -> ParsedDeck:
    """The cards of a CSV (separator `,`) or TSV (separator tab) file, and every problem."""
    return finish(read_in_steps(data, separator=separator))


def read_in_steps(data: bytes, *, separator: str = ",") -> Generator[int, None, ParsedDeck]:
    """`read`, yielding the number of cards read so far after each card."""
    text = decode_text(data)
    deck = ParsedDeck(title="", format="tsv" if separator == "\t" else "csv")
    lines = text.split("\n")
    meta = _Meta()
    first = 0
    while first < len(lines) and lines[first].startswith("#"):
        meta.read_line(lines[first], deck, first + 1)
        first += 1
    separator = meta.separator or separator

    columns: tuple[int | None, int | None, int | None] | None = None
    if meta.columns is not None:
        labels = next(csv.reader([meta.columns[0]], delimiter=separator), [])
        columns = _mapping(labels, meta)
    free: list[int] | None = None  # the columns of the fields, when no header names them

    reader = csv.reader(
        io.StringIO("\n".join(lines[first:])),
        delimiter=separator,
        strict=True,
        skipinitialspace=True,
    )
    row_start = first + 1
    header_allowed = True
    try:
        for row in reader:
            line, row_start = row_start, first + reader.line_num + 1
            if not any(field.strip() for field in row):
                continue
            if header_allowed:
                header_allowed = False
                named = _mapping(row, meta)
                if named is not None and columns is None:
                    columns = named
                    continue
            if columns is not None:
                question_at, answer_at, category_at = columns
            else:
                if free is None:
                    # Anki's guid, note type, deck and tags columns hold no field.
                    taken = meta.skip_columns | {meta.tags_column}
                    free = [i for i in range(len(taken) + 3) if i not in taken][:3]
                question_at, answer_at = free[0], free[1]
                category_at = meta.tags_column if meta.tags_column is not None else free[2]
                if not meta.present and len(row) > 3:
                    word = SEPARATOR_WORDS.get(separator, repr(separator))
                    deck.problem(
                        f"{len(row)} fields where a question, an answer and a category "
                        f"were expected; put a field holding a {word} in double quotes",
                        line,
                    )
                    continue

            def field(at: int | None, row: list[str] = row) -> str:
                return row[at] if at is not None and at < len(row) else ""

            question, answer = field(question_at), field(answer_at)
            if answer_at is not None and answer_at >= len(row):
                word = SEPARATOR_WORDS.get(separator, repr(separator))
                deck.problem(f"a question without an answer (no {word} after it)", line)
                continue
            if meta.html:
                question, answer = html_to_text(question), html_to_text(answer)
            category = field(category_at)
            if category_at is not None and category_at == meta.tags_column:
                category = category_from_tags(category)
            deck.add_card(question, answer, category or category_from_tags(meta.tags), line=line)
            yield len(deck.cards)
    except csv.Error as exc:
        deck.problem(_csv_error(str(exc), deck.format), row_start)
    return deck


def _csv_error(message: str, format: str) -> str:
    if "unexpected end of data" in message:
        return 'a quoted field is never closed (a " is missing)'
    if "expected after" in message:
        return 'a " inside a quoted field must be doubled ("")'
    return f"the file is not valid {format.upper()}: {message}"


def read_pasted(data: bytes, *, separator: str = "\t", card_separator: str = "\n") -> ParsedDeck:
    """Quizlet's export and text pasted from anywhere: `question<separator>answer`,
    cards divided by `card_separator`, nothing quoted. A question ends at the first
    separator, so an answer may hold the separator itself."""
    return finish(read_pasted_in_steps(data, separator=separator, card_separator=card_separator))


def read_pasted_in_steps(
    data: bytes, *, separator: str = "\t", card_separator: str = "\n"
) -> Generator[int, None, ParsedDeck]:
    """`read_pasted`, yielding the number of cards read so far after each card."""
    text = decode_text(data)
    deck = ParsedDeck(title="", format="pasted")
    if not separator or not card_separator or separator == card_separator:
        deck.problem("the separators must be given, and differ from each other")
        return deck
    starts_at = 1  # the line the next chunk starts on (counting from the top was quadratic)
    for chunk in text.split(card_separator):
        line = starts_at + (len(chunk) - len(chunk.lstrip("\n")))
        starts_at += chunk.count("\n") + card_separator.count("\n")
        if not chunk.strip():
            continue
        question, found, answer = chunk.partition(separator)
        if not found:
            word = SEPARATOR_WORDS.get(separator, repr(separator))
            deck.problem(f"a question without an answer (no {word} after it)", line)
            continue
        deck.add_card(question, answer, line=line)
        yield len(deck.cards)
    return deck


def export(deck: ParsedDeck, *, separator: str = ",") -> str:
    """A header row, then one row a card; fields quoted where they must be."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["question", "answer", "category"])
    for card in deck.cards:
        writer.writerow([card.question, card.answer, card.category])
    return out.getvalue()
