"""The insight registry: every analytics figure Pulse serves, registered once.

An insight is a function of a workspace and validated parameters that returns a JSON-ready
payload. Each app registers its own (``<app>/insights.py``, imported by the app's ``ready``);
the API's one generic view, the CSV export, the HTML dashboards, the cache-warming tasks, and
alerts, digests and share links all read them through :func:`get_insight`, so no app imports
another to read its figures.

Results are cached per workspace and data version of the insight's namespace (every write
bumps it, :mod:`config.cache`). Settings that change a result without changing the data (the
workspace's time zone, a project's Apdex threshold) are part of the cache key
(``Insight.key_settings``), so a changed setting is a different entry rather than something a
receiver must remember to clear.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import Decimal
from typing import Any, Literal, Protocol

from django.db import models
from django.utils import timezone
from rest_framework import serializers

from config import timeline
from config.cache import Body, Cached, cached, cached_body
from config.periods import Period, PeriodQuerySerializer

# The parameters a window gives a scalar: a stored filter may not name them.
WINDOW_PARAMS = ("date_from", "date_to")


class Tenant(Protocol):
    """What the registry reads of a workspace (``accounts.Workspace``: ``config`` imports no app)."""

    @property
    def pk(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def week_start(self) -> int: ...


MetricUnit = Literal["money", "count", "percent", "ratio", "ms", "score", "seconds", "hours"]


@dataclass(frozen=True)
class Metric:
    """A scalar of an insight's payload that alerts and digests can read: ``path`` is its dotted
    place in the payload (``"total_revenue"``, ``"previous.total_revenue"``), or its name when
    ``derive`` computes it from the payload (an error rate of all errors from the 4xx and 5xx
    ones)."""

    path: str
    label: str
    unit: MetricUnit
    higher_is_better: bool = True
    derive: Callable[[Mapping[str, Any]], Any] | None = field(default=None, compare=False, repr=False)

    def describe(self) -> dict[str, Any]:
        """What a client reads of the metric (``GET /api/v1/insights/``)."""
        return {"path": self.path, "label": self.label, "unit": self.unit, "higher_is_better": self.higher_is_better}

    def read(self, payload: Mapping[str, Any]) -> Any:
        if self.derive is not None:
            return self.derive(payload)
        value: Any = payload
        for part in self.path.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value


def hours_since(instant: dt.datetime | None) -> float | None:
    """Hours from ``instant`` to now, to one decimal (None without data): a staleness scalar."""
    if instant is None:
        return None
    return round((timezone.now() - instant).total_seconds() / 3600, 1)


def always_fresh(params: Mapping[str, Any]) -> bool:
    """``Insight.volatile`` of a health scalar: it reads the clock (staleness) or rows that bump no
    data version (a failed job writes no data), so no cached payload can hold it."""
    return True


class HealthSerializer(serializers.Serializer[Any]):
    """The payload of an app's health insight: what alerts read of its data's freshness and its
    failed work over the window (each app registers one, leaving out what it has not)."""

    latest = serializers.DateTimeField(allow_null=True, help_text="The newest data's instant.")
    staleness_hours = serializers.FloatField(allow_null=True, help_text="Hours since then.")
    failed = serializers.IntegerField(required=False, help_text="Failed runs in the window.")
    requests = serializers.IntegerField(required=False, help_text="Tracked requests in the window.")


def workspace_settings(workspace: Tenant, params: Mapping[str, Any]) -> dict[str, Any]:
    """What of a workspace changes an insight's result: its time zone buckets lines and days,
    its first day of the week buckets weeks."""
    return {"timezone": workspace.timezone, "week_start": workspace.week_start}


def week_settings(workspace: Tenant, params: Mapping[str, Any]) -> dict[str, Any]:
    """For insights of local days (no time zone involved) whose weeks start on the workspace's
    first day of the week."""
    return {"week_start": workspace.week_start}


@dataclass(frozen=True)
class SeriesMarks:
    """How the rows of a series' CSV meet the annotations: ``start`` names the row's bucket start,
    ``interval`` the buckets' length where the payload does not name it, ``scope`` what of the
    resolved parameters narrows the marks (an API project and its time zone), and ``tables`` the
    CSV tables that are series, where not the main one alone (a customer's months, a forecast's
    history besides its days to come)."""

    start: str = "bucket"
    interval: str | None = None
    scope: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    tables: tuple[str, ...] = ()


# What an answer's body is made of: its bytes and the headers that go with them.
Render = Callable[[Cached], tuple[bytes, dict[str, str]]]
KeySettings = Callable[[Tenant, Mapping[str, Any]], Mapping[str, Any]]
Resolve = Callable[[Tenant, dict[str, Any]], dict[str, Any]]
# Query and response serializers validate and describe what each insight alone knows; a
# response may be a list serializer (``many=True``).
QuerySerializer = serializers.Serializer[Any]
AnySerializer = serializers.BaseSerializer[Any]


def _validate(query: type[QuerySerializer], url_params: tuple[str, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    serializer = query(data=data)
    serializer.is_valid(raise_exception=True)
    params = getattr(serializer, "params", None)
    params = dict(params if params is not None else serializer.validated_data)
    missing = [name for name in url_params if not data.get(name)]
    if missing:
        raise serializers.ValidationError({name: ["This field is required."] for name in missing})
    return {**params, **{name: str(data[name]) for name in url_params}}


# A query serializer is a pure function of the query (it has no context, reads no clock, settings
# or data): its result is kept per process, since building a DRF serializer's fields (a deep copy
# of each) costs a cached read about a tenth of its time. Errors are not kept; the parameters are
# immutable values (periods, scopes, strings, numbers), and each caller gets its own dict.
@functools.lru_cache(maxsize=2048)
def _validated(
    query: type[QuerySerializer], url_params: tuple[str, ...], items: frozenset[tuple[str, Any]]
) -> dict[str, Any]:
    return _validate(query, url_params, dict(items))


@dataclass(frozen=True)
class Insight:
    """One registered insight.

    ``compute(workspace, **params)`` returns the payload; ``query`` validates the parameters
    (the query string) into ``params`` (its ``params`` property when it has one, else its
    validated data), a pure function of them since its answers are kept (:meth:`validate`), to
    which ``url_params`` add what the URL names (a country, a project's key); ``response``
    documents the payload. ``resolve`` may replace
    parameters by what they name (a project's key by the project, 404 when the workspace has
    none) and add inputs read for this run (``unkeyed``: left out of the cache key) before
    ``key_settings`` and ``compute`` see them. ``volatile(params)`` says when a result reads data
    that no data version guards (API events after the rollup watermark): it is then computed
    afresh and not cached. ``present(result, params)``, when given, shapes what is answered
    from the cached result (a slice of it; what the cache hit says about how it was made).
    """

    name: str
    compute: Callable[..., Any]
    query: type[QuerySerializer]
    response: type[AnySerializer] | AnySerializer
    namespace: str
    summary: str
    description: str = ""
    key_settings: KeySettings = workspace_settings
    resolve: Resolve | None = None
    unkeyed: tuple[str, ...] = ()
    volatile: Callable[[Mapping[str, Any]], bool] | None = None
    present: Callable[[Cached, Mapping[str, Any]], Any] | None = None
    metrics: tuple[Metric, ...] = ()
    # Parameters a scalar reading passes unless its filters say otherwise: what the payload
    # computes beside its scalars and an alert never reads (a comparison period, a long list).
    scalar_defaults: Mapping[str, Any] = field(default_factory=dict)
    # What a scalar reading computes in place of ``compute`` when the payload holds much more than
    # its metrics (a country page's series and products): a payload with the metrics' paths alone,
    # cached apart from the whole one.
    scalar_compute: Callable[..., Any] | None = None
    csv_rows_key: str | None = None
    csv_tables: tuple[str, ...] = ()
    csv_filename: str = ""
    # A time series: its main CSV table gets the ``annotations`` of each bucket.
    csv_marks: SeriesMarks | None = None
    url_params: tuple[str, ...] = ()
    operation_id: str | None = None  # where the path alone would not make a unique one
    # A list without a bound of its own (every store…): the API answers it a page at a time.
    paginated: bool = False

    @property
    def keeps_body(self) -> bool:
        """Whether its JSON answer is kept as bytes with an ETag (:meth:`body`): not a page of a
        list, nor one that ``present`` shapes anew for each request."""
        return self.present is None and not self.paginated

    @property
    def app(self) -> str:
        return self.name.partition(".")[0]

    def validate(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters of ``data`` (a query string with the URL's keywords, a stored alert's
        parameters), validated; a ValidationError (400) names what is wrong."""
        try:
            items = frozenset(data.items())
        except TypeError:  # a list or a dict among the values (a stored alert's): not memoised
            return _validate(self.query, self.url_params, data)
        return dict(_validated(self.query, self.url_params, items))

    def prepare(self, workspace: Tenant, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """``params`` resolved, and the cache key of their result: None when it is volatile."""
        params = dict(params)
        if self.resolve is not None:
            params = self.resolve(workspace, params)
        if self.volatile is not None and self.volatile(params):
            return params, None
        key = {name: _key_value(value) for name, value in params.items() if name not in self.unkeyed}
        key.update(self.key_settings(workspace, params))
        return params, key

    def run(
        self, workspace: Tenant, params: Mapping[str, Any], *, refresh: bool = False, scalars: bool = False
    ) -> Cached:
        """The payload for validated ``params``, from the cache while the data version holds; with
        ``scalars``, what ``scalar_compute`` (when the insight has one) reduces it to."""
        params, key = self.prepare(workspace, params)
        return self._result(workspace, params, key, refresh=refresh, scalars=scalars)

    def _result(
        self,
        workspace: Tenant,
        params: dict[str, Any],
        key: dict[str, Any] | None,
        *,
        refresh: bool = False,
        scalars: bool = False,
    ) -> Cached:
        compute, entry = self.compute, self.name
        if scalars and self.scalar_compute is not None:
            compute, entry = self.scalar_compute, f"{self.name}:scalars"
        if key is None:
            result = Cached(compute(workspace, **params), False, timezone.now())
        else:
            result = cached(
                self.namespace, workspace.pk, entry, key, lambda: compute(workspace, **params), refresh=refresh
            )
        if self.present is not None:
            return replace(result, value=self.present(result, params))
        return result

    def body(self, workspace: Tenant, params: Mapping[str, Any], form: str, render: Render) -> Body:
        """The answer for validated ``params`` as ``render`` writes it in the form named ``form``
        (``json``), kept in the cache as bytes under the same data version as the result, so a
        hit writes it as it is. Not kept when the result is volatile or the insight does not
        :attr:`keep its body <keeps_body>` (a kept body would freeze one request's account of
        how its result was made)."""
        params, key = self.prepare(workspace, params)
        if key is None or not self.keeps_body:
            return Body(*render(self._result(workspace, params, key)), etag=None, hit=False)

        def produce() -> tuple[Cached, bytes, dict[str, str]]:
            result = self._result(workspace, params, key)
            return (result, *render(result))

        return cached_body(self.namespace, workspace.pk, f"{self.name}.{form}", key, produce)

    def value(self, workspace: Tenant, **params: Any) -> Any:
        """The payload for parameters given in Python (already valid), through the cache."""
        return self.run(workspace, params).value

    def marks_table(self, table: str | None) -> bool:
        """Whether the CSV table ``table`` (a ``csv_rows_key``) is a time series that carries
        annotations."""
        return self.csv_marks is not None and table in (self.csv_marks.tables or (self.csv_rows_key,))

    def marked_rows(
        self,
        workspace: Tenant,
        params: Mapping[str, Any],
        payload: Any,
        rows: list[dict[str, object]],
        table: str | None,
    ) -> list[dict[str, object]]:
        """The rows of the CSV table ``table`` with, where it is a time series, the texts of the
        annotations that touch each bucket (``annotations``); the rows as they are otherwise."""
        marks = self.csv_marks
        if marks is None or not self.marks_table(table):
            return rows
        scope: Mapping[str, Any] = {}
        if marks.scope is not None:
            scope = marks.scope(self.prepare(workspace, params)[0])
        texts = timeline.bucket_texts(
            workspace,
            [str(row[marks.start]) for row in rows],
            marks.interval or payload["interval"],
            period=params.get("period"),
            **scope,
        )
        return [{**row, "annotations": text} for row, text in zip(rows, texts, strict=True)]

    @property
    def filter_names(self) -> tuple[str, ...]:
        """What narrows a scalar of this insight besides its window (a project's key, a
        country…): its parameters other than the dates."""
        names = (name for name, _field in self.query().fields.items() if name not in WINDOW_PARAMS)
        return (*names, *self.url_params)

    def metric(self, path: str) -> Metric:
        """The scalar registered at ``path`` (KeyError when there is none)."""
        for metric in self.metrics:
            if metric.path == path:
                return metric
        raise KeyError(path)

    def scalar(
        self,
        workspace: Tenant,
        path: str,
        period: Period,
        filters: Mapping[str, Any],
        *,
        payloads: dict[Hashable, Any] | None = None,
    ) -> Decimal | None:
        """The metric at ``path`` over the bounded ``period``, narrowed by ``filters``, through the
        cache; None when the data has no value for it (no requests, no ad spend…). Filters are
        validated as a query string would be: a bad one raises a ValidationError, a filter naming
        nothing of the workspace the insight's NotFound.

        ``payloads``, when given, keeps each payload read for the next scalar of the same insight,
        window and filters: the many rules of an evaluation round read few payloads, each once.
        """
        metric = self.metric(path)
        key = (workspace.pk, self.name, period, tuple(sorted(filters.items())))
        payload = payloads.get(key) if payloads is not None else None
        if payload is None:
            payload = self.run(workspace, self.scalar_params(period, filters), scalars=True).value
            if payloads is not None:
                payloads[key] = payload
        value = metric.read(payload)
        return None if value is None else Decimal(str(value))

    def scalar_params(self, period: Period, filters: Mapping[str, Any]) -> dict[str, Any]:
        """The validated parameters of a scalar over the bounded ``period`` narrowed by
        ``filters`` (a ValidationError names a filter that is unknown or wrong)."""
        unknown = sorted(set(filters) - set(self.filter_names))
        if unknown:
            raise serializers.ValidationError({name: ["Not a filter of this metric."] for name in unknown})
        date_from, date_to = period.ends()
        dates = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        return self.validate({**self.scalar_defaults, **filters, **dates})


def _key_value(value: Any) -> Any:
    """A parameter as it enters the cache key: a period by its dates, another value object (an
    e-commerce scope) by its fields, a row by its key."""
    if isinstance(value, Period):
        return [_key_value(value.date_from), _key_value(value.date_to)]
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _key_value(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{value.pk}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_registry: dict[str, Insight] = {}
_shared_reads: list[Callable[[], contextlib.AbstractContextManager[None]]] = []
_reading_many: contextvars.ContextVar[bool] = contextvars.ContextVar("insights_reading_many", default=False)


def register_shared_reads(block: Callable[[], contextlib.AbstractContextManager[None]]) -> None:
    """``block()`` opens an app's scope in which its insights keep what they read of the
    database for the next ones (e-commerce's sums per invoice of a window)."""
    if block not in _shared_reads:
        _shared_reads.append(block)


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """One task reading many insights (an alert round) in every app's shared-reads scope: the
    insights of one window read the database's reductions of it once. It lasts the task only, so
    nothing it keeps outlives the data."""
    token = _reading_many.set(True)
    try:
        with contextlib.ExitStack() as stack:
            for block in _shared_reads:
                stack.enter_context(block())
            yield
    finally:
        _reading_many.reset(token)


def reading_many() -> bool:
    """Whether the insights compute inside :func:`shared_reads`: an insight narrowed by a filter
    (a country) may then reduce its window for every value of the filter at once, which the next
    readings of the task find kept, rather than read its own slice alone."""
    return _reading_many.get()


def register(insight: Insight) -> Insight:
    """Add ``insight`` to the registry; a second insight of the same name is an error."""
    if insight.name in _registry and _registry[insight.name] is not insight:
        raise ValueError(f"An insight named {insight.name!r} is already registered.")
    _registry[insight.name] = insight
    return insight


def register_health(
    name: str,
    compute: Callable[..., Any],
    *,
    namespace: str,
    summary: str,
    metrics: tuple[Metric, ...],
    key_settings: KeySettings = workspace_settings,
) -> Insight:
    """Register an app's health insight (:class:`HealthSerializer`): read by alerts over a window,
    served by no endpoint, and never cached (:func:`always_fresh`)."""
    return register(
        Insight(
            name=name,
            compute=compute,
            query=PeriodQuerySerializer,
            response=HealthSerializer,
            namespace=namespace,
            summary=summary,
            key_settings=key_settings,
            volatile=always_fresh,
            metrics=metrics,
        )
    )


def get_insight(name: str) -> Insight:
    """The insight registered as ``name`` (KeyError when there is none)."""
    return _registry[name]


def all_insights() -> Iterator[Insight]:
    """Every registered insight, by name."""
    return iter(sorted(_registry.values(), key=lambda insight: insight.name))


def scalar_insights() -> Iterator[Insight]:
    """The insights whose payload has scalars over a window of dates: what alerts can watch."""
    return (insight for insight in all_insights() if insight.metrics and "date_from" in insight.query().fields)
