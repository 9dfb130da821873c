"""The database triggers that keep DeckState, on SQLite and on PostgreSQL.

DeckState holds, per person and deck, what would otherwise be counted on
every study page and rating: the cards seen, the position new cards begin
from, and the cards first rated on the latest day. Triggers keep the rows
right whatever writes the tables (a rating, an undo, a bulk load, staff
editing cards, a cascade), at no extra query.

They live here rather than in a migration: SQLite rebuilds a table for many
schema changes, which drops the triggers on it and refuses to rename a table
that other triggers name. So they are dropped before every `migrate`
(`pre_migrate`) and, after it, created again and every row counted afresh
(`post_migrate`), in one transaction: whatever a migration did to the tables
in between, the counts are exact afterwards.
"""

# Every statement here is made of table and column names; no value goes into the text.

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# The position of the first card of deck {deck} at or after position {start}
# that person {user} has not seen (NULL if none).
FIRST_UNSEEN = """(SELECT c.position FROM decks_card c
 WHERE c.deck_id = {deck} AND c.position >= {start}
 AND NOT EXISTS (SELECT 1 FROM reviews_cardstate s WHERE s.card_id = c.id AND s.user_id = {user})
 ORDER BY c.position LIMIT 1)"""
# Past the last card when every card is seen, so that a card added at the end is new.
AFTER_LAST = "(SELECT MAX(c.position) + 1 FROM decks_card c WHERE c.deck_id = {deck})"


def new_from(user: str, deck: str, start: str) -> str:
    names = {"user": user, "deck": deck, "start": start}
    return f"COALESCE({FIRST_UNSEEN.format(**names)}, {AFTER_LAST.format(**names)}, {start})"


# A card seen: one more, and `new_from` moves past it if it was the first new one
# (the walk stops at the first unseen card: a step or two).
SEEN = f"""
INSERT INTO reviews_deckstate (user_id, deck_id, seen, new_from, new_count)
VALUES (NEW.user_id, NEW.deck_id, 0, 0, 0) ON CONFLICT (user_id, deck_id) DO NOTHING;
UPDATE reviews_deckstate SET seen = seen + 1,
new_from = {new_from("NEW.user_id", "NEW.deck_id", "reviews_deckstate.new_from")}
WHERE user_id = NEW.user_id AND deck_id = NEW.deck_id;
"""  # noqa: S608

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

DECK_OF = "(SELECT deck_id FROM decks_card WHERE id = {}.card_id)"

# A first rating (seq 0): one more on its day; a later day starts again at one;
# an earlier day (a history loaded after today's ratings) leaves the count.
BEGUN = f"""
INSERT INTO reviews_deckstate (user_id, deck_id, seen, new_from, new_count)
SELECT NEW.user_id, c.deck_id, 0, 0, 0 FROM decks_card c WHERE c.id = NEW.card_id
ON CONFLICT (user_id, deck_id) DO NOTHING;
UPDATE reviews_deckstate SET
  new_count = CASE WHEN new_day = NEW.day THEN new_count + 1
                   WHEN new_day > NEW.day THEN new_count ELSE 1 END,
  new_day = CASE WHEN new_day > NEW.day THEN new_day ELSE NEW.day END
WHERE user_id = NEW.user_id AND deck_id = {DECK_OF.format("NEW")};
"""  # noqa: S608

# A first rating undone (or deleted with its card): one fewer on its day.
UNDONE = f"""
UPDATE reviews_deckstate SET new_count = new_count - 1
WHERE user_id = OLD.user_id AND deck_id = {DECK_OF.format("OLD")}
AND new_day = OLD.day AND new_count > 0;
"""  # noqa: S608

SQLITE = {
    "deckstate_seen": f"AFTER INSERT ON reviews_cardstate BEGIN {SEEN} END",
    "deckstate_unseen": f"AFTER DELETE ON reviews_cardstate BEGIN {UNSEEN.format(least='MIN')} END",
    "deckstate_moved": "AFTER UPDATE OF deck_id ON reviews_cardstate"
    f" WHEN OLD.deck_id <> NEW.deck_id BEGIN {UNSEEN.format(least='MIN')} {SEEN} END",
    "deckstate_card_added": f"AFTER INSERT ON decks_card BEGIN {CARD_PLACED} END",
    "deckstate_card_placed": "AFTER UPDATE OF position, deck_id ON decks_card"
    f" BEGIN {CARD_PLACED} END",
    "deckstate_begun": f"AFTER INSERT ON reviews_review WHEN NEW.seq = 0 BEGIN {BEGUN} END",
    "deckstate_undone": f"AFTER DELETE ON reviews_review WHEN OLD.seq = 0 BEGIN {UNDONE} END",
}

POSTGRESQL_FUNCTIONS = {
    "reviews_deckstate_cardstate": f"""
  IF TG_OP <> 'INSERT' THEN {UNSEEN.format(least="LEAST")} END IF;
  IF TG_OP <> 'DELETE' THEN {SEEN} END IF;""",
    "reviews_deckstate_card": CARD_PLACED,
    "reviews_deckstate_review": f"IF TG_OP = 'INSERT' THEN {BEGUN} ELSE {UNDONE} END IF;",
}
POSTGRESQL = {
    "deckstate_seen": (
        "reviews_cardstate",
        "AFTER INSERT OR DELETE ON reviews_cardstate"
        " FOR EACH ROW EXECUTE FUNCTION reviews_deckstate_cardstate()",
    ),
    "deckstate_moved": (
        "reviews_cardstate",
        "AFTER UPDATE OF deck_id ON reviews_cardstate FOR EACH ROW"
        " WHEN (OLD.deck_id IS DISTINCT FROM NEW.deck_id)"
        " EXECUTE FUNCTION reviews_deckstate_cardstate()",
    ),
    "deckstate_card_placed": (
        "decks_card",
        "AFTER INSERT OR UPDATE OF position, deck_id ON decks_card"
        " FOR EACH ROW EXECUTE FUNCTION reviews_deckstate_card()",
    ),
    "deckstate_begun": (
        "reviews_review",
        "AFTER INSERT ON reviews_review FOR EACH ROW WHEN (NEW.seq = 0)"
        " EXECUTE FUNCTION reviews_deckstate_review()",
    ),
    "deckstate_undone": (
        "reviews_review",
        "AFTER DELETE ON reviews_review FOR EACH ROW WHEN (OLD.seq = 0)"
        " EXECUTE FUNCTION reviews_deckstate_review()",
    ),
}

FIRST_RATINGS = (
    "FROM reviews_review r INNER JOIN decks_card c ON c.id = r.card_id"
    " WHERE r.user_id = reviews_deckstate.user_id AND c.deck_id = reviews_deckstate.deck_id"
    " AND r.seq = 0"
)
# Every row counted from the tables, as the triggers would have left it.
# Table and column names only: no value goes into the text.
RECOUNT = [
    "DELETE FROM reviews_deckstate",
    "INSERT INTO reviews_deckstate (user_id, deck_id, seen, new_from, new_count)"
    " SELECT user_id, deck_id, COUNT(*), 0, 0 FROM reviews_cardstate GROUP BY user_id, deck_id",
    "UPDATE reviews_deckstate SET new_from = "  # noqa: S608
    + new_from("reviews_deckstate.user_id", "reviews_deckstate.deck_id", "0"),
    f"UPDATE reviews_deckstate SET new_day = (SELECT MAX(r.day) {FIRST_RATINGS})",  # noqa: S608
    "UPDATE reviews_deckstate SET new_count ="  # noqa: S608
    f" (SELECT COUNT(*) {FIRST_RATINGS} AND r.day = reviews_deckstate.new_day)",
]
TABLES = {"reviews_deckstate", "reviews_cardstate", "reviews_review", "decks_card"}


def drop(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (before `migrate`, which may rebuild the tables)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name, (table, _) in POSTGRESQL.items():
                if table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and count every DeckState afresh, in one transaction."""
    if not TABLES <= set(connection.introspection.table_names()):
        return  # migrated only part of the way: the next full `migrate` installs them
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        drop(connection)
        if connection.vendor == "sqlite":
            for name, definition in SQLITE.items():
                cursor.execute(f"CREATE TRIGGER {name} {definition}")
        elif connection.vendor == "postgresql":
            for name, body in POSTGRESQL_FUNCTIONS.items():
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
                    f" AS $$ BEGIN {body} RETURN NULL; END $$"
                )
            for name, (_, definition) in POSTGRESQL.items():
                cursor.execute(f"CREATE TRIGGER {name} {definition}")
        else:
            raise NotImplementedError(f"DeckState triggers for {connection.vendor}")
        for sql in RECOUNT:
            cursor.execute(sql)
