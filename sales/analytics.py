"""Reads and aggregations of the sales app: one function per insight, aggregated in the database.

Each is registered as an insight (:mod:`sales.insights`): the API views, the dashboard, the CSV
exports and the ETL read them through the registry, which caches them by workspace and data
version (every write bumps it).
"""

import datetime as dt
import operator
from collections.abc import Mapping
from decimal import Decimal
from functools import reduce
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, Expression, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import Workspace
from config.errors import NotFound
from config.insights import hours_since
from config.money import Amount, money, ratio
from config.periods import Period, bucket_starts, growth_pct, trunc, zero_fill
from sales.models import SalesRecord, Store

ROAS_PLACES = 4
TOP_USERS_DEFAULT, TOP_USERS_MAX = 3, 100


class Totals(TypedDict):
    total_revenue: str | None
    total_ad_spend: str | None
    roas: float | None
    records: int
    stores: int


class PeriodTotals(Totals):
    date_from: str | None
    date_to: str | None


class Change(TypedDict):
    """Percent change from the comparison period, None without a base."""

    total_revenue: float | None
    total_ad_spend: float | None
    roas: float | None
    records: float | None


class Summary(PeriodTotals):
    previous: PeriodTotals | None
    change: Change | None


class Bucket(TypedDict):
    bucket: str
    revenue: str | None
    ad_spend: str | None
    roas: float | None
    records: int


class Series(TypedDict):
    interval: str
    date_from: str | None
    date_to: str | None
    buckets: list[Bucket]


class TopUser(TypedDict):
    rank: int
    user_id: int
    email: str
    full_name: str
    total_revenue: str | None
    total_ad_spend: str | None
    roas: float | None
    records: int


class StoreTotals(TypedDict):
    store_id: int
    name: str
    city: str
    total_revenue: str | None
    total_ad_spend: str | None
    roas: float | None
    records: int


def records_in(workspace: Workspace, period: Period, store: Store | None = None) -> QuerySet[SalesRecord]:
    """The records of the period, of one store when ``store`` is given."""
    queryset = SalesRecord.objects.filter(workspace=workspace)
    if store is not None:
        queryset = queryset.filter(store=store)
    if period.date_from is not None:
        queryset = queryset.filter(date__gte=period.date_from)
    if period.date_to is not None:
        queryset = queryset.filter(date__lte=period.date_to)
    return queryset


def roas(revenue: Amount | None, ad_spend: Amount | None) -> float | None:
    """Revenue per unit of ad spend; None (not a division by 1) when nothing was spent."""
    return ratio(revenue or 0, ad_spend, ROAS_PLACES)


def _in(period: Period) -> Q:
    condition = Q()
    if period.date_from is not None:
        condition &= Q(date__gte=period.date_from)
    if period.date_to is not None:
        condition &= Q(date__lte=period.date_to)
    return condition


def _totals(
    workspace: Workspace, periods: dict[str, Period], store: Store | None = None
) -> dict[str, tuple[Totals, Period]]:
    """Totals of each named period with the first and last days it has data, in one statement
    (one scan of the union of the ranges, conditional aggregates per period); of one ``store``
    when given (its column is in the covering index, so the scan stays index-only)."""
    records = SalesRecord.objects.filter(workspace=workspace)
    stores = Store.objects.filter(workspace=workspace)
    if store is not None:
        records, stores = records.filter(store=store), stores.filter(pk=store.pk)
    if len(periods) == 1:
        records, conditions = records.filter(_in(*periods.values())), dict.fromkeys(periods)
    else:
        conditions = {name: _in(period) for name, period in periods.items()}
        records = records.filter(reduce(operator.or_, conditions.values()))
    aggregates: dict[str, Expression] = {}
    for name, period in periods.items():
        condition = conditions[name]
        # Stores that sold in the period: one probe of the (store, date) index per store, in a
        # subquery of the same statement. COUNT(DISTINCT store_id) would sort every row instead.
        selling = (
            stores.filter(Exists(records_in(workspace, period).filter(store=OuterRef("pk"))))
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
    return {name: _shape(row, f"{name}__") for name in periods}


def _shape(row: dict[str, Any], prefix: str) -> tuple[Totals, Period]:
    """The totals under ``prefix`` in an aggregate ``row``, and the days they span."""
    revenue, ad_spend = row[f"{prefix}revenue"] or 0, row[f"{prefix}ad_spend"] or 0
    totals = Totals(
        total_revenue=money(revenue),
        total_ad_spend=money(ad_spend),
        roas=roas(revenue, ad_spend),
        records=row[f"{prefix}records"],
        stores=row[f"{prefix}stores"] or 0,
    )
    return totals, Period(row[f"{prefix}first"], row[f"{prefix}last"])


_NOTHING = Totals(total_revenue=money(0), total_ad_spend=money(0), roas=None, records=0, stores=0)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def summary(workspace: Workspace, period: Period, compare: str = "previous", store: Store | None = None) -> Summary:
    """Totals of the period (of one ``store`` when given), and of the period before it
    (``compare="previous"``, equal length) or a year before (``"year"``), with the change in
    percent; only the period's with ``"none"``. Open ends of the period close on the data's first
    and last days.

    One query: a bounded period is summed together with its comparison period; an open one first
    (its bounds come from the data) and, comparing with the previous period, needs no second
    query: that period ends before the first record, so it is empty.
    """

    def base_of(effective: Period) -> Period:
        return effective.previous_year() if compare == "year" else effective.previous()

    previous: Totals | None
    base: Period | None
    if compare == "none":
        current, span = _totals(workspace, {"current": period}, store)["current"]
        effective, previous, base = period.within(span.date_from, span.date_to), None, None
    elif period.is_bounded:
        base = base_of(period)
        totals = _totals(workspace, {"current": period, "previous": base}, store)
        (current, _), (previous, _), effective = totals["current"], totals["previous"], period
    else:
        current, span = _totals(workspace, {"current": period}, store)["current"]
        effective = period.within(span.date_from, span.date_to)
        base = base_of(effective) if effective.is_bounded else None
        if base is None:
            previous = None
        elif compare == "previous" and period.date_from is None:
            previous = _NOTHING
        else:
            previous = _totals(workspace, {"previous": base}, store)["previous"][0]
    result = Summary(
        **current, date_from=_iso(effective.date_from), date_to=_iso(effective.date_to), previous=None, change=None
    )
    if previous is not None and base is not None:
        result["previous"] = PeriodTotals(**previous, date_from=_iso(base.date_from), date_to=_iso(base.date_to))
        result["change"] = _change(current, previous)
    return result


def _change(current: Totals, previous: Totals) -> Change:
    return Change(
        total_revenue=growth_pct(_decimal(current["total_revenue"]), _decimal(previous["total_revenue"])),
        total_ad_spend=growth_pct(_decimal(current["total_ad_spend"]), _decimal(previous["total_ad_spend"])),
        roas=growth_pct(current["roas"], previous["roas"]),
        records=growth_pct(float(current["records"]), float(previous["records"])),
    )


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def series(workspace: Workspace, period: Period, interval: str = "day", store: Store | None = None) -> Series:
    """Revenue, ad spend, ROAS and records per bucket, every bucket of the range present (of one
    store when ``store`` is given)."""
    queryset = records_in(workspace, period, store)
    # Records are already local days: no truncation for days.
    bucket = F("date") if interval == "day" else trunc(interval, "date", week_start=workspace.week_start)
    rows: dict[dt.date, Mapping[str, Any]] = {
        row["bucket"]: row  # days of the workspace already (a DateField, truncated to a DateField)
        for row in queryset.annotate(bucket=bucket)
        .values("bucket")
        .annotate(
            revenue=Sum("revenue"), ad_spend=Sum("ad_spend"), records=Count("*"), first=Min("date"), last=Max("date")
        )
        .order_by()
    }
    # Open ends close on the data's first and last days (same query: per-bucket min and max).
    first = period.date_from or min((row["first"] for row in rows.values()), default=None)
    last = period.date_to or max((row["last"] for row in rows.values()), default=None)
    buckets = bucket_starts(first, last, interval, week_start=workspace.week_start)
    empty: Mapping[str, Any] = {"revenue": 0, "ad_spend": 0, "records": 0}
    return Series(
        interval=interval,
        date_from=_iso(first),
        date_to=_iso(last),
        buckets=[
            Bucket(
                bucket=bucket.isoformat(),
                revenue=money(values["revenue"]),
                ad_spend=money(values["ad_spend"]),
                roas=roas(values["revenue"], values["ad_spend"]),
                records=values["records"],
            )
            for bucket, values in zero_fill(rows, buckets, lambda: empty)
        ],
    )


def top_users(
    workspace: Workspace, period: Period, limit: int = TOP_USERS_DEFAULT, store: Store | None = None
) -> list[TopUser]:
    """Members ranked by the revenue they recorded (in one store when ``store`` is given); ties go
    to the lower user id."""
    rows = (
        records_in(workspace, period, store)
        .exclude(recorded_by=None)
        .values("recorded_by", "recorded_by__email", "recorded_by__full_name")
        .annotate(revenue=Sum("revenue"), ad_spend=Sum("ad_spend"), records=Count("*"))
        .order_by("-revenue", "recorded_by")[:limit]
    )
    return [
        TopUser(
            rank=rank,
            user_id=row["recorded_by"],
            email=row["recorded_by__email"],
            full_name=row["recorded_by__full_name"],
            total_revenue=money(row["revenue"]),
            total_ad_spend=money(row["ad_spend"]),
            roas=roas(row["revenue"], row["ad_spend"]),
            records=row["records"],
        )
        for rank, row in enumerate(rows, start=1)
    ]


def by_store(workspace: Workspace, period: Period) -> list[StoreTotals]:
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
        StoreTotals(
            store_id=store.pk,
            name=store.name,
            city=store.city,
            total_revenue=money(store.revenue or 0),
            total_ad_spend=money(store.ad_spend or 0),
            roas=roas(store.revenue, store.ad_spend),
            records=store.record_count,
        )
        for store in stores
    ]


def health(workspace: Workspace, period: Period) -> dict[str, Any]:
    """How stale the sales are: the end of the latest recorded local day (a record covers its
    whole day) and the hours since, whatever the window (one indexed maximum)."""
    day = SalesRecord.objects.filter(workspace=workspace).aggregate(day=Max("date"))["day"]
    latest = None if day is None else Period(day, day).bounds(ZoneInfo(workspace.timezone))[1]
    return {"latest": latest, "staleness_hours": hours_since(latest)}


def store_detail(workspace: Workspace, period: Period, store_id: int) -> dict[str, Any]:
    """One store: its totals over the period, its daily revenue, ad spend and ROAS, and its top
    sellers; 404 when the workspace has no such store."""
    store = Store.objects.filter(workspace=workspace, pk=store_id).first()
    if store is None:
        raise NotFound("Not found.")
    days = series(workspace, period, "day", store)
    totals = records_in(workspace, period, store).aggregate(
        revenue=Sum("revenue", default=0), ad_spend=Sum("ad_spend", default=0), records=Count("*")
    )
    return {
        "store_id": store.pk,
        "name": store.name,
        "city": store.city,
        "date_from": days["date_from"],
        "date_to": days["date_to"],
        "total_revenue": money(totals["revenue"]),
        "total_ad_spend": money(totals["ad_spend"]),
        "roas": roas(totals["revenue"], totals["ad_spend"]),
        "records": totals["records"],
        "days": days["buckets"],
        "top_sellers": top_users(workspace, period, TOP_USERS_DEFAULT, store),
    }
