import logging
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import django
from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import http_date
from django.views.defaults import bad_request
from django_htmx import middleware as htmx_middleware

logger = logging.getLogger("django.security.BadInput")
DJANGO_DIR = str(Path(django.__file__).parent)

# What django.utils.cache.add_never_cache_headers() sets Cache-Control to, when
# a response has none.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


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
            # add_never_cache_headers(), written out: it parses the header it has
            # just written to write it again, twice (2 % of a card flip).
            if not response.has_header("Expires"):
                response.headers["Expires"] = http_date(time.time())
            response.headers["Cache-Control"] = NEVER_CACHE
        if (
            response.status_code == 302
            and getattr(request, "htmx", False)
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            response.status_code = 204
            response["HX-Redirect"] = response["Location"]
            del response["Location"]
        return response


class BadInputMiddleware:
    """Input that no page of the site sends is a 400, never a 500.

    A NUL character in a parameter: no form needs one, and PostgreSQL refuses
    it in text. And Django's admin trusts staff to send what its forms offer:
    a 30-digit year in a date filter, an id beyond 64 bits or a word where an
    id goes make it raise OverflowError or ValueError from inside Django
    itself. Those answer the 400 page; the same errors raised in our own code
    stay 500s, so that they are seen and fixed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for data in (request.GET, request.POST):
            for name, values in data.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    raise SuspiciousOperation(f"NUL character in the parameter {name!r}")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OverflowError | ValueError):
            return None
        if not request.path.startswith(reverse("admin:index")):
            return None
        frames = traceback.extract_tb(exception.__traceback__)
        if not frames or not frames[-1].filename.startswith(DJANGO_DIR):
            return None
        logger.warning("Bad input to the admin: %s %s: %r", request.method, request.path, exception)
        return bad_request(request, exception)


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip for pages and htmx partials, but not for a streamed page.

    A streamed page (the admin's import of a large file) shows its progress
    part by part, and gzip's compressor would hold the small parts back
    until the page ends.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.streaming:
            return response
        return super().process_response(request, response)


# The parts of a response's policy when nothing but the settings decides it.
SETTINGS_ONLY = PolicyParts()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp, with the header of the site's policy built once.

    django-csp builds the Content-Security-Policy header anew for every
    response: 3–5 % of a card flip's CPU. Nearly every response takes the
    policy as CONTENT_SECURITY_POLICY sets it, so it gets the header built
    from that setting the first time. A response with a policy of its own
    (django-csp's decorators), a request that used a nonce, a report-only
    policy or excluded paths in the settings, and Django's debug pages go to
    django-csp as before.
    """

    _built: tuple[object, str] = (None, "")

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            not policy
            or policy.get("EXCLUDE_URL_PREFIXES")
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or self.get_policy_parts(request, response) != SETTINGS_ONLY
            or self.get_policy_parts(request, response, report_only=True) != SETTINGS_ONLY
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        if self._built[0] is not policy:  # the first response, or the settings changed
            self._built = (policy, build_policy())
        if CSP_HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[CSP_HEADER] = self._built[1]
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class HtmxDetails(htmx_middleware.HtmxDetails):
    """django-htmx's `request.htmx`, reading its headers from `request.META`.

    The first read of `request.headers` builds a mapping of every header the
    request came with; a card flip reads no other header, and building it for
    `HX-Request` alone was 3 % of the flip.
    """

    def _get_header_value(self, name: str) -> str | None:
        key = "HTTP_" + name.upper().replace("-", "_")
        value = self.request.META.get(key) or None
        if value and self.request.META.get(f"{key}_URI_AUTOENCODED") == "true":
            value = unquote(value)
        return value


class HtmxMiddleware(htmx_middleware.HtmxMiddleware):
    """django-htmx's middleware, setting `request.htmx` to the HtmxDetails above."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.async_mode:
            return self.__acall__(request)
        request.htmx = HtmxDetails(request)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        request.htmx = HtmxDetails(request)
        return await self.get_response(request)
