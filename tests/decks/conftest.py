"""Fixtures of the deck tests."""

import pytest
from django.db import connection


@pytest.fixture
def a_full_disk_at(transactional_db):
    """Make the database refuse to insert the card with a given question, as a
    full disk or a lost connection would refuse it: a real database error, in
    the middle of a real transaction."""
    vendor = connection.vendor

    def refuse(text: str) -> None:
        assert "'" not in text
        with connection.cursor() as cursor:
            if vendor == "sqlite":
                cursor.execute(
                    "CREATE TRIGGER refuse_card BEFORE INSERT ON decks_card "
                    f"WHEN NEW.question = '{text}' "
                    "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
                )
            else:
                cursor.execute(
                    "CREATE FUNCTION refuse_card() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.question = '{text}' THEN RAISE EXCEPTION 'the disk is full'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_card BEFORE INSERT ON decks_card "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_card()"
                )

    yield refuse
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS refuse_card")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS refuse_card ON decks_card")
            cursor.execute("DROP FUNCTION IF EXISTS refuse_card()")
