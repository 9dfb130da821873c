from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    """Keep private pages out of every cache, and send htmx to log in as a whole page.

    A signed-in person's pages hold their own cards and progress, so neither a
    shared proxy nor the browser's back/forward cache may keep them. When a
    session has expired during an htmx request, the login redirect would be
    swapped into the card; HX-Redirect makes htmx load the login page whole.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            response.status_code = 204
            response["HX-Redirect"] = response["Location"]
            del response["Location"]
        return response
