"""Revenue, orders and units per day, week, month or year, and month-over-month growth.

A bucket is **partial** when the range or the data (from its first to its last day with sales)
does not cover every one of its days: the real file's December 2011 holds 9 days of data. Growth
against or of a partial bucket is not a comparison of whole periods: it is null, and
``growth_partial`` says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework.exceptions import ValidationError

from accounts.models import Workspace
from config.money import money
from config.periods import Period, bucket_starts, growth_pct, next_bucket, truncate
from ecommerce.analytics.reductions import (
    EVERY_LINE,
    NO_SALES,
    ZERO,
    Lines,
    Payload,
    Scope,
    by_local_time,
    closed_period,
    data_bounds,
    period_json,
    sales_lines,
)


def _bucket_key(bucket: dt.date, interval: str) -> str:
    if interval == "month":
        return bucket.strftime("%Y-%m")
    if interval == "year":
        return str(bucket.year)
    return bucket.isoformat()


def series_rows(queryset: Lines, workspace: Workspace, period: Period, interval: str) -> list[Payload]:
    """Revenue, orders and units per bucket, gap-free over the (closed) period, with growth %
    and whether the bucket is partial (see the module's docstring)."""
    week_start = workspace.week_start
    by_bucket = by_local_time(
        queryset, workspace.tzinfo, lambda local: truncate(local, interval, week_start=week_start)
    )
    first, last = data_bounds(workspace)
    covered_from = max(day for day in (period.date_from, first) if day is not None)
    covered_to = min(day for day in (period.date_to, last) if day is not None)
    out: list[Payload] = []
    previous: Decimal | None = None
    for bucket in bucket_starts(period.date_from, period.date_to, interval, week_start=week_start):
        row = by_bucket.get(bucket, NO_SALES)
        revenue = row["revenue"] or ZERO
        partial = bucket < covered_from or next_bucket(bucket, interval) - dt.timedelta(days=1) > covered_to
        growth_partial = previous is not None and (partial or out[-1]["partial"])
        out.append(
            {
                "bucket": _bucket_key(bucket, interval),
                "start": bucket.isoformat(),
                "revenue": money(revenue),
                "orders": row["orders"],
                "units": row["units"] or 0,
                "partial": partial,
                "growth_pct": None if growth_partial else growth_pct(revenue, previous),
                "growth_partial": growth_partial,
            }
        )
        previous = revenue
    return out


def revenue_series(workspace: Workspace, period: Period, interval: str = "day", scope: Scope = EVERY_LINE) -> Payload:
    """Revenue, orders and units of the scope's lines per day/week/month/year bucket (weeks start on the workspace's
    ``week_start``), every bucket of the period present (zero-filled), with growth % against the
    previous bucket."""
    closed = closed_period(workspace, period)
    rows = series_rows(sales_lines(workspace, period, scope), workspace, closed, interval) if closed.is_bounded else []
    return {**period_json(closed), "interval": interval, "rows": rows}


SERIES_DAILY_MAX_DAYS = 120


def compare_interval(period: Period) -> str:
    """The dashboard series' bucket for a closed period: day up to 120 days, else the finest of
    week, month and year that keeps the period and the previous one within MAX_BUCKETS (a
    century of weeks would be refused by :func:`bucket_starts`)."""
    if period.days <= SERIES_DAILY_MAX_DAYS:
        return "day"
    previous = period.previous()
    for interval in ("week", "month"):
        try:
            for part in (period, previous):
                bucket_starts(part.date_from, part.date_to, interval)  # 400 beyond MAX_BUCKETS
        except ValidationError:
            continue
        return interval
    return "year"


def revenue_series_compare(
    workspace: Workspace, period: Period, compare: str = "previous", scope: Scope = EVERY_LINE
) -> Payload:
    """The dashboard's series of the scope's lines (bucketed by :func:`compare_interval`), with the comparison period
    (``compare``: the previous period of equal length, the same dates a year earlier, or
    ``none``) bucketed the same way (drawn on the same positions for comparison)."""
    closed = closed_period(workspace, period)
    if not closed.is_bounded:
        return {**period_json(closed), "interval": "day", "rows": [], "previous": None}
    interval = compare_interval(closed)
    payload: Payload = {
        **period_json(closed),
        "interval": interval,
        "rows": series_rows(sales_lines(workspace, period, scope), workspace, closed, interval),
        "previous": None,
    }
    if compare != "none":
        previous = closed.previous_year() if compare == "year" else closed.previous()
        rows = series_rows(sales_lines(workspace, previous, scope), workspace, previous, interval)
        payload["previous"] = {**period_json(previous), "rows": rows}
    return payload


def revenue_monthly(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Revenue, orders, units per month (zero-filled) with month-over-month growth."""
    return revenue_series(workspace, period, "month", scope)


def revenue_growth(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Month-over-month growth: each month's revenue against the previous month's."""
    series = revenue_series(workspace, period, "month", scope)
    rows, previous = [], None
    for row in series["rows"]:
        rows.append(
            {
                "month": row["bucket"],
                "start": row["start"],
                "revenue": row["revenue"],
                "previous_revenue": previous,
                "change": money(Decimal(row["revenue"]) - Decimal(previous)) if previous is not None else None,
                "partial": row["partial"],
                "growth_pct": row["growth_pct"],
                "growth_partial": row["growth_partial"],
            }
        )
        previous = row["revenue"]
    return {"date_from": series["date_from"], "date_to": series["date_to"], "rows": rows}
