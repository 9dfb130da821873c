"""`python manage.py export_deck SLUG [--format] [--output]`: what goes out comes back in."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from decks.formats import parse_deck
from tests.conftest import BUNDLED_DECK
from tests.decks.test_brainscape import BUNDLED_CARDS

pytestmark = pytest.mark.django_db


def export_deck(*args: str) -> str:
    out = StringIO()
    call_command("export_deck", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_brainscape_to_standard_output_is_the_bundled_file(deck):
    text = export_deck("fine-tuning-flashcards")
    assert text.startswith("Fine Tuning Flashcards\n\n(20 cards)\n\n1\nQ\n\nDistillation\n")
    cards = parse_deck(text.encode()).cards
    assert [(c.category, c.question, c.answer) for c in cards] == BUNDLED_CARDS


def test_csv_to_standard_output(deck):
    lines = export_deck("fine-tuning-flashcards", "--format", "csv").split("\r\n")
    assert lines[0] == "question,answer,category"
    assert lines[2] == 'Advantage to distilled models?,"Smaller, faster, cheaper",Distillation'
    assert len(lines) == 22  # header, 20 cards, and the empty string after the last line end


@pytest.mark.parametrize("extension", ["txt", "csv", "tsv", "apkg"])
def test_each_format_reimports_unchanged(deck, tmp_path, extension):
    path = tmp_path / f"fine-tuning-flashcards.{extension}"
    export_deck("fine-tuning-flashcards", "--output", str(path))
    # A Brainscape file names its deck; the others take it from --title.
    title = [] if extension == "txt" else ["--title", "Fine Tuning Flashcards"]
    out = StringIO()
    call_command("import_deck", str(path), *title, stdout=out)
    assert out.getvalue().strip() == "Fine Tuning Flashcards: 0 added, 0 updated, 20 unchanged"


def test_text_edited_in_the_admin_exports_clean(deck):
    # A browser sends a textarea's lines with CR LF.
    card = deck.cards.get(position=1)
    card.answer = "Line one\r\nLine two  \r\n"
    card.save()
    text = export_deck("fine-tuning-flashcards", "--format", "tsv")
    assert "\r\n".join(text.split("\r\n")[:2]).endswith('"Line one\nLine two"\tDistillation')


def test_an_unknown_deck(db):
    with pytest.raises(CommandError) as error:
        export_deck("no-such-deck")
    assert str(error.value) == "no deck has the slug 'no-such-deck'"


def test_an_anki_package_needs_a_file(deck):
    with pytest.raises(CommandError) as error:
        export_deck("fine-tuning-flashcards", "--format", "apkg")
    assert "--output" in str(error.value)


def test_the_bundled_file_round_trips_through_the_database(deck, tmp_path):
    path = tmp_path / "again.txt"
    export_deck("fine-tuning-flashcards", "-o", str(path))
    assert parse_deck(path.read_bytes()).cards == parse_deck(BUNDLED_DECK.read_bytes()).cards
