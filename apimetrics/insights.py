"""The API-metrics insights, registered once (:mod:`config.insights`): the API, the dashboards and
the reports read a project's figures from the registry.

Every insight names its project by key (the URL's ``key``; Python callers may pass the project
itself). The project's time zone and Apdex threshold are part of the cache key. A result whose
range reaches past the rollup watermark reads raw events that no data version guards: it is
computed afresh (the rollups' bump covers everything before the watermark).
"""

from collections.abc import Callable, Mapping
from typing import Any

from apimetrics import analytics, filters, health, tables
from apimetrics.analytics import Payload
from apimetrics.api import serializers as s
from apimetrics.models import Project
from config.errors import NotFound
from config.insights import (
    AnySerializer,
    Insight,
    Metric,
    QuerySerializer,
    SeriesMarks,
    Tenant,
    register,
    register_health,
)


def _resolve(workspace: Tenant, params: dict[str, Any]) -> dict[str, Any]:
    """The workspace's project named by ``key`` (or given as ``project``) and its watermark."""
    project = params.pop("project", None)
    key = params.pop("key", None)
    if not isinstance(project, Project) or project.workspace_id != workspace.pk:
        project = Project.objects.filter(workspace_id=workspace.pk, key=str(key or project)).first()
    if project is None:
        raise NotFound("Not found.")
    return {**params, "project": project, "rolled_until": analytics.rollup_watermark(project)}


def _resolve_filtered(workspace: Tenant, params: dict[str, Any]) -> dict[str, Any]:
    """:func:`_resolve`, and the filters as the match the figures are read for."""
    params = _resolve(workspace, params)
    match = filters.match_of(params["project"], params["period"], params["rolled_until"], params)
    return {**params, "match": match} if match else params


def _settings(workspace: Tenant, params: Mapping[str, Any]) -> dict[str, Any]:
    project = params["project"]
    return {"timezone": project.timezone, "apdex_threshold_ms": project.apdex_threshold_ms}


def _volatile(params: Mapping[str, Any]) -> bool:
    end = params["period"].bounds(params["project"].tzinfo)[1]
    rolled_until = params["rolled_until"]
    # A status class is read from raw events, which retention deletes without a new data version.
    raw = analytics.raw_only(params.get("match", ()))
    return raw or end is None or rolled_until is None or end > rolled_until


def _marks_scope(params: Mapping[str, Any]) -> dict[str, Any]:
    """A project's series carry its own annotations and the whole workspace's, on its clock."""
    project = params["project"]
    return {"project_id": project.pk, "time_zone": project.timezone}


# The marks of a project's time series (its CSV's ``annotations`` column).
_MARKS = SeriesMarks(scope=_marks_scope)


def _error_rate(summary: Mapping[str, Any]) -> float:
    """Every error (4xx and 5xx) in percent of the requests: the sum of the two rates."""
    return round(float(summary["error_rate_4xx"]) + float(summary["error_rate_5xx"]), 2)


def _insight(
    name: str,
    compute: Callable[..., Payload],
    query: type[QuerySerializer],
    response: type[AnySerializer],
    summary: str,
    *,
    filtered: bool = False,
    **kwargs: Any,
) -> Insight:
    return register(
        Insight(
            name=f"apimetrics.{name}",
            compute=lambda workspace, **params: compute(**params),
            query=query,
            response=response,
            namespace=analytics.CACHE_NAMESPACE,
            summary=summary,
            key_settings=_settings,
            resolve=_resolve_filtered if filtered else _resolve,
            unkeyed=("rolled_until",),
            volatile=_volatile,
            url_params=("key",),
            **kwargs,
        )
    )


SUMMARY = _insight(
    "summary",
    analytics.summary,
    s.SummaryQuerySerializer,
    s.ApiSummarySerializer,
    "Requests, error rates, throughput, latency percentiles and Apdex",
    filtered=True,
    metrics=(
        Metric("requests", "Requests", "count"),
        Metric("error_rate_4xx", "4xx error rate", "percent", higher_is_better=False),
        Metric("error_rate_5xx", "5xx error rate", "percent", higher_is_better=False),
        Metric("error_rate", "Error rate (4xx and 5xx)", "percent", higher_is_better=False, derive=_error_rate),
        Metric("throughput_rpm", "Requests per minute", "ratio"),
        Metric("avg_ms", "Average latency", "ms", higher_is_better=False),
        Metric("p95_ms", "p95 latency", "ms", higher_is_better=False),
        Metric("p99_ms", "p99 latency", "ms", higher_is_better=False),
        Metric("apdex", "Apdex", "score"),
    ),
    csv_filename="api-summary",
)
TIME_SERIES = _insight(
    "time_series",
    analytics.time_series,
    s.FilteredSeriesQuerySerializer,
    s.ApiTimeSeriesSerializer,
    "The summary per minute, hour or day (zero-filled, project time zone)",
    filtered=True,
    csv_rows_key="series",
    csv_filename="api-time-series",
    csv_marks=_MARKS,
)
ENDPOINTS = _insight(
    "endpoints",
    tables.endpoints,
    s.EndpointsQuerySerializer,
    s.ApiEndpointsSerializer,
    "Per method and endpoint: requests, share of traffic, errors, latency percentiles, Apdex",
    filtered=True,
    csv_rows_key="endpoints",
    csv_filename="api-endpoints",
)
CONSUMERS = _insight(
    "consumers",
    tables.consumers,
    s.ConsumersQuerySerializer,
    s.ApiConsumersSerializer,
    "Per consumer: requests, share of traffic, errors, latency percentiles, Apdex",
    filtered=True,
    csv_rows_key="consumers",
    csv_filename="api-consumers",
)
# Registered for alerts only (no endpoint serves it): every project of the workspace at once.
HEALTH = register_health(
    "apimetrics.health",
    health.health,
    namespace=analytics.CACHE_NAMESPACE,
    summary="Requests tracked across every API project; hours since the latest event",
    metrics=(
        Metric("requests", "Tracked requests (all projects)", "count"),
        Metric("staleness_hours", "Hours since the latest tracked event", "hours", higher_is_better=False),
    ),
)
SLOWEST = _insight(
    "slowest_endpoints",
    tables.slowest_endpoints,
    s.SlowestQuerySerializer,
    s.ApiSlowestSerializer,
    "The slowest endpoints by p95 latency, with their share of traffic and Apdex",
    filtered=True,
    csv_rows_key="endpoints",
    csv_filename="api-slowest-endpoints",
)
STATUS_CODES = _insight(
    "status_codes",
    tables.status_codes,
    s.FilteredQuerySerializer,
    s.ApiStatusCodesSerializer,
    "Requests by status class and status code, over the range and per endpoint",
    filtered=True,
    csv_rows_key="rows",
    csv_filename="api-status-codes",
)
STATUS_SERIES = _insight(
    "status_series",
    tables.status_series,
    s.FilteredSeriesQuerySerializer,
    s.ApiStatusSeriesSerializer,
    "Requests by status class and status code per minute, hour or day (zero-filled)",
    filtered=True,
    csv_rows_key="series",
    csv_filename="api-status-series",
    csv_marks=_MARKS,
)
ENDPOINT_DETAIL = _insight(
    "endpoint_detail",
    tables.endpoint_detail,
    s.EndpointDetailQuerySerializer,
    s.ApiEndpointDetailSerializer,
    "One endpoint: requests, errors by status code, p50/p95/p99 and Apdex, in total and over time; "
    "its slowest consumers",
    csv_rows_key="series",
    csv_tables=("codes", "consumers"),
    csv_filename="api-endpoint",
    csv_marks=_MARKS,
)
CONSUMER_DETAIL = _insight(
    "consumer_detail",
    tables.consumer_detail,
    s.ConsumerDetailQuerySerializer,
    s.ApiConsumerDetailSerializer,
    "One consumer: requests, errors by status code, p50/p95/p99 and Apdex, in total and over time",
    csv_rows_key="series",
    csv_tables=("codes",),
    csv_filename="api-consumer",
    csv_marks=_MARKS,
)
