from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decks.formats import DeckFormatError, brainscape
from decks.models import import_deck

READERS = {"brainscape": brainscape.parse}


class Command(BaseCommand):
    help = "Import a deck file; importing the same file again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=sorted(READERS), default=None)
        parser.add_argument("--title", default=None, help="The deck's title, if not the file's.")

    def handle(self, *args, path: Path, format: str | None, title: str | None, **options) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        reader = READERS[format or "brainscape"]
        try:
            parsed = reader(data)
        except DeckFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        result = import_deck(parsed=parsed, title=title)
        self.stdout.write(str(result))
