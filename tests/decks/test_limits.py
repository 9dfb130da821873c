"""Every limit on a deck file: a clear message, and nothing stored.

Each test runs the real `import_deck` command on a real file, made here.
"""

import io
import sqlite3
import zipfile

import pytest
import zstandard
from django.core.management import CommandError, call_command

from decks.models import Card, Deck
from tests.decks.anki import collection, legacy_package, package

NOTES = [(["Question", "Answer"], ["Tag"])]


def import_fails(path, message: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("import_deck", str(path))
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert not Deck.objects.exists()
    assert not Card.objects.exists()


@pytest.fixture
def write(tmp_path):
    def write(name: str, data: bytes):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.mark.django_db
def test_a_file_over_10_mb_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.write(b"question,answer\n")
        file.truncate(10 * 1024 * 1024 + 1)
    import_fails(path, "the file is 10.0 MB; the limit is 10 MB")


@pytest.mark.django_db
def test_the_size_limit_is_a_setting(settings, write):
    settings.DECK_IMPORT_MAX_BYTES = 1024 * 1024
    path = write("big.csv", b"question,answer\n" + b"q,a\n" * 300_000)
    import_fails(path, "the file is 1.1 MB; the limit is 1 MB")


@pytest.mark.django_db
def test_a_zip_bomb_by_ratio(write):
    # 20 MB of zeros packs to about 20 kB: a thousandfold.
    bomb = package({"collection.anki2": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    import_fails(write("bomb.apkg", bomb), "collection.anki2 unpacks to")
    import_fails(write("bomb.apkg", bomb), "(the limit is 100); is it a zip bomb?")


@pytest.mark.django_db
def test_a_zip_bomb_by_size(settings, write):
    settings.DECK_IMPORT_MAX_RATIO = 10_000  # so that only the size stops it
    bomb = package({"collection.anki2": bytes(51 * 1024 * 1024)})
    import_fails(write("bomb.apkg", bomb), "collection.anki2 unpacks to more than 50 MB")


@pytest.mark.django_db
def test_members_that_unpack_past_50_mb_together(settings, write):
    settings.DECK_IMPORT_MAX_RATIO = 10_000
    members = {f"{n}": bytes(20 * 1024 * 1024) for n in range(3)}
    bomb = package({"collection.anki2": collection(NOTES), **members})
    import_fails(write("bomb.apkg", bomb), "the archive unpacks to more than 50 MB")


@pytest.mark.django_db
def test_a_member_whose_header_understates_its_size(write):
    # The headers say 1,000 bytes; the data unpacks to 5 MB. Reading stops at
    # the stated size and the checksum then fails: the archive is damaged.
    data = bytearray(package({"collection.anki2": bytes(5 * 1024 * 1024)}))
    real = (5 * 1024 * 1024).to_bytes(4, "little")
    assert data.count(real) == 2  # the local header and the central directory
    data = data.replace(real, (1000).to_bytes(4, "little"))
    import_fails(write("liar.apkg", bytes(data)), "the archive is damaged")


@pytest.mark.django_db
def test_a_zstd_bomb_inside_the_package(write):
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(60 * 1024 * 1024))
    data = package({"collection.anki21b": bomb}, compression=zipfile.ZIP_STORED)
    import_fails(write("bomb.apkg", data), "collection.anki21b unpacks to")


@pytest.mark.django_db
def test_too_many_members(write):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("collection.anki2", collection(NOTES))
        for n in range(5000):
            archive.writestr(str(n), b"")
    import_fails(
        write("many.apkg", out.getvalue()), "the archive holds 5001 files; the limit is 5000"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../evil", "media/../../evil", "/etc/evil", "C:/evil"])
def test_unsafe_paths(write, name):
    data = package({"collection.anki2": collection(NOTES), name: b"x"})
    import_fails(write("paths.apkg", data), "the archive holds a file with an unsafe path")


@pytest.mark.django_db
def test_symlinks(write):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("collection.anki2", collection(NOTES))
        link = zipfile.ZipInfo("media")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    import_fails(write("link.apkg", out.getvalue()), "the archive holds a symbolic link: 'media'")


@pytest.mark.django_db
def test_an_sqlite_file_failing_quick_check(write):
    data = bytearray(collection(NOTES))
    # The header claims one page more, and the file has it: a page nothing uses.
    pages = int.from_bytes(data[28:32], "big")
    data[28:32] = (pages + 1).to_bytes(4, "big")
    data += bytes(4096)
    import_fails(
        write("corrupt.apkg", package({"collection.anki2": bytes(data)})),
        "the collection inside the package is damaged (SQLite's quick_check failed)",
    )


@pytest.mark.django_db
def test_an_sqlite_file_with_broken_pages(write):
    data = bytearray(collection([([f"Question {n}", "Answer " * 10], []) for n in range(30)]))
    connection = sqlite3.connect(":memory:")
    connection.deserialize(bytes(data))
    (root,) = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'notes'"
    ).fetchone()
    page = (root - 1) * 4096
    data[page + 8 : page + 16] = b"\xff" * 8  # the notes' cell pointers, out of range
    # SQLite reports this from quick_check's rows or as an error: damaged either way.
    import_fails(
        write("corrupt.apkg", package({"collection.anki2": bytes(data)})),
        "the collection inside the package is damaged",
    )


@pytest.mark.django_db
def test_sqlite_work_has_a_deadline(settings, write):
    settings.DECK_IMPORT_MAX_SECONDS = 0
    notes = [([f"Question {n}", "Answer"], []) for n in range(200)]
    import_fails(
        write("slow.apkg", legacy_package(notes)), "the collection inside the package took too long"
    )


@pytest.mark.django_db
def test_invalid_utf8(write):
    import_fails(
        write("latin1.csv", "question,answer\ncafé,coffee\n".encode("latin-1")),
        "line 2: the file is not valid UTF-8 text",
    )


@pytest.mark.django_db
def test_nul_bytes(write):
    import_fails(
        write("nul.csv", b"question,answer\nq,a\x00\n"), "line 2: the file contains NUL bytes"
    )


@pytest.mark.django_db
def test_too_many_cards(settings, write):
    settings.DECK_IMPORT_MAX_CARDS = 3
    import_fails(
        write("four.csv", b"1,a\n2,b\n3,c\n4,d\n"), "the file holds 4 cards; the limit is 3"
    )
