"""The Django side of the live test servers: run against the server's own database.

    python -m tests.security.serverdb setup USERNAME...    migrate, the bundled deck, learners
    python -m tests.security.serverdb check USERNAME       JSON: reviews, the replay's problems
    python -m tests.security.serverdb render USERNAME AT PATH...   JSON: the pages at instant AT
    python -m tests.security.serverdb tables               the database's tables, one a line

The settings (DATABASE_URL and the rest) come from the environment, as for
manage.py; see live.py, which runs this.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.security.server_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from decks.formats import brainscape  # noqa: E402
from decks.models import import_deck  # noqa: E402
from reviews.models import CardState, Review  # noqa: E402
from tests.security.replay import replay_problems  # noqa: E402

BUNDLED_DECK = ROOT / "decks" / "data" / "fine-tuning-flashcards.txt"


def password(username: str) -> str:
    return f"{username}-long-enough-secret"


def setup(usernames: list[str]) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    import_deck(parsed=brainscape.parse(BUNDLED_DECK.read_bytes()))
    for username in usernames:
        User.objects.create_user(username, f"{username}@example.org", password(username))


def check(username: str) -> dict:
    user = User.objects.get(username=username)
    reviews = list(
        Review.objects.filter(user=user)
        .order_by("card_id", "seq")
        .values_list("card_id", "seq", "rating")
    )
    return {
        "reviews": reviews,
        "states": CardState.objects.filter(user=user).count(),
        "problems": replay_problems(user),
    }


def render(username: str, at: str, paths: list[str]) -> dict:
    """Pages as the person sees them at a fixed instant, so two databases can be compared."""
    import time_machine
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=username))
    pages = {}
    with time_machine.travel(at, tick=False):
        for path in paths:
            response = client.get(path, secure=True)
            pages[path] = {"status": response.status_code, "html": response.content.decode()}
    return pages


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "setup":
        setup(args)
    elif command == "check":
        print(json.dumps(check(args[0])))
    elif command == "render":
        print(json.dumps(render(args[0], args[1], args[2:])))
    elif command == "tables":
        from django.db import connection

        print("\n".join(connection.introspection.table_names()))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
