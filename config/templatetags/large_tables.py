"""``{% ranged_date_hierarchy cl %}``: the admin's date hierarchy for tables of millions of rows
(:class:`config.pagination.LargeTableAdmin`'s change list).

Django's hierarchy offers the years, months or days that have rows: a ``SELECT DISTINCT`` over
every row of the list (0.75 s over half a million lines). This one offers every year, month or
day between the list's first and last row, two lookups of the date's index: a choice may hold
no row, and then leads to an empty list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

register = template.Library()


def _every(first: dt.date, last: dt.date, kind: str) -> list[dt.date]:
    if kind == "year":
        return [dt.date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        return [dt.date(month // 12, month % 12 + 1, 1) for month in months]
    return [first + dt.timedelta(days) for days in range((last - first).days + 1)]


class _RangedQuerySet:
    """The change list's queryset, with ``dates()`` and ``datetimes()`` answered from its first
    and last dates (local dates for a date and time, as Django's truncation takes them)."""

    def __init__(self, queryset: QuerySet[Any]):
        self.queryset = queryset

    def __getattr__(self, name: str) -> Any:
        return getattr(self.queryset, name)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> list[dt.date]:
        bounds = self.queryset.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = (
            timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
            for value in (bounds["first"], bounds["last"])
        )
        return _every(first, last, kind)

    datetimes = dates


class _RangedChangeList:
    def __init__(self, changelist: Any):
        self.changelist = changelist
        self.queryset = _RangedQuerySet(changelist.queryset)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.changelist, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def ranged_date_hierarchy(changelist: Any) -> dict[str, Any] | None:
    return date_hierarchy(_RangedChangeList(changelist))  # type: ignore[arg-type]  # duck-typed
