"""Shared fixtures: the bundled deck, an owner (alice), a stranger (bob), staff (charlie)."""

from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from decks.formats import brainscape
from decks.models import Deck, import_deck

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DECK = ROOT / "decks" / "data" / "fine-tuning-flashcards.txt"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def deck(db) -> Deck:
    """The bundled "Fine Tuning Flashcards" deck, imported as `make run` does."""
    return import_deck(parsed=brainscape.parse(BUNDLED_DECK.read_bytes())).deck


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", "alice-password-123")


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", "bob-password-123")


@pytest.fixture
def charlie(db) -> User:
    return User.objects.create_user(
        "charlie", "charlie@example.org", "charlie-password-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def staff_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client
