"""What every response must get right, whoever asks: the CSP, caching, hidden tokens."""

import re

from django.http import HttpResponse

REQUIRED_CSP = {
    "default-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
FORBIDDEN_CSP_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"}


def parse_csp(policy: str) -> dict[str, set[str]]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = set(words[1:])
    return directives


def csp_problems(policy: str) -> list[str]:
    """How a Content-Security-Policy header falls short of the one DESIGN.md promises."""
    if not policy:
        return ["no Content-Security-Policy"]
    directives = parse_csp(policy)
    problems = [
        f"{name} is {directives.get(name)}, not {sources}"
        for name, sources in REQUIRED_CSP.items()
        if directives.get(name) != sources
    ]
    for name, sources in directives.items():
        if sources & FORBIDDEN_CSP_SOURCES:
            problems.append(f"{name} allows {sorted(sources & FORBIDDEN_CSP_SOURCES)}")
    return problems


def is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def is_private_cache(cache_control: str) -> bool:
    """`private, no-store`: neither a shared cache nor the browser's keeps the page."""
    words = {word.strip().split("=")[0] for word in cache_control.lower().split(",")}
    return {"private", "no-store"} <= words


_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def without_tokens(html: str) -> str:
    """A page with its masked CSRF tokens (64 letters and digits, new on every render) blanked."""
    return _TOKEN.sub("CSRF-TOKEN", html)
