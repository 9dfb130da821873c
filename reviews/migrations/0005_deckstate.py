"""DeckState, and the triggers that keep it: one row per person and deck with
the number of cards seen and the position new cards begin from.

Written as triggers so that every write keeps them right, the ORM's and the
cascades' alike, at no extra query: a rating's INSERT of a CardState also
counts it and moves `new_from` past it (the walk stops at the first unseen
card, so it is a step or two). Then existing rows are counted once.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The position of the first card of deck D at or after position F that person
# U has not seen (NULL if none): the walk `new_from` starts from.
FIRST_UNSEEN = """
(SELECT c.position FROM decks_card c
 WHERE c.deck_id = {deck} AND c.position >= {start}
 AND NOT EXISTS (SELECT 1 FROM reviews_cardstate s WHERE s.card_id = c.id AND s.user_id = {user})
 ORDER BY c.position LIMIT 1)
"""
# Past the last card when every card is seen, so that a card added at the end is new.
AFTER_LAST = "(SELECT MAX(c.position) + 1 FROM decks_card c WHERE c.deck_id = {deck})"


def new_from(user: str, deck: str, start: str) -> str:
    params = {"user": user, "deck": deck, "start": start}
    return f"COALESCE({FIRST_UNSEEN.format(**params)}, {AFTER_LAST.format(**params)}, {start})"


# A card seen: one more, and `new_from` past it if it was the first new one.
SEEN = """
INSERT INTO reviews_deckstate (user_id, deck_id, seen, new_from)
VALUES (NEW.user_id, NEW.deck_id, 0, 0) ON CONFLICT (user_id, deck_id) DO NOTHING;
UPDATE reviews_deckstate SET seen = seen + 1, new_from = {new_from}
WHERE user_id = NEW.user_id AND deck_id = NEW.deck_id;
""".format(new_from=new_from("NEW.user_id", "NEW.deck_id", "reviews_deckstate.new_from"))

# A card unseen again (undo of a first rating, a deletion): one fewer, and new
# cards begin no later than it.
UNSEEN = """
UPDATE reviews_deckstate SET seen = seen - 1, new_from = {least}(
  new_from, COALESCE((SELECT position FROM decks_card WHERE id = OLD.card_id), new_from)
) WHERE user_id = OLD.user_id AND deck_id = OLD.deck_id;
"""

# A card added, or moved, before some people's `new_from` is new to them.
CARD_PLACED = """
UPDATE reviews_deckstate SET new_from = NEW.position
WHERE deck_id = NEW.deck_id AND new_from > NEW.position;
"""

SQLITE = [
    f"CREATE TRIGGER deckstate_seen AFTER INSERT ON reviews_cardstate BEGIN {SEEN} END",
    f"CREATE TRIGGER deckstate_unseen AFTER DELETE ON reviews_cardstate"
    f" BEGIN {UNSEEN.format(least='MIN')} END",
    "CREATE TRIGGER deckstate_moved AFTER UPDATE OF deck_id ON reviews_cardstate"
    f" WHEN OLD.deck_id <> NEW.deck_id BEGIN {UNSEEN.format(least='MIN')} {SEEN} END",
    f"CREATE TRIGGER deckstate_card_added AFTER INSERT ON decks_card BEGIN {CARD_PLACED} END",
    "CREATE TRIGGER deckstate_card_placed AFTER UPDATE OF position, deck_id ON decks_card"
    f" BEGIN {CARD_PLACED} END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "deckstate_seen",
        "deckstate_unseen",
        "deckstate_moved",
        "deckstate_card_added",
        "deckstate_card_placed",
    )
]

POSTGRESQL = [
    f"""
CREATE FUNCTION reviews_deckstate_cardstate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {UNSEEN.format(least="LEAST")} END IF;
  IF TG_OP <> 'DELETE' THEN {SEEN} END IF;
  RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION reviews_deckstate_card() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {CARD_PLACED} RETURN NULL; END $$
""",
    "CREATE TRIGGER deckstate_seen AFTER INSERT OR DELETE ON reviews_cardstate"
    " FOR EACH ROW EXECUTE FUNCTION reviews_deckstate_cardstate()",
    "CREATE TRIGGER deckstate_moved AFTER UPDATE OF deck_id ON reviews_cardstate"
    " FOR EACH ROW WHEN (OLD.deck_id IS DISTINCT FROM NEW.deck_id)"
    " EXECUTE FUNCTION reviews_deckstate_cardstate()",
    "CREATE TRIGGER deckstate_card_placed AFTER INSERT OR UPDATE OF position, deck_id"
    " ON decks_card FOR EACH ROW EXECUTE FUNCTION reviews_deckstate_card()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS deckstate_seen ON reviews_cardstate",
    "DROP TRIGGER IF EXISTS deckstate_moved ON reviews_cardstate",
    "DROP TRIGGER IF EXISTS deckstate_card_placed ON decks_card",
    "DROP FUNCTION IF EXISTS reviews_deckstate_cardstate()",
    "DROP FUNCTION IF EXISTS reviews_deckstate_card()",
]

# What people have studied so far, counted once.
FILL = [
    "INSERT INTO reviews_deckstate (user_id, deck_id, seen, new_from)"
    " SELECT user_id, deck_id, COUNT(*), 0 FROM reviews_cardstate GROUP BY user_id, deck_id",
    # Table and column names only: no value goes into the text.
    "UPDATE reviews_deckstate SET new_from = {}".format(  # noqa: S608
        new_from("reviews_deckstate.user_id", "reviews_deckstate.deck_id", "0")
    ),
]


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}[vendor]
    for sql in [*statements, *FILL]:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}[vendor]:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("decks", "0002_deck_card_count"),
        ("reviews", "0004_cardstate_user_deck_state_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeckState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seen", models.PositiveIntegerField(default=0)),
                ("new_from", models.PositiveIntegerField(default=0)),
                (
                    "deck",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="decks.deck",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["deck", "new_from"], name="deckstate_deck_new_from")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "deck"), name="deckstate_one_per_user_deck"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
