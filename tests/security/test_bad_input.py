"""Bad input on every form and endpoint: a 400, a 404 or a form error, nothing written, never a 500.

Each test counts the rows of every table a request could write before and
after, and uses a client that hands back 500s as responses rather than
raising, so a crash is a failed assertion like any other.
"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

STUDY = "/decks/fine-tuning-flashcards/study/"
HUGE = "9" * 40
NUL = "bad\x00value"
LONG = "x" * 100_000


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (User, Deck, Card, Review, CardState)
    }


def client_of(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def card(deck: Deck) -> Card:
    return deck.cards.order_by("position", "id").first()


@pytest.fixture
def learner(alice: User) -> Client:
    return client_of(alice)


def post_unchanged(client: Client, url: str, data: dict, **extra):
    """POST, and check that no row anywhere was added or removed."""
    before = counts()
    response = client.post(url, data, **extra)
    where = f"{url} {str(data)[:200]}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert counts() == before, f"{where} wrote rows"
    return response


# --- Rating a card --------------------------------------------------------------------

BAD_RATINGS = [
    "0",
    "6",
    "-1",
    "abc",
    "3.5",
    "",
    " ",
    HUGE,
    "-" + HUGE,
    "1e3",
    "0x3",
    "NaN",
]


@pytest.mark.parametrize("rating", BAD_RATINGS)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_rating_is_a_400_and_writes_nothing(learner, card, rating, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = post_unchanged(
        learner, f"{STUDY}{card.pk}/rate/", {"rating": rating, "reps": "0"}, headers=headers
    )
    assert response.status_code == 400
    assert "A rating is a whole number from 1 (Not at all) to 5" in response.content.decode()


def test_a_missing_rating_is_a_400(learner, card):
    assert post_unchanged(learner, f"{STUDY}{card.pk}/rate/", {"reps": "0"}).status_code == 400


@pytest.mark.parametrize(
    "extra",
    [{"reps": "-1"}, {"reps": "abc"}, {"reps": HUGE}, {"reps": "1.5"}, {"reps": ""}]
    + [{"reps": "0", "shown": shown} for shown in ("abc", "-5", HUGE, "1.5")],
)
def test_a_bad_showing_is_a_400(learner, card, extra):
    response = post_unchanged(learner, f"{STUDY}{card.pk}/rate/", {"rating": "3", **extra})
    assert response.status_code == 400


def test_a_stale_showing_writes_nothing(learner, card):
    """`reps` from another time (a second tab, a replayed form): no review."""
    response = post_unchanged(learner, f"{STUDY}{card.pk}/rate/", {"rating": "3", "reps": "7"})
    assert response.status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        f"{STUDY}999999/rate/",
        f"{STUDY}{HUGE}/rate/",
        f"{STUDY}{2**63}/rate/",
        "/decks/no-such-deck/study/1/rate/",
        f"/decks/{'x' * 5000}/study/1/rate/",
    ],
)
def test_an_unknown_card_is_a_404(learner, path):
    response = post_unchanged(learner, path, {"rating": "3", "reps": "0"})
    assert response.status_code == 404


def test_a_card_of_another_deck_is_a_404(learner, deck):
    other = Deck.objects.create(title="Capitals", slug="capitals")
    foreign = Card.objects.create(deck=other, question="Capital of Peru?", answer="Lima")
    response = post_unchanged(learner, f"{STUDY}{foreign.pk}/rate/", {"rating": "3", "reps": "0"})
    assert response.status_code == 404
    assert learner.get(f"{STUDY}{foreign.pk}/answer/").status_code == 404
    assert learner.get(f"{STUDY}?card={foreign.pk}").status_code == 404


def test_a_card_of_an_unpublished_deck_is_a_404(learner):
    draft = Deck.objects.create(title="Draft", slug="draft", published=False)
    hidden = Card.objects.create(deck=draft, question="Draft question?", answer="Secret answer")
    for response in (
        post_unchanged(
            learner, f"/decks/draft/study/{hidden.pk}/rate/", {"rating": "3", "reps": "0"}
        ),
        learner.get(f"/decks/draft/study/{hidden.pk}/answer/"),
        learner.get("/decks/draft/study/"),
        learner.get("/decks/draft/"),
        learner.get("/progress/draft/"),
        post_unchanged(learner, "/decks/draft/study/undo/", {}),
    ):
        assert response.status_code == 404
        assert "Secret answer" not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_rating_takes_only_post(learner, card, method):
    before = counts()
    response = getattr(learner, method)(f"{STUDY}{card.pk}/rate/")
    assert response.status_code == 405
    assert counts() == before


def test_a_forged_user_field_rates_as_oneself(learner, card, alice, bob):
    response = learner.post(
        f"{STUDY}{card.pk}/rate/",
        {"rating": "4", "reps": "0", "user": str(bob.pk), "user_id": str(bob.pk)},
    )
    assert response.status_code == 303
    assert list(Review.objects.values_list("user__username", flat=True)) == ["alice"]
    assert not CardState.objects.filter(user=bob).exists()


@pytest.mark.parametrize("card_param", ["abc", "-1", "999999", HUGE, "1.5", ""])
def test_studying_a_junk_card_is_a_404_or_the_queue(learner, deck, card_param):
    response = learner.get(STUDY, {"card": card_param, "more": "junk"})
    assert response.status_code == (200 if card_param == "" else 404)


@pytest.mark.parametrize("query", [{"shown": "junk"}, {"shown": HUGE}, {"more": "<script>"}])
def test_the_answer_side_shrugs_off_junk_parameters(learner, card, query):
    response = learner.get(f"{STUDY}{card.pk}/answer/", query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</head>")[1]


@pytest.mark.parametrize(
    "query", [{"sort": "__class__", "dir": "up"}, {"sort": HUGE}, {"dir": LONG}]
)
def test_progress_shrugs_off_junk_sorting(learner, deck, query):
    assert learner.get("/progress/fine-tuning-flashcards/", query).status_code == 200
    assert learner.get("/progress/", query).status_code == 200


def test_undo_of_an_unknown_deck_is_a_404(learner):
    assert post_unchanged(learner, "/decks/no-such-deck/study/undo/", {}).status_code == 404


# --- Settings -------------------------------------------------------------------------

GOOD_SETTINGS = {
    "new_cards_per_day": "20",
    "desired_retention": "0.9",
    "time_zone": "UTC",
    "theme": "auto",
}
BAD_SETTINGS = (
    [("new_cards_per_day", value) for value in ("-1", "10000", "abc", "", HUGE, "2.5")]
    + [
        ("desired_retention", value)
        for value in ("0.5", "0.98", "1.5", "nan", "inf", "-inf", "1e309", "abc", "")
    ]
    + [
        ("time_zone", value)
        for value in ("Mars/Olympus", "../../etc/passwd", "", "x" * 10_000, "<script>")
    ]
    + [("theme", value) for value in ("evil", "", "DARK")]
)


@pytest.mark.parametrize(("field", "value"), BAD_SETTINGS)
def test_bad_settings_are_a_form_error_and_change_nothing(learner, alice, field, value):
    before = User.objects.filter(pk=alice.pk).values().get()
    response = post_unchanged(learner, "/accounts/settings/", {**GOOD_SETTINGS, field: value})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.filter(pk=alice.pk).values().get() == before


def test_forged_account_fields_in_settings_are_ignored(learner, alice):
    forged = {
        "username": "mallory",
        "is_staff": "on",
        "is_superuser": "on",
        "password": "x",
        "email": "mallory@example.org",
        "id": "999",
    }
    response = post_unchanged(learner, "/accounts/settings/", {**GOOD_SETTINGS, **forged})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.username, alice.email, alice.is_staff, alice.is_superuser, alice.pk) == (
        "alice",
        "alice@example.org",
        False,
        False,
        alice.pk,
    )
    assert alice.check_password("alice-password-123")


def test_an_oversized_body_is_a_400(learner):
    response = post_unchanged(
        learner, "/accounts/settings/", {**GOOD_SETTINGS, "time_zone": "x" * 3_000_000}
    )
    assert response.status_code == 400


def test_too_many_fields_is_a_400(learner, card):
    data = {f"field{i}": "1" for i in range(1500)} | {"rating": "3", "reps": "0"}
    assert post_unchanged(learner, f"{STUDY}{card.pk}/rate/", data).status_code == 400


# --- Signing up, logging in and out -----------------------------------------------------

PASSWORD = "violet-anchor-tram-42"
GOOD_SIGNUP = {"username": "dana", "password1": PASSWORD, "password2": PASSWORD, "email": ""}
BAD_SIGNUPS = [
    {"username": "x" * 151},
    {"username": "<script>alert(1)</script>"},
    {"username": "with space"},
    {"username": ""},
    {"username": "alice"},  # taken
    {"username": "ALICE"},  # taken, in other letters
    {"password2": PASSWORD + "!"},
    {"password1": "short", "password2": "short"},
    {"password1": "password1234", "password2": "password1234"},  # common
    {"password1": "12345678901234", "password2": "12345678901234"},  # numeric
    {"email": "not-an-email"},
    {"email": "x" * 300 + "@example.org"},
    {"password1": LONG, "password2": LONG + "y"},
]


@pytest.mark.parametrize("bad", BAD_SIGNUPS)
def test_a_bad_sign_up_is_a_form_error_and_creates_nobody(alice, bad):
    response = post_unchanged(client_of(None), "/accounts/signup/", {**GOOD_SIGNUP, **bad})
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


def test_a_forged_staff_flag_at_sign_up_is_ignored(db):
    response = client_of(None).post(
        "/accounts/signup/", {**GOOD_SIGNUP, "is_staff": "on", "is_superuser": "on"}
    )
    assert response.status_code == 302
    dana = User.objects.get(username="dana")
    assert not dana.is_staff and not dana.is_superuser


@pytest.mark.parametrize(
    "data",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "alice"},
        {"password": "alice-password-123"},
        {"username": LONG, "password": LONG},
        {"username": "alice' OR '1'='1", "password": "' OR '1'='1"},
    ],
)
def test_a_bad_log_in_is_a_form_error(alice, data):
    client = client_of(None)
    response = post_unchanged(client, "/accounts/login/", data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert client.get("/progress/").status_code == 302


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_an_absurd_log_in_is_a_failed_log_in_not_a_crash(alice, url):
    """A 100,000-character name and a 10,000-character browser name: axes
    records the failure (cut to its columns) and the form says no."""
    client = client_of(None)
    response = client.post(
        url, {"username": LONG, "password": LONG}, headers={"User-Agent": "u" * 10_000}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errorlist' in page or 'class="errornote' in page
    assert client.get("/progress/").status_code == 302


OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    " //evil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
]


def assert_stays_on_site(response) -> None:
    assert response.status_code == 302
    location = response["Location"]
    # A path on this site, which no browser reads as another host.
    assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
    assert not any(ord(char) < 32 for char in location), location
    assert url_has_allowed_host_and_scheme(location, {"testserver"}), location


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_log_in_never_redirects_off_site(alice, next_url):
    client = client_of(None)
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "alice-password-123", "next": next_url},
    )
    assert_stays_on_site(response)
    # Signed in already, the log-in page redirects at once: on site too.
    assert_stays_on_site(client.get("/accounts/login/", {"next": next_url}))


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_log_out_never_redirects_off_site(learner, next_url):
    assert_stays_on_site(learner.post("/accounts/logout/", {"next": next_url}))


@pytest.mark.parametrize("next_url", OFF_SITE)
def test_the_next_field_is_an_escaped_value(alice, next_url):
    page = client_of(None).get("/accounts/login/", {"next": next_url + '"><script>x</script>'})
    assert page.status_code == 200
    assert "<script>x</script>" not in page.content.decode()


# --- Account deletion and passwords -------------------------------------------------------


@pytest.mark.parametrize("password", ["wrong", "", LONG])
def test_deleting_an_account_needs_its_password(learner, alice, password):
    response = post_unchanged(learner, "/accounts/delete/", {"password": password})
    assert response.status_code == 200
    assert User.objects.filter(pk=alice.pk).exists()


def test_a_forged_user_field_deletes_only_oneself(learner, alice, bob):
    response = learner.post(
        "/accounts/delete/", {"password": "alice-password-123", "user": bob.pk, "id": bob.pk}
    )
    assert response.status_code == 302
    assert list(User.objects.values_list("username", flat=True)) == ["bob"]


@pytest.mark.parametrize(
    "data",
    [
        {"old_password": "wrong", "new_password1": PASSWORD, "new_password2": PASSWORD},
        {"old_password": "alice-password-123", "new_password1": PASSWORD, "new_password2": "x"},
        {"old_password": "alice-password-123", "new_password1": "short", "new_password2": "short"},
        {},
    ],
)
def test_a_bad_password_change_changes_nothing(learner, alice, data):
    response = post_unchanged(learner, "/accounts/password_change/", data)
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("alice-password-123")


@pytest.mark.parametrize("email", ["nobody@example.org", "not-an-email", "", "x" * 500])
def test_password_reset_for_junk_sends_nothing(alice, email):
    response = post_unchanged(client_of(None), "/accounts/password_reset/", {"email": email})
    assert response.status_code in (200, 302)
    assert mail.outbox == []


def test_password_reset_for_a_real_address_sends_one_mail(alice):
    response = client_of(None).post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("uidb64", "token"),
    [
        ("!!!", "abc-def"),
        ("A" * 1000, "abc-def"),
        (urlsafe_base64_encode(HUGE.encode()), "abc-def"),
        (urlsafe_base64_encode(b"\x00\xff"), "abc-def"),
        (urlsafe_base64_encode(b"1"), "x" * 1000),
        (urlsafe_base64_encode(b"-1"), "set-password"),
    ],
)
def test_a_junk_reset_link_says_it_is_invalid(alice, uidb64, token):
    response = client_of(None).get(f"/accounts/reset/{uidb64}/{token}/")
    assert response.status_code == 200
    assert "new_password1" not in response.content.decode()


def test_a_reset_link_cannot_set_another_persons_password(alice, bob):
    """Bob's link with alice's id: invalid."""
    token = default_token_generator.make_token(bob)
    uid = urlsafe_base64_encode(str(alice.pk).encode())
    response = client_of(None).get(f"/accounts/reset/{uid}/{token}/", follow=True)
    assert "new_password1" not in response.content.decode()


# --- NUL characters --------------------------------------------------------------------
# No form sends one and PostgreSQL refuses them in text: any parameter holding one is a 400.

NUL_REQUESTS = [
    ("learner", "post", f"{STUDY}CARD/rate/", {"rating": "3\x00", "reps": "0"}),
    ("learner", "post", f"{STUDY}CARD/rate/", {"rating": "3", "reps": "0", "shown": NUL}),
    ("learner", "get", STUDY, {"card": NUL}),
    ("learner", "get", "/progress/", {"sort": NUL}),
    ("learner", "post", "/accounts/settings/", {**GOOD_SETTINGS, "time_zone": NUL}),
    ("learner", "post", "/accounts/settings/", {**GOOD_SETTINGS, "theme": "dark\x00"}),
    ("learner", "post", "/accounts/delete/", {"password": NUL}),
    ("learner", "post", "/accounts/password_change/", {"old_password": NUL}),
    ("learner", "post", "/accounts/logout/", {"next": "\x00//evil.example/"}),
    ("visitor", "post", "/accounts/signup/", {**GOOD_SIGNUP, "username": NUL}),
    ("visitor", "post", "/accounts/login/", {"username": NUL, "password": NUL}),
    ("visitor", "post", "/accounts/login/", {"username": "alice", "password": "x", NUL: "1"}),
    ("visitor", "get", "/accounts/login/", {"next": "\x00//evil.example/"}),
    ("visitor", "post", "/accounts/password_reset/", {"email": NUL}),
    ("staff", "post", "/admin/decks/deck/import/", {"token": NUL}),
    ("staff", "post", "/admin/decks/deck/import/", {"text": NUL, "title": "T", "format": "csv"}),
    ("staff", "get", "/admin/decks/card/", {"q": NUL}),
]


@pytest.mark.parametrize(("who", "method", "url", "data"), NUL_REQUESTS)
def test_a_nul_character_anywhere_is_a_400(alice, charlie, card, who, method, url, data):
    client = client_of({"learner": alice, "visitor": None, "staff": charlie}[who])
    url = url.replace("CARD", str(card.pk))
    before = counts()
    response = getattr(client, method)(url, data)
    assert response.status_code == 400
    assert "That request did not make sense" in response.content.decode()
    assert counts() == before


# --- The admin (staff) ---------------------------------------------------------------------
# Django's admin trusts staff to send what its own forms offer; these crashed it (500)
# until flashsite.middleware.BadInputMiddleware answered them with the 400 page.


@pytest.mark.parametrize(
    "query",
    [
        f"/admin/reviews/review/?reviewed_at__year={HUGE}",
        f"/admin/reviews/review/?reviewed_at__year=2025&reviewed_at__month={HUGE}",
        f"/admin/axes/accesslog/?attempt_time__year={HUGE}",
        "/admin/autocomplete/?app_label=decks&model_name=card&field_name=deck&term=%00",
    ],
)
def test_absurd_admin_filters_are_a_400(charlie, deck, query):
    assert client_of(charlie).get(query).status_code == 400


@pytest.mark.parametrize("deck_value", ["<script>", "../../etc/passwd", HUGE, "-1", "1.5"])
def test_an_absurd_deck_for_a_new_card_is_refused(charlie, deck, deck_value):
    data = {"deck": deck_value, "question": "Q?", "answer": "A", "position": "1", "category": ""}
    response = post_unchanged(client_of(charlie), "/admin/decks/card/add/", data)
    assert response.status_code in (200, 400)


def test_an_absurd_permission_id_for_a_group_is_refused(charlie):
    response = post_unchanged(
        client_of(charlie), "/admin/auth/group/add/", {"name": "Editors", "permissions": HUGE}
    )
    assert response.status_code in (200, 400)


def our_buggy_view(request):
    raise ValueError("a bug of ours")


urlpatterns = [path("admin/ours/", our_buggy_view), path("", include("flashsite.urls"))]


@pytest.mark.urls(__name__)
def test_our_own_value_errors_in_the_admin_stay_500s(charlie):
    """The 400 is for Django's own trust in staff, not a blanket over bugs of ours."""
    assert client_of(charlie).get("/admin/ours/").status_code == 500


# --- Importing a deck (staff) -------------------------------------------------------------

JUNK_FILES = [
    ("junk.txt", b"\x00\xff\xfe garbage \x00"),
    ("junk.csv", b'"unterminated,quote\n'),
    ("junk.tsv", b"only one column\n"),
    ("junk.apkg", b"PK\x03\x04 not really a zip"),
    ("empty.txt", b""),
    ("latin1.csv", "caf\u00e9,cr\u00e8me\n".encode("latin-1")),
    ("huge-line.csv", b"q," + b"a" * 200_000 + b"\n" + b"q,b\n"),
]


@pytest.mark.parametrize(("name", "data"), JUNK_FILES)
@pytest.mark.parametrize("format", ["", "brainscape", "csv", "tsv", "apkg", "pasted", "evil"])
def test_a_junk_deck_file_imports_nothing(charlie, name, data, format):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_of(charlie)
    upload = SimpleUploadedFile(name, data)
    response = post_unchanged(
        client, "/admin/decks/deck/import/", {"file": upload, "format": format, "title": ""}
    )
    assert response.status_code == 200
    assert 'name="token"' not in response.content.decode()


@pytest.mark.parametrize("token", ["", "forged", LONG])
def test_a_forged_import_token_imports_nothing(charlie, token):
    response = post_unchanged(client_of(charlie), "/admin/decks/deck/import/", {"token": token})
    assert response.status_code in (200, 303)


# --- Paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 10_000 + "/",
        "/decks/%00/",
        "/decks/..%2f..%2fetc%2fpasswd/",
        "/progress/%3Cscript%3E/",
        "/decks/fine-tuning-flashcards/study/-1/answer/",
        "/static/../settings.py",
        "/admin/../accounts/export.csv",
    ],
)
def test_a_junk_path_is_a_404_or_a_redirect(learner, path):
    response = learner.get(path)
    assert response.status_code in (301, 302, 404)
