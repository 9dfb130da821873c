from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import HttpResponseClientRefresh


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale page (its CSRF token outlived a log-out or log-in) is reloaded, not broken.

    htmx would swap a 403 page into the card, or silently drop it; telling it
    to refresh gives the person a page with a fresh token.
    """
    if request.headers.get("HX-Request") == "true":
        response = HttpResponseClientRefresh()
        response.status_code = 403
        return response
    return render(request, "403_csrf.html", status=403)
