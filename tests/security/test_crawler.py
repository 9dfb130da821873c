"""A crawler: every page reachable from `/`, as each role, every link followed and
every form submitted with junk. Not one answer may be a 500.

Django's test client runs with DEBUG off and is told to hand 500s back as
responses, so each crash is counted with its URL rather than stopping the
crawl. Log-out links and forms are left alone, so the crawl keeps its role;
delete forms go last, so what they delete is crawled first.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, path, resolve
from django.utils import timezone

from reviews.models import record_review

MAX_PAGES = 600
MAX_VARIANTS_PER_PATH = 2  # e.g. the admin's sort and filter links of one list
NEVER = ("/accounts/logout/", "/admin/logout/", "/static/")

JUNK = [
    "",
    "<script>alert(1)</script>",
    "-1",
    "9" * 30,
    "x" * 5000,
    "' OR 1=1 --",
    "bad\x00value",
    "../../etc/passwd",
]


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)
    choices: dict[str, list[str]] = field(default_factory=dict)


class PageParser(HTMLParser):
    """The links (href, hx-get) and forms of one page."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for attribute in ("href", "hx-get"):
            if attribute in values and tag != "link":
                self.links.append(urljoin(self.url, values[attribute]))
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(
                Form(
                    action=urljoin(self.url, values.get("action") or self.url),
                    method=(values.get("method") or "get").lower(),
                    multipart=values.get("enctype") == "multipart/form-data",
                )
            )
        elif form is None:
            return
        elif tag in ("input", "textarea", "button") and values.get("name"):
            kind = values.get("type", "text" if tag != "button" else "submit").lower()
            form.fields.append((values["name"], kind, values.get("value", "")))
        elif tag == "select" and values.get("name"):
            self._select = values["name"]
            form.fields.append((values["name"], "select", ""))
            form.choices[values["name"]] = []
        elif tag == "option" and self._select:
            form.choices[self._select].append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def same_site(url: str) -> str | None:
    """The path and query of a link to this site, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not parts.path.startswith("/") or any(parts.path.startswith(p) for p in NEVER):
        return None
    return path


def form_key(form: Form) -> tuple:
    """Forms of the same view with the same fields are one form (twenty card pages, one form)."""
    path = urlsplit(form.action).path
    try:
        view = resolve(path).view_name or path
    except Resolver404:
        view = path
    return (view, form.method, tuple(sorted({name for name, _, _ in form.fields})))


@dataclass
class Crawl:
    client: Client
    pages: int = 0
    submissions: int = 0
    statuses: Counter = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    forms: dict[tuple, Form] = field(default_factory=dict)

    def fetch(self, method: str, url: str, data=None, **extra):
        response = getattr(self.client, method)(url, data, **extra)
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.crashes.append(f"{method.upper()} {url} {str(data)[:300]}")
        return response

    def crawl(self, start: str = "/") -> None:
        queue, seen, variants = [start], {start}, Counter()
        while queue and self.pages < MAX_PAGES:
            url = queue.pop(0)
            response = self.fetch("get", url)
            self.pages += 1
            if response.streaming or "text/html" not in response.get("Content-Type", ""):
                continue
            if not url.startswith("/admin/"):
                # The same URL as htmx asks for it: a partial, or the page.
                self.fetch("get", url, headers={"HX-Request": "true"})
            parser = PageParser(f"http://testserver{url}")
            parser.feed(response.content.decode())
            for form in parser.forms:
                if same_site(form.action):
                    self.forms.setdefault(form_key(form), form)
            for link in parser.links:
                target = same_site(link)
                if target is None or target in seen:
                    continue
                path = urlsplit(target).path
                if variants[path] >= MAX_VARIANTS_PER_PATH:
                    continue
                variants[path] += 1
                seen.add(target)
                queue.append(target)

    def submit_forms(self) -> None:
        forms = sorted(self.forms.values(), key=lambda form: "/delete/" in form.action)
        for form, junk in itertools.product(forms, JUNK):
            data = {}
            for name, kind, value in form.fields:
                if name == "csrfmiddlewaretoken" or kind in ("submit", "button", "image"):
                    data.setdefault(name, value)
                elif kind == "file":
                    data[name] = SimpleUploadedFile("junk.txt", junk.encode() or b"\xff\xfe")
                elif kind in ("checkbox", "radio"):
                    data[name] = junk or value
                else:
                    data[name] = junk
            target = same_site(form.action)
            if form.method == "post":
                self.fetch("post", target, data)
            else:
                query = urlencode({k: v for k, v in data.items() if isinstance(v, str)})
                self.fetch("get", f"{urlsplit(target).path}?{query}")
            self.submissions += 1


@pytest.fixture
def studied(deck, alice):
    """Alice has rated a few cards, so her progress pages have figures and tables."""
    now = timezone.now()
    for card in deck.cards.order_by("position")[:5]:
        record_review(user=alice, card=card, rating=3, now=now, shown_reps=0)


@pytest.mark.parametrize("role", ["anonymous", "learner", "staff"])
def test_no_page_or_form_reaches_a_500(role, deck, studied, alice, charlie):
    client = Client(raise_request_exception=False)
    if role == "learner":
        client.force_login(alice)
    elif role == "staff":
        client.force_login(charlie)
    crawl = Crawl(client)

    crawl.crawl()
    crawl.submit_forms()
    # Junk may have changed what the pages show (a deck renamed, a card deleted): again.
    crawl.crawl()

    assert crawl.crashes == [], "\n".join(crawl.crashes)
    assert crawl.pages >= {"anonymous": 8, "learner": 30, "staff": 150}[role]
    assert len(crawl.forms) >= {"anonymous": 3, "learner": 5, "staff": 40}[role]
    print(
        f"\n{role}: {crawl.pages} pages, {len(crawl.forms)} forms × {len(JUNK)} junk values "
        f"= {crawl.submissions} submissions, statuses {dict(sorted(crawl.statuses.items()))}"
    )


# A view that crashes, to show that the crawler counts a crash.
def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls(__name__)
def test_the_crawler_counts_a_500(db):
    crawl = Crawl(Client(raise_request_exception=False))
    crawl.fetch("get", "/boom/")
    assert crawl.crashes == ["GET /boom/ None"]
