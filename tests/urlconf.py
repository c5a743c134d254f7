"""The project's routes, walked from the root URLconf, for tests that must cover every endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

_CONVERTER_SAMPLES = {"int": "1", "slug": "acme", "str": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


@dataclass(frozen=True)
class Route:
    route: str  # as written in the URLconf, converters included: "api/v1/workspaces/<slug:slug>/"
    callback: object
    name: str | None

    @property
    def view_class(self):
        """The class-based view (DRF or Django) behind the route, or None for a function view."""
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def sample_path(self) -> str:
        """A concrete path of this route (``/api/v1/workspaces/acme/``)."""

        def fill(match: re.Match) -> str:
            # A router's group has no converter: its ids are numbers.
            return _CONVERTER_SAMPLES.get(match.group(1), "x") if match.group(1) else "1"

        return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, self.route)


def _as_route(pattern) -> str:
    """A pattern as a route: a router's regular expression (``^stores/(?P<pk>[^/.]+)/$``) as
    ``stores/<pk>/``; anything more of a regular expression is left as it is."""
    if not isinstance(pattern.pattern, RegexPattern):
        return str(pattern.pattern)
    regex = str(pattern.pattern).removeprefix("^").removesuffix("$")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex)


def _walk(patterns, prefix: str) -> Iterator[Route]:
    for pattern in patterns:
        route = prefix + _as_route(pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield Route(route, pattern.callback, pattern.name)


def routes(urlconf: str | None = None) -> list[Route]:
    """Every route of the URLconf, ``include()``s followed."""
    return list(_walk(get_resolver(urlconf).url_patterns, ""))


def json_routes(urlconf: str | None = None) -> list[Route]:
    """Every route answered in JSON: the API, its schema, health and metrics."""
    prefixes = ("api/", "health/", "metrics")
    return [r for r in routes(urlconf) if r.route.startswith(prefixes) and not _is_regex(r.route)]


def _is_regex(route: str) -> bool:
    return any(char in route for char in "^$?()[]")
