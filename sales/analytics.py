"""Reads and aggregations of the sales app: one function per insight, aggregated in the database.

Each is registered as an insight (:mod:`sales.insights`): the API views, the dashboard, the CSV
exports and the ETL read them through the registry, which caches them by workspace and data
version (every write bumps it).
"""

import datetime as dt
import operator
from decimal import Decimal
from functools import reduce

from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import Workspace
from config.money import money, ratio
from config.periods import Period, bucket_starts, growth_pct, trunc, zero_fill
from sales.models import SalesRecord, Store

ROAS_PLACES = 4
TOP_USERS_DEFAULT, TOP_USERS_MAX = 3, 100


def records_in(workspace: Workspace, period: Period) -> QuerySet[SalesRecord]:
    queryset = SalesRecord.objects.filter(workspace=workspace)
    if period.date_from is not None:
        queryset = queryset.filter(date__gte=period.date_from)
    if period.date_to is not None:
        queryset = queryset.filter(date__lte=period.date_to)
    return queryset


def roas(revenue, ad_spend) -> float | None:
    """Revenue per unit of ad spend; None (not a division by 1) when nothing was spent."""
    return ratio(revenue or 0, ad_spend, ROAS_PLACES)


def _in(period: Period) -> Q:
    condition = Q()
    if period.date_from is not None:
        condition &= Q(date__gte=period.date_from)
    if period.date_to is not None:
        condition &= Q(date__lte=period.date_to)
    return condition


def _totals(workspace: Workspace, periods: dict[str, Period]) -> dict[str, dict]:
    """Totals of each named period, in one statement (one scan of the union of the ranges,
    conditional aggregates per period)."""
    records = SalesRecord.objects.filter(workspace=workspace)
    if len(periods) == 1:
        records, conditions = records.filter(_in(*periods.values())), dict.fromkeys(periods)
    else:
        conditions = {name: _in(period) for name, period in periods.items()}
        records = records.filter(reduce(operator.or_, conditions.values()))
    aggregates = {}
    for name, period in periods.items():
        condition = conditions[name]
        # Stores that sold in the period: one probe of the (store, date) index per store, in a
        # subquery of the same statement. COUNT(DISTINCT store_id) would sort every row instead.
        selling = (
            Store.objects.filter(workspace=workspace)
            .filter(Exists(records_in(workspace, period).filter(store=OuterRef("pk"))))
            .order_by()
            .values("workspace")
            .annotate(n=Count("pk"))
            .values("n")
        )
        aggregates.update(
            {
                f"{name}__revenue": Sum("revenue", filter=condition),
                f"{name}__ad_spend": Sum("ad_spend", filter=condition),
                f"{name}__records": Count("date", filter=condition),  # date is NOT NULL and indexed
                f"{name}__first": Min("date", filter=condition),
                f"{name}__last": Max("date", filter=condition),
                f"{name}__stores": Max(Subquery(selling, output_field=IntegerField())),
            }
        )
    row = records.aggregate(**aggregates)
    return {name: _shape(**{key: row[f"{name}__{key}"] for key in _TOTAL_KEYS}) for name in periods}


_TOTAL_KEYS = ("revenue", "ad_spend", "records", "first", "last", "stores")


def _shape(*, revenue, ad_spend, records, first, last, stores) -> dict:
    revenue, ad_spend = revenue or 0, ad_spend or 0
    return {
        "total_revenue": money(revenue),
        "total_ad_spend": money(ad_spend),
        "roas": roas(revenue, ad_spend),
        "records": records,
        "stores": stores or 0,
        "_first": first,
        "_last": last,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def summary(workspace: Workspace, period: Period, compare: str = "previous") -> dict:
    """Totals of the period, and of the period before it (``compare="previous"``, equal length) or
    a year before (``"year"``), with the change in percent. Open ends of the period close on the
    data's first and last days.

    One query: a bounded period is summed together with its comparison period; an open one first
    (its bounds come from the data) and, comparing with the previous period, needs no second
    query: that period ends before the first record, so it is empty.
    """

    def base_of(effective: Period) -> Period:
        return effective.previous_year() if compare == "year" else effective.previous()

    if period.is_bounded:
        base = base_of(period)
        totals = _totals(workspace, {"current": period, "previous": base})
        current, previous, effective = totals["current"], totals["previous"], period
    else:
        current = _totals(workspace, {"current": period})["current"]
        effective = period.within(current["_first"], current["_last"])
        base = base_of(effective) if effective.is_bounded else None
        if base is None:
            previous = None
        elif compare == "previous" and period.date_from is None:
            previous = _shape(revenue=0, ad_spend=0, records=0, first=None, last=None, stores=0)
        else:
            previous = _totals(workspace, {"previous": base})["previous"]
    for totals in (current, previous):
        if totals is not None:
            del totals["_first"], totals["_last"]
    result = {**current, "date_from": _iso(effective.date_from), "date_to": _iso(effective.date_to)}
    result["previous"] = result["change"] = None
    if previous is not None:
        result["previous"] = {**previous, "date_from": _iso(base.date_from), "date_to": _iso(base.date_to)}
        result["change"] = {
            name: growth_pct(_number(current[name]), _number(previous[name]))
            for name in ("total_revenue", "total_ad_spend", "roas", "records")
        }
    return result


def _number(value):
    return Decimal(value) if isinstance(value, str) else value


def series(workspace: Workspace, period: Period, interval: str = "day") -> dict:
    """Revenue, ad spend, ROAS and records per bucket, every bucket of the range present."""
    queryset = records_in(workspace, period)
    if interval == "day":
        # Records are already local days: no truncation needed.
        grouped, key = queryset.values("date"), "date"
    else:
        bucket = trunc(interval, "date", week_start=workspace.week_start)
        grouped, key = queryset.annotate(bucket=bucket).values("bucket"), "bucket"
    rows = {
        row[key]: row  # days of the workspace already (a DateField, truncated to a DateField)
        for row in grouped.annotate(
            revenue=Sum("revenue"), ad_spend=Sum("ad_spend"), records=Count("*"), first=Min("date"), last=Max("date")
        ).order_by()
    }
    # Open ends close on the data's first and last days (same query: per-bucket min and max).
    first = period.date_from or min((row["first"] for row in rows.values()), default=None)
    last = period.date_to or max((row["last"] for row in rows.values()), default=None)
    buckets = bucket_starts(first, last, interval, week_start=workspace.week_start)
    empty = {"revenue": 0, "ad_spend": 0, "records": 0}
    return {
        "interval": interval,
        "date_from": _iso(first),
        "date_to": _iso(last),
        "buckets": [
            {
                "bucket": bucket.isoformat(),
                "revenue": money(values["revenue"]),
                "ad_spend": money(values["ad_spend"]),
                "roas": roas(values["revenue"], values["ad_spend"]),
                "records": values["records"],
            }
            for bucket, values in zero_fill(rows, buckets, lambda: empty)
        ],
    }


def top_users(workspace: Workspace, period: Period, limit: int = TOP_USERS_DEFAULT) -> list[dict]:
    """Members ranked by the revenue they recorded; ties go to the lower user id."""
    rows = (
        records_in(workspace, period)
        .exclude(recorded_by=None)
        .values("recorded_by", "recorded_by__email", "recorded_by__full_name")
        .annotate(revenue=Sum("revenue"), ad_spend=Sum("ad_spend"), records=Count("*"))
        .order_by("-revenue", "recorded_by")[:limit]
    )
    return [
        {
            "rank": rank,
            "user_id": row["recorded_by"],
            "email": row["recorded_by__email"],
            "full_name": row["recorded_by__full_name"],
            "total_revenue": money(row["revenue"]),
            "total_ad_spend": money(row["ad_spend"]),
            "roas": roas(row["revenue"], row["ad_spend"]),
            "records": row["records"],
        }
        for rank, row in enumerate(rows, start=1)
    ]


def by_store(workspace: Workspace, period: Period) -> list[dict]:
    """Every store of the workspace with its totals over the period (zero when it sold nothing)."""
    in_period = Q()
    if period.date_from is not None:
        in_period &= Q(records__date__gte=period.date_from)
    if period.date_to is not None:
        in_period &= Q(records__date__lte=period.date_to)
    stores = (
        Store.objects.filter(workspace=workspace)
        .annotate(
            revenue=Sum("records__revenue", filter=in_period),
            ad_spend=Sum("records__ad_spend", filter=in_period),
            record_count=Count("records", filter=in_period),
        )
        .order_by(F("revenue").desc(nulls_last=True), "name", "pk")
    )
    return [
        {
            "store_id": store.pk,
            "name": store.name,
            "city": store.city,
            "total_revenue": money(store.revenue or 0),
            "total_ad_spend": money(store.ad_spend or 0),
            "roas": roas(store.revenue, store.ad_spend),
            "records": store.record_count,
        }
        for store in stores
    ]
