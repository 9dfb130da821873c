"""Card content cannot run code: hostile card text, deck titles and usernames are inert
everywhere they are shown.

A deck whose title, description, categories, questions and answers are all
attacks, studied by a person whose username is one too, then every page that
shows any of it (study, answer, progress, home, decks, the admin, the import
preview) is parsed as a browser would: no script of the content's, no event
handler, no `javascript:` URL, no htmx attribute from the content, no frame,
no `<base>`. The attacks must also be visible as text where the page shows
that field, so the test cannot pass by showing nothing.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from decks.models import Card
from reviews.models import CardState, Review

from .checks import csp_problems
from .hostile import ATTACKS, HOSTILE_TITLE, HOSTILE_USERNAME, make_hostile

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class Inspection(HTMLParser):
    """What a page would run: scripts, handlers, script URLs, htmx attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            src = values.get("src", "")
            if not src.startswith("/") or src.startswith("//"):
                self.problems.append(f"a script not from this site: {values}")
            self._in_script = True
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> {values}")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append(f"<meta http-equiv> {values}")
        if tag == "style":
            self.problems.append("a <style> element")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            compact = re.sub(r"[\x00-\x20]", "", value).lower()
            if name in URL_ATTRIBUTES and compact.startswith(BAD_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and ("url(" in compact or "expression(" in compact):
                self.problems.append(f"<{tag} style={value!r}>")
            bare = name.removeprefix("data-")
            if bare.startswith("hx-on") or (bare.startswith("hx-") and "xss-hx" in value.lower()):
                self.problems.append(f"<{tag} {name}={value!r}> from content")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")
        self.text.append(data)


def inspect(body: str) -> Inspection:
    inspection = Inspection()
    inspection.feed(body)
    inspection.close()
    return inspection


@pytest.fixture
def hostile(db):
    return make_hostile()


def pages_of(client: Client, paths: list[str], headers: dict | None = None) -> dict[str, str]:
    bodies = {}
    for path in paths:
        response = client.get(path, headers=headers or {})
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert csp_problems(response.get("Content-Security-Policy", "")) == [], path
        bodies[path] = response.content.decode()
    return bodies


def assert_inert(bodies: dict[str, str]) -> None:
    problems = {path: inspect(body).problems for path, body in bodies.items()}
    assert {path: found for path, found in problems.items() if found} == {}


def visible_text(body: str) -> str:
    return " ".join(inspect(body).text)


def test_hostile_content_is_inert_on_the_learners_pages(hostile):
    deck, cards, evil = hostile
    client = Client()
    client.force_login(evil)
    study = [f"/decks/hostile/study/?card={card.pk}" for card in cards]
    answers = [f"/decks/hostile/study/{card.pk}/answer/" for card in cards]
    pages = ["/", "/decks/", "/decks/hostile/", "/progress/", "/progress/hostile/"]
    bodies = pages_of(client, pages + study + answers)
    partials = pages_of(client, study + answers, headers={"HX-Request": "true"})
    assert_inert(bodies)
    assert_inert(partials)

    # The attacks are there, as text a person can read.
    for path in pages:
        assert 'alert("xss-title")' in visible_text(bodies[path]), path
    assert HOSTILE_USERNAME in visible_text(bodies["/"])
    table = visible_text(bodies["/progress/hostile/"])
    for number in range(1, len(ATTACKS) + 1):
        assert f"Q{number} " in table
    shown = visible_text(bodies[answers[0]])
    assert "Q1" in shown and "A1" in shown and "xss-category" in shown
    # Markdown links and images with javascript: keep their words, not their URLs.
    assert "xss-md-link" in visible_text(bodies[answers[3]])


def test_hostile_content_is_inert_in_the_admin(hostile, charlie):
    deck, cards, evil = hostile
    client = Client()
    client.force_login(charlie)
    review = Review.objects.filter(user=evil).first()
    state = CardState.objects.filter(user=evil).first()
    pages = [
        "/admin/",
        "/admin/decks/deck/",
        f"/admin/decks/deck/{deck.pk}/change/",
        f"/admin/decks/deck/{deck.pk}/delete/",
        "/admin/decks/card/",
        "/admin/decks/card/?q=xss",
        *[f"/admin/decks/card/{card.pk}/change/" for card in cards[:5]],
        "/admin/reviews/review/",
        f"/admin/reviews/review/{review.pk}/change/",
        "/admin/reviews/cardstate/",
        f"/admin/reviews/cardstate/{state.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{evil.pk}/change/",
        f"/admin/accounts/user/{evil.pk}/delete/",
    ]
    bodies = pages_of(client, pages)
    assert_inert(bodies)
    assert 'alert("xss-title")' in visible_text(bodies["/admin/decks/deck/"])
    assert HOSTILE_USERNAME in visible_text(bodies["/admin/reviews/review/"])
    assert "Q1 <script>" in visible_text(bodies["/admin/decks/card/"])


def test_a_hostile_deck_file_is_inert_in_the_import_preview_and_after(charlie, db):
    client = Client()
    client.force_login(charlie)
    rows = "\n".join(
        '"' + f"Q{n} {a}".replace('"', '""') + '","' + f"A{n} {a}".replace('"', '""') + '",xss'
        for n, a in enumerate(ATTACKS, start=1)
    )
    upload = SimpleUploadedFile("hostile.csv", f"question,answer,category\n{rows}\n".encode())
    preview = client.post(
        "/admin/decks/deck/import/",
        {"file": upload, "format": "csv", "title": HOSTILE_TITLE},
    )
    assert preview.status_code == 200
    body = preview.content.decode()
    assert_inert({"preview": body})
    assert "Q1 <script>" in visible_text(body)
    token = re.search(r'name="token" value="([^"]+)"', body)[1]
    done = client.post("/admin/decks/deck/import/", {"token": token}, follow=True)
    assert done.status_code == 200
    assert Card.objects.filter(deck__title=HOSTILE_TITLE).count() == len(ATTACKS)
    assert_inert({"after import": done.content.decode()})
    assert 'alert("xss-title")' in visible_text(done.content.decode())


def test_exports_are_downloads_not_pages(hostile):
    deck, cards, evil = hostile
    client = Client()
    client.force_login(evil)
    for path, kind in (("/accounts/export.csv", "text/csv"), ("/accounts/export.json", "json")):
        response = client.get(path)
        assert kind in response["Content-Type"]
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        body = b"".join(response.streaming_content).decode()
        assert "Q1 <script>" in body  # the data as it is, for the person's own use


def test_sign_up_refuses_a_hostile_username(db):
    response = Client().post(
        "/accounts/signup/",
        {
            "username": HOSTILE_USERNAME,
            "password1": "x-Long-enough-1",
            "password2": "x-Long-enough-1",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username=HOSTILE_USERNAME).exists()
    assert_inert({"signup": response.content.decode()})


def test_the_inspection_sees_an_attack():
    """The checks above can fail: unsanitised attacks are caught, each of them."""
    for attack in ATTACKS:
        if "xss-template" in attack or "xss-md" in attack:
            continue  # harmless as raw HTML; dangerous only through a Markdown renderer
        assert inspect(f"<p>{attack}</p>").problems, attack
    assert inspect(html.escape(ATTACKS[0])).problems == []
