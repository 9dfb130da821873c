from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decks.formats import FORMATS, DeckFormatError, check_size, parse_deck
from decks.models import import_deck


class Command(BaseCommand):
    help = (
        "Import a deck file (Brainscape text, CSV, TSV or an Anki .apkg) in one transaction; "
        "importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--format", choices=FORMATS, default=None, help="Detected from the file when not given."
        )
        parser.add_argument(
            "--title",
            default=None,
            help="The deck's title; else a Brainscape file's own, else the file name's.",
        )

    def handle(self, *args, path: Path, format: str | None, title: str | None, **options) -> None:
        try:
            # The size first, so an oversized file is never read into memory.
            check_size(path.stat().st_size)
            data = path.read_bytes()
            parsed = parse_deck(data, format=format, filename=path.name, title=title)
            result = import_deck(parsed=parsed)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except DeckFormatError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(str(result))
