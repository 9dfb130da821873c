"""Every URL of the site, read from the URLconf and filled in with real objects.

A URL added later, by any app, shows up here by itself; the access matrix
then fails until someone writes down who may open it.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from decks.models import Card, Deck

ROUTE_PARAM = re.compile(r"(?<!\?P)<(?:\w+:)?(\w+)>")
REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ADMIN_MODEL = re.compile(r"^admin/(\w+)/(\w+)/")


@dataclass(frozen=True)
class Route:
    """One URL pattern: `key` is its name ("reviews:study"), or its pattern when unnamed."""

    key: str
    pattern: str
    name: str | None
    callback: object

    @property
    def params(self) -> list[str]:
        return ROUTE_PARAM.findall(self.pattern) + REGEX_PARAM.findall(self.pattern)


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                found.append(Route(name or pattern, pattern, name, entry.callback))

    walk(get_resolver().url_patterns, "", None)
    return found


@dataclass
class World:
    """The objects whose ids fill the URLs: the bundled deck, its first card, the owner."""

    deck: Deck
    card: Card
    owner: User

    def object_of(self, model: type[Model]) -> Model:
        """The owner's object of a model where it has one, else the first."""
        if model is User:
            return self.owner
        if model is Deck:
            return self.deck
        if model is Card:
            return self.card
        field_names = {field.name for field in model._meta.fields}
        objects = model._default_manager.order_by("pk")
        if "user" in field_names:
            objects = objects.filter(user=self.owner)
        found = objects.first()
        assert found is not None, f"make a {model.__name__} in the access matrix's fixtures"
        return found


def param_value(route: Route, param: str, world: World) -> str:
    if param == "slug":
        return world.deck.slug
    if param == "card_id":
        return str(world.card.pk)
    if param == "uidb64":
        return urlsafe_base64_encode(force_bytes(world.owner.pk))
    if param == "token":
        return default_token_generator.make_token(world.owner)
    if param == "app_label":
        return "decks"
    if param == "url":
        return "no-such-page/"
    if param == "content_type_id":
        return str(ContentType.objects.get_for_model(Deck).pk)
    if param == "object_id" and route.key == "admin:view_on_site":
        return str(world.deck.pk)
    if param in ("object_id", "id"):
        match = ADMIN_MODEL.match(route.pattern)
        assert match, f"{route.key}: an object id outside the admin"
        return str(world.object_of(apps.get_model(match[1], match[2])).pk)
    raise AssertionError(f"{route.key}: no value for the URL parameter {param!r}; add one")


def url_of(route: Route, world: World) -> str:
    values = {param: param_value(route, param, world) for param in route.params}
    if route.name:
        url = reverse(route.name, kwargs=values)
    else:
        url = ROUTE_PARAM.sub(lambda m: values[m[1]], route.pattern)
        url = "/" + REGEX_PARAM.sub(lambda m: values[m[1]], url).replace("^", "").replace("$", "")
    assert resolve(url).func == route.callback, f"{url} does not resolve to {route.key}"
    return url
