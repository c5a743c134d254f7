"""Breakdowns of a project's traffic: per endpoint and per consumer (with Apdex and share of
traffic), the slowest endpoints, and requests by status code and class per endpoint and over time.

Like every API-metrics figure they are read from the rollups (plus the raw events after the
watermark, :func:`apimetrics.analytics.collect`): Apdex from the merged latency histograms, status
codes from the rollups' counts by code.
"""

import datetime as dt
from collections.abc import Callable

from apimetrics.analytics import (
    Acc,
    GroupKey,
    Match,
    Payload,
    acc_stats,
    auto_interval,
    bucket_accs,
    bucket_label,
    collect,
    local_bounds,
    percent,
    period_meta,
)
from apimetrics.models import Project
from config.periods import Period

# What the endpoint and consumer tables may be ordered by (``-`` first for descending).
ORDERINGS = (
    *("requests", "traffic_share", "errors", "error_rate", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "apdex"),
    *("endpoint", "consumer"),
)
CLASSES = ("2xx", "3xx", "4xx", "5xx")


def _ordered(rows: list[Payload], order_by: str, name_field: str) -> list[Payload]:
    descending = order_by.startswith("-")
    key = order_by.lstrip("-")
    if key in ("endpoint", "consumer"):
        return sorted(rows, key=lambda row: (str(row.get(name_field) or ""), row.get("method", "")), reverse=descending)
    if key == "errors":
        key = "errors_total"
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    present.sort(key=lambda row: (row[key], row["requests"]), reverse=descending)
    return present + missing


def _table(
    project: Project,
    period: Period,
    rolled_until: dt.datetime | None,
    *,
    dims: str,
    label: Callable[[GroupKey], Payload],
    order_by: str,
    limit: int,
    match: Match = (),
    name: str = "",
) -> Payload:
    """One row per group of ``dims`` (``endpoint``: method and endpoint; ``consumer``), each
    labelled by ``label(key)``, with requests and their share of the project's (of ``match``'s
    when given), errors, rates, latency percentiles and Apdex (from the merged histograms of the
    rollups), under ``name`` (``dims`` + s unless told)."""
    start, end = local_bounds(project, period)
    rows: list[Payload] = []
    groups = collect(project, start, end, rolled_until, dims=dims, match=match)
    total = sum(acc.requests for acc in groups.values())
    for key, acc in groups.items():
        errors = acc.status_4xx + acc.status_5xx
        rows.append(
            {
                **label(key),
                **acc_stats(acc, project.apdex_threshold_ms),
                "traffic_share": percent(acc.requests, total),
                "errors_total": errors,
                "error_rate": percent(errors, acc.requests),
            }
        )
    name = name or f"{dims}s"
    return {
        **period_meta(project, period, rolled_until),
        "order_by": order_by,
        name: _ordered(rows, order_by, dims)[:limit],
        f"total_{name}": len(rows),
    }


def endpoints(
    project: Project,
    period: Period,
    rolled_until: dt.datetime | None,
    order_by: str = "-requests",
    limit: int = 100,
    match: Match = (),
) -> Payload:
    """Per (method, endpoint): requests, errors, rates, avg, p50/p95/p99, sorted by ``order_by``;
    of the requests of ``match`` (:mod:`apimetrics.filters`) when given."""
    label = lambda key: {"method": key[0], "endpoint": key[1]}  # noqa: E731
    return _table(
        project, period, rolled_until, dims="endpoint", label=label, order_by=order_by, limit=limit, match=match
    )


def consumers(
    project: Project,
    period: Period,
    rolled_until: dt.datetime | None,
    order_by: str = "-requests",
    limit: int = 100,
    match: Match = (),
) -> Payload:
    """Per consumer (events without one grouped under ``null``), of ``match`` when given."""
    label = lambda key: {"consumer": key[0] or None}  # noqa: E731
    return _table(
        project, period, rolled_until, dims="consumer", label=label, order_by=order_by, limit=limit, match=match
    )


def slowest_endpoints(
    project: Project, period: Period, rolled_until: dt.datetime | None, limit: int = 10, match: Match = ()
) -> Payload:
    """The endpoints by p95 latency, slowest first, each with its share of the traffic and Apdex."""
    return endpoints(project, period, rolled_until, order_by="-p95_ms", limit=limit, match=match)


def _classes(acc: Acc) -> dict[str, int]:
    return dict(zip(CLASSES, (acc.status_2xx, acc.status_3xx, acc.status_4xx, acc.status_5xx), strict=True))


def _codes(acc: Acc) -> list[Payload]:
    """Requests by status code, in code order, with the class and the share of ``acc``'s requests."""
    return [
        {"status_code": code, "status_class": f"{code // 100}xx", "requests": n, "share": percent(n, acc.requests)}
        for code, n in sorted(acc.codes.items())
    ]


def status_codes(project: Project, period: Period, rolled_until: dt.datetime | None, match: Match = ()) -> Payload:
    """Requests by status class and by status code over the period, and per (method, endpoint)
    by code (``rows``, the CSV's lines: one per endpoint and code, shares of the endpoint's); of
    ``match`` when given."""
    start, end = local_bounds(project, period)
    groups = collect(project, start, end, rolled_until, dims="endpoint", codes=True, match=match)
    total = Acc()
    rows: list[Payload] = []
    for (method, endpoint), acc in sorted(groups.items()):
        total.add(acc)
        rows.extend({"method": method, "endpoint": endpoint, **code} for code in _codes(acc))
    return {
        **period_meta(project, period, rolled_until),
        "requests": total.requests,
        "classes": _classes(total),
        "codes": _codes(total),
        "rows": rows,
    }


def status_series(
    project: Project, period: Period, rolled_until: dt.datetime | None, interval: str | None = None, match: Match = ()
) -> Payload:
    """Requests by status class and code per minute, hour or day (zero-filled, project time zone;
    without ``interval``, the one :func:`~apimetrics.analytics.auto_interval` picks), of ``match``
    when given."""
    interval = interval or auto_interval(project, period, rolled_until)
    series = [
        {
            "bucket": bucket_label(project, bucket),
            "requests": acc.requests,
            **{f"status_{name}": count for name, count in _classes(acc).items()},
            "codes": {str(code): count for code, count in sorted(acc.codes.items())},
        }
        for bucket, acc in bucket_accs(project, period, interval, rolled_until, codes=True, match=match)
    ]
    return {
        **period_meta(project, period, rolled_until),
        "interval": interval,
        "timezone": project.timezone,
        "series": series,
    }


def _detail(
    project: Project, period: Period, rolled_until: dt.datetime | None, match: Match, interval: str | None
) -> Payload:
    """One endpoint's or consumer's figures over the period (with its share of the project's
    requests and its requests by status code) and per bucket: requests, errors, p50/p95/p99,
    Apdex and status codes. Without ``interval``, the one
    :func:`~apimetrics.analytics.auto_interval` picks."""
    interval = interval or auto_interval(project, period, rolled_until)
    start, end = local_bounds(project, period)
    everything = collect(project, start, end, rolled_until).get((), Acc())
    acc = collect(project, start, end, rolled_until, codes=True, match=match).get((), Acc())
    threshold = project.apdex_threshold_ms
    series = [
        {
            "bucket": bucket_label(project, bucket),
            **acc_stats(bucket_acc, threshold),
            "codes": {str(code): count for code, count in sorted(bucket_acc.codes.items())},
        }
        for bucket, bucket_acc in bucket_accs(project, period, interval, rolled_until, codes=True, match=match)
    ]
    return {
        **period_meta(project, period, rolled_until),
        **dict(match),
        "interval": interval,
        "timezone": project.timezone,
        "totals": {**acc_stats(acc, threshold), "traffic_share": percent(acc.requests, everything.requests)},
        "codes": _codes(acc),
        "series": series,
    }


def endpoint_detail(
    project: Project,
    period: Period,
    rolled_until: dt.datetime | None,
    method: str,
    endpoint: str,
    interval: str | None = None,
    limit: int = 10,
) -> Payload:
    """One (method, endpoint) of the project (see :func:`_detail`) and its ``limit`` slowest
    consumers by p95, each with its requests and share of the endpoint's (from the rollups of
    each endpoint's consumers)."""
    match = (("method", method), ("endpoint", endpoint))
    label = lambda key: {"consumer": key[2] or None}  # noqa: E731
    slowest = _table(
        project,
        period,
        rolled_until,
        dims="endpoint_consumer",
        label=label,
        order_by="-p95_ms",
        limit=limit,
        match=match,
        name="consumers",
    )
    return {
        **_detail(project, period, rolled_until, match, interval),
        "consumers": slowest["consumers"],
        "total_consumers": slowest["total_consumers"],
    }


def consumer_detail(
    project: Project, period: Period, rolled_until: dt.datetime | None, consumer: str, interval: str | None = None
) -> Payload:
    """One consumer of the project (``""``: the requests sent without one): see :func:`_detail`."""
    return _detail(project, period, rolled_until, (("consumer", consumer),), interval)
