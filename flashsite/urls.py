from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the framework's cost with no database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before decks/: the study pages (decks/<slug>/study/…) are most requests.
    path("", include("reviews.urls")),
    path("accounts/", include("accounts.urls")),
    path("decks/", include("decks.urls")),
    path("admin/", admin.site.urls),
]
