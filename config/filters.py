"""A dashboard's filters: what narrows its figures besides the time controls (a country, a store).

A page declares its :class:`PageFilter` s; they are read from the query string, validated by the
same serializer field the matching API parameter uses and resolved against the workspace (an
unknown value is the API's 404). The ones in use are shown above the page as removable chips and
carried with the time controls in every link that stays in the page's app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rest_framework import serializers

from config.errors import NotFound

# A value of the query string, validated, to what the page computes with and how the chip shows it;
# NotFound when the workspace has nothing by that name.
Resolver = Callable[[Any, Any], tuple[Any, str]]


@dataclass(frozen=True)
class PageFilter:
    """One filter a page declares: its query parameter ``name``, the ``label`` of its chip, the
    serializer ``field`` that validates a value (the API parameter's, so both refuse the same
    input) and ``resolve(workspace, value)``."""

    name: str
    label: str
    field: Callable[[], serializers.Field[Any, Any, Any, Any]]
    resolve: Resolver


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in use: its raw value (what the URL carries), what it resolved to and its chip's text."""

    filter: PageFilter
    raw: str
    value: Any
    shown: str


def read_filters(
    declared: tuple[PageFilter, ...], data: Mapping[str, str], workspace: Any
) -> tuple[dict[str, ActiveFilter], list[str]]:
    """The filters of ``declared`` that ``data`` (a query string) names, and the errors of those
    it names wrongly (left out, as the time controls fall back on their defaults)."""
    active: dict[str, ActiveFilter] = {}
    errors: list[str] = []
    for page_filter in declared:
        raw = data.get(page_filter.name)
        if raw is None:
            continue
        try:
            value = page_filter.field().run_validation(raw)
            resolved, shown = page_filter.resolve(workspace, value)
        except serializers.ValidationError as error:
            errors.append(f"{page_filter.name}: {' '.join(_messages(error.detail))}")
            continue
        except NotFound:
            errors.append(f"{page_filter.name}: no {page_filter.label.lower()} {raw!r} in this workspace.")
            continue
        active[page_filter.name] = ActiveFilter(page_filter, raw, resolved, shown)
    return active, errors


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, list | tuple):
        return [str(message) for message in detail]
    return [str(detail)]


def query_string(query: Mapping[str, str]) -> str:
    """``?a=1&b=2``, or "" when there is nothing to carry."""
    return f"?{urlencode(query)}" if query else ""


def chips(path: str, base: Mapping[str, str], active: Mapping[str, ActiveFilter]) -> list[dict[str, str]]:
    """The chips of the filters in use: each one's text and the URL of ``path`` with the time
    controls (``base``) and every other filter, without it."""
    return [
        {
            "name": name,
            "label": item.filter.label,
            "shown": item.shown,
            "remove_url": path
            + query_string({**base, **{other: kept.raw for other, kept in active.items() if other != name}}),
        }
        for name, item in active.items()
    ]
