from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decks.formats import EXTENSIONS, FORMATS
from decks.models import Deck, export_deck


class Command(BaseCommand):
    help = "Export a deck as Brainscape text, CSV, TSV or an Anki .apkg."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The deck's slug, e.g. fine-tuning-flashcards.")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="Taken from the output's extension when not given, else brainscape.",
        )
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="The file to write; text formats go to standard output without one.",
        )

    def handle(self, *args, slug: str, format: str | None, output: Path | None, **options) -> None:
        deck = Deck.objects.filter(slug=slug).first()
        if deck is None:
            raise CommandError(f"no deck has the slug {slug!r}")
        if format is None:
            suffix = output.suffix.lower().lstrip(".") if output else ""
            format = next((name for name, ext in EXTENSIONS.items() if ext == suffix), None)
            format = format or "brainscape"
        if format == "apkg" and output is None:
            raise CommandError("an .apkg is binary: name a file with --output")
        data = export_deck(deck=deck, format=format)
        if output is None:
            self.stdout.write(data.decode(), ending="")
            return
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{output}: {exc.strerror}") from None
        self.stderr.write(f"{deck.title}: {deck.cards.count()} cards written to {output}")
