"""What narrows a project's API metrics: one endpoint, one consumer, one status class.

The API's ``endpoint``, ``consumer`` and ``status_class`` parameters and the dashboard's chips
(:mod:`config.filters`) are validated by the same fields and resolved here into a
:data:`~apimetrics.analytics.Match`; an endpoint or a consumer the project never had is a 404.

An endpoint, a consumer or both are read from the rollups, which keep every figure per endpoint,
per consumer and per consumer of an endpoint. They keep no latency per status class, so a
status class is read from the raw events alone: only over a bounded range of at most
:data:`MAX_RAW_DAYS` days (a week of a busy API is a few million rows, never years) that the
project's retention still holds, the comparison period included; any other range is a 400 that
says so, rather than latency figures that would quietly cover every class.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from apimetrics.analytics import Match
from apimetrics.models import HourRollup, MinuteRollup, Project, RequestEvent
from config.errors import NotFound
from config.filters import PageFilter
from config.periods import Period

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
MAX_RAW_DAYS = 7
# A local week is 7 × 24 hours, give or take the hour the clocks change.
_RAW_SPAN = dt.timedelta(days=MAX_RAW_DAYS, hours=1)


def endpoint_field() -> serializers.Field:
    return serializers.RegexField(
        r"^[A-Z]{1,10} /\S{0,254}$",
        required=False,
        help_text="One method and endpoint template, as the endpoints table names them: `GET /users/{id}`.",
    )


def consumer_field() -> serializers.Field:
    return serializers.CharField(max_length=128, required=False, help_text="One consumer, as tracked.")


def status_class_field() -> serializers.Field:
    return serializers.ChoiceField(
        choices=STATUS_CLASSES,
        required=False,
        help_text=f"One status class. Read from the raw events: the range must be bounded, at most "
        f"{MAX_RAW_DAYS} days, and within the project's retention (its previous period too).",
    )


def endpoint_key(value: str) -> tuple[str, str]:
    """``GET /users/{id}`` as (method, template)."""
    method, _, template = value.partition(" ")
    return (method, template)


def check_known(project: Project, rolled_until: dt.datetime | None, **columns: str) -> None:
    """NotFound unless the project has had a request of these ``columns`` (method and endpoint,
    or consumer): in the hour rollups, the minutes rolled since the last whole hour, or the raw
    events past the watermark."""
    kind = "c" if "consumer" in columns else "e"
    raw = RequestEvent.objects.filter(project=project, **columns)
    if rolled_until is not None:
        hour = rolled_until.replace(minute=0, second=0, microsecond=0)
        # The whole dimension, the columns its kind leaves empty too: the hour rollups' index on
        # it finds a row at once, where a year of hours of every endpoint would be scanned.
        dimension = {"method": "", "endpoint": "", "consumer": "", **columns}
        if HourRollup.objects.filter(project=project, kind=kind, **dimension).exists():
            return
        if MinuteRollup.objects.filter(project=project, kind=kind, minute__gte=hour, **dimension).exists():
            return
        raw = raw.filter(timestamp__gte=rolled_until)
    if not raw.exists():
        name = " ".join(columns.values())
        raise NotFound(f"No {'consumer' if 'consumer' in columns else 'endpoint'} {name!r} in this project.")


def check_raw_range(project: Project, period: Period) -> None:
    """A ValidationError (400) unless raw events can answer a status class over ``period``."""
    start, end = period.bounds(project.tzinfo)
    kept_from = timezone.now() - dt.timedelta(days=project.retention_days)
    previous = period.previous().bounds(project.tzinfo)[0] if start is not None and end is not None else None
    if start is None or end is None or previous is None or end - start > _RAW_SPAN or previous < kept_from:
        raise serializers.ValidationError(
            f"A status class is read from the raw events (the rollups keep no latency by class): pick a "
            f"range of at most {MAX_RAW_DAYS} days whose previous period is within the project's "
            f"{project.retention_days} days of retention."
        )


def match_of(project: Project, period: Period, rolled_until: dt.datetime | None, params: dict[str, Any]) -> Match:
    """The filters of ``params`` (validated query values, taken out of it) as a match, after
    checking that the project knows them and that raw events can answer a status class."""
    match: list[tuple[str, str]] = []
    endpoint = params.pop("endpoint", None)
    if endpoint:
        method, template = endpoint if isinstance(endpoint, tuple) else endpoint_key(endpoint)
        check_known(project, rolled_until, method=method, endpoint=template)
        match += [("method", method), ("endpoint", template)]
    consumer = params.pop("consumer", None)
    if consumer:
        check_known(project, rolled_until, consumer=consumer)
        match.append(("consumer", consumer))
    status_class = params.pop("status_class", None)
    if status_class:
        try:
            check_raw_range(project, period)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"status_class": error.detail}) from error
        match.append(("status_class", status_class))
    return tuple(match)


def page_filters(project: Project, period: Period, rolled_until: dt.datetime | None) -> tuple[PageFilter, ...]:
    """The project dashboard's chips: the API's parameters, validated by the same fields and
    resolved by the same checks (each value as the insights take it)."""

    def endpoint(_workspace: Any, value: str) -> tuple[tuple[str, str], str]:
        method, template = endpoint_key(value)
        check_known(project, rolled_until, method=method, endpoint=template)
        return (method, template), value

    def consumer(_workspace: Any, value: str) -> tuple[str, str]:
        check_known(project, rolled_until, consumer=value)
        return value, value

    def status_class(_workspace: Any, value: str) -> tuple[str, str]:
        check_raw_range(project, period)
        return value, value

    return (
        PageFilter("endpoint", "Endpoint", endpoint_field, endpoint),
        PageFilter("consumer", "Consumer", consumer_field, consumer),
        PageFilter("status_class", "Status", status_class_field, status_class),
    )
