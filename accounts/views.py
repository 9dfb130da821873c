import csv
import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from .forms import DeleteAccountForm, SettingsForm, SignupForm


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="accounts.backends.UserBackend")
        messages.success(request, f"Welcome, {user.username}! Pick a deck to start studying.")
        return redirect("/")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form})


EXPORT_FIELDS = ["reviewed_at", "deck", "category", "question", "rating", "duration_ms"]


def _my_reviews(user):
    """Every review of this person, oldest first, as plain rows for download."""
    return (
        user.reviews.order_by("reviewed_at", "id")
        .values_list(
            "reviewed_at",
            "card__deck__title",
            "card__category",
            "card__question",
            "rating",
            "duration_ms",
        )
        .iterator(chunk_size=2000)
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_FIELDS)
        for reviewed_at, *rest in _my_reviews(request.user):
            yield writer.writerow([reviewed_at.isoformat(), *rest])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="flashsite-reviews.csv"'
    return response


@login_required
@require_GET
def export_json(request: HttpRequest) -> StreamingHttpResponse:
    def chunks():
        yield "{" + f'"username": {json.dumps(request.user.username)}, "reviews": ['
        for i, (reviewed_at, *rest) in enumerate(_my_reviews(request.user)):
            record = dict(zip(EXPORT_FIELDS, [reviewed_at.isoformat(), *rest], strict=True))
            yield ("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False)
        yield "\n]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="flashsite-reviews.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    # Bound on every POST, even an empty one, so a missing password is an error shown.
    form = DeleteAccountForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        # Cascades to every review and card state of this person; decks stay.
        user.delete()
        messages.success(request, "Your account and all your study data are deleted.")
        return redirect("/")
    return render(request, "accounts/delete_account.html", {"form": form})
