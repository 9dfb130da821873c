"""`python manage.py import_deck PATH [--format] [--title]`."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from decks.models import Card, Deck
from reviews.models import Review, record_review
from tests.conftest import BUNDLED_DECK, DATA, ROOT
from tests.decks.anki import legacy_package
from tests.decks.test_brainscape import BUNDLED_CARDS

pytestmark = pytest.mark.django_db


def import_deck(*args: str) -> str:
    out = StringIO()
    call_command("import_deck", *args, stdout=out)
    return out.getvalue().strip()


def test_it_imports_the_bundled_deck():
    assert import_deck(str(BUNDLED_DECK)) == (
        "Fine Tuning Flashcards: 20 added, 0 updated, 0 unchanged"
    )
    deck = Deck.objects.get()
    assert (deck.title, deck.slug) == ("Fine Tuning Flashcards", "fine-tuning-flashcards")
    cards = deck.cards.order_by("position")
    assert [(c.category, c.question, c.answer) for c in cards] == BUNDLED_CARDS
    assert [c.position for c in cards] == list(range(1, 21))


def test_importing_the_same_file_again_changes_nothing():
    import_deck(str(BUNDLED_DECK))
    before = list(Card.objects.values_list("pk", "updated").order_by("pk"))
    assert import_deck(str(BUNDLED_DECK)) == (
        "Fine Tuning Flashcards: 0 added, 0 updated, 20 unchanged"
    )
    assert list(Card.objects.values_list("pk", "updated").order_by("pk")) == before


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("brainscape_count_mismatch.txt", "line 3: the file says (3 cards) but holds 2"),
        ("brainscape_no_answer.txt", 'line 16: card 2 has a question but no answer (no "A" line)'),
        ("brainscape_out_of_order.txt", "line 16: cards are numbered out of order"),
        ("broken_quote.csv", 'line 3: a quoted field is never closed (a " is missing)'),
    ],
)
def test_a_malformed_file_names_the_line_and_stores_nothing(name, line):
    with pytest.raises(CommandError) as error:
        import_deck(str(DATA / name))
    assert str(error.value).startswith(f"{DATA / name}: ")
    assert line in str(error.value)
    assert not Deck.objects.exists()
    assert not Card.objects.exists()


def test_a_malformed_file_exits_non_zero(tmp_path):
    # The real command line, on a database of its own: the file is refused
    # before any query, so the database need not even exist.
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_deck", str(DATA / "brainscape_no_answer.txt")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert 'line 16: card 2 has a question but no answer (no "A" line)' in result.stderr
    assert result.stdout == ""


def test_reimport_updates_by_question_adds_new_cards_and_keeps_reviewed_ones(alice, tmp_path):
    deck = Deck.objects.get(pk=_import_bundled().pk)
    last = deck.cards.get(position=20)
    record_review(user=alice, card=last, rating=4, now=timezone.now(), shown_reps=0)
    text = BUNDLED_DECK.read_text()
    text = text.replace("Smaller, faster, cheaper", "Smaller, faster and cheaper")
    # The last card leaves the file, a new one takes its number.
    head = text.split("\n20\nQ\n")[0]
    path = tmp_path / "fine-tuning.txt"
    path.write_text(head + "\n20\nQ\n\nNew\n\nA brand new question?\n\nA\n\nYes\n")

    assert import_deck(str(path)) == (
        "Fine Tuning Flashcards: 1 added, 1 updated, 18 unchanged; 1 not in the file kept"
    )
    assert deck.cards.count() == 21
    assert deck.cards.get(position=2).answer == "Smaller, faster and cheaper"
    assert deck.cards.filter(question="A brand new question?", category="New").exists()
    # The reviewed card is kept with its history.
    assert Card.objects.filter(pk=last.pk).exists()
    assert Review.objects.filter(card=last, user=alice).count() == 1


def _import_bundled() -> Deck:
    import_deck(str(BUNDLED_DECK))
    return Deck.objects.get(slug="fine-tuning-flashcards")


@pytest.mark.parametrize(
    ("name", "title", "count"),
    [
        ("cards.csv", "Cards", 4),
        ("cards_no_header.csv", "Cards no header", 3),
        ("cards.tsv", "Cards", 2),
        ("anki_notes.txt", "Anki notes", 3),
        ("brainscape_tricky.txt", "Tricky Deck", 4),
    ],
)
def test_formats_are_detected_and_titles_come_from_file_names(name, title, count):
    assert import_deck(str(DATA / name)) == f"{title}: {count} added, 0 updated, 0 unchanged"
    assert Deck.objects.get(title=title).cards.count() == count


def test_an_anki_package(tmp_path):
    path = tmp_path / "my_anki_deck.apkg"
    path.write_bytes(legacy_package([(["Front", "Back"], ["Tag"])]))
    assert import_deck(str(path)) == "My anki deck: 1 added, 0 updated, 0 unchanged"
    card = Card.objects.get(deck__slug="my-anki-deck")
    assert (card.question, card.answer, card.category) == ("Front", "Back", "Tag")


def test_title_option():
    assert import_deck(str(DATA / "cards.csv"), "--title", "Arithmetic and more").startswith(
        "Arithmetic and more: 4 added"
    )
    assert Deck.objects.get().slug == "arithmetic-and-more"


def test_format_option_overrides_detection(tmp_path):
    path = tmp_path / "semi.txt"
    path.write_text("question\tanswer\nwhat\tthat, and this\n")
    import_deck(str(path), "--format", "tsv")
    assert Card.objects.get().answer == "that, and this"


def test_a_format_that_cannot_be_told(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some words\n")
    with pytest.raises(CommandError) as error:
        import_deck(str(path))
    assert "cannot tell the file's format" in str(error.value)


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        import_deck(str(tmp_path / "nope.csv"))
    assert "No such file or directory" in str(error.value)


def test_titles_without_latin_letters_get_slugs_of_their_own(tmp_path):
    for title in ("日本語", "中文"):
        import_deck(str(DATA / "cards.csv"), "--title", title)
    slugs = sorted(Deck.objects.values_list("slug", flat=True))
    assert len(slugs) == 2 and all(slug.startswith("deck-") for slug in slugs)
