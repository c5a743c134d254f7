"""E-commerce analytics: one function per insight, shared by the API, the HTML pages, CSV and the
cache-warming task.

Every function takes the workspace and a :class:`config.periods.Period` (inclusive local dates in
the workspace time zone; open ends mean the whole history) and returns a JSON-ready payload:
money as 2-place decimal strings (``config.money.money``), dates as ISO strings. Aggregation runs
in the database; Python only buckets, and pandas only reshapes or models, data the database
already reduced (sums per invoice for the KPIs, the countries and the local-time buckets; RFM
quantiles, cohorts, CLV and forecast fitting). :func:`insight` wraps each function in the
workspace cache, and the insights of one page, request or task read each reduction once
(:func:`shared_reads`).

Definitions (DESIGN §4): revenue = Σ amount of sales lines; returns value = Σ amount of return
lines; net revenue = revenue − returns value; orders = distinct invoices among sales lines;
customers = distinct non-empty customer ids; products = distinct product stock codes; units =
Σ quantity; average order value = revenue / orders; return rate = returns value / revenue.
"""

from __future__ import annotations

import calendar
import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import structlog
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from rest_framework.exceptions import ValidationError

from accounts.models import Workspace
from config.cache import Cached, cached
from config.money import money, ratio
from config.periods import Period, bucket_starts, growth_pct, truncate
from ecommerce import models as m
from ecommerce.fits import stored_fit

log = structlog.get_logger("pulse.ecommerce")

CACHE_NAMESPACE = "ecommerce"
ZERO = Decimal(0)

# The file says EIRE; people say Ireland. Labels show the latter, lookups accept both.
COUNTRY_LABELS = {"EIRE": "Ireland", "RSA": "South Africa", "USA": "United States"}
COUNTRY_ALIASES = {label.lower(): code for code, label in COUNTRY_LABELS.items()}

METRICS = (
    "revenue",
    "net_revenue",
    "orders",
    "customers",
    "products",
    "units",
    "average_order_value",
    "returns_value",
    "return_rate",
)
MONEY_METRICS = {"revenue", "net_revenue", "average_order_value", "returns_value"}


def country_label(country: str) -> str:
    return COUNTRY_LABELS.get(country, country)


def country_code(name: str) -> str:
    """The country as stored in the data for a name a person typed (``Ireland`` -> ``EIRE``)."""
    return COUNTRY_ALIASES.get(name.strip().lower(), name.strip())


# --- Building blocks -----------------------------------------------------------------------


def sales_lines(workspace: Workspace, period: Period) -> QuerySet:
    """Sales lines of the workspace inside the period (local dates in the workspace time zone)."""
    return _in_period(m.SalesLine.objects.filter(workspace=workspace), workspace, period)


def return_lines(workspace: Workspace, period: Period) -> QuerySet:
    return _in_period(m.ReturnLine.objects.filter(workspace=workspace), workspace, period)


def _in_period(queryset: QuerySet, workspace: Workspace, period: Period) -> QuerySet:
    start, end = period.bounds(workspace.tzinfo)
    if start is not None:
        queryset = queryset.filter(invoice_date__gte=start)
    if end is not None:
        queryset = queryset.filter(invoice_date__lt=end)
    return queryset


def _period_q(workspace: Workspace, period: Period) -> Q:
    start, end = period.bounds(workspace.tzinfo)
    q = Q()
    if start is not None:
        q &= Q(invoice_date__gte=start)
    if end is not None:
        q &= Q(invoice_date__lt=end)
    return q


def data_bounds(workspace: Workspace) -> tuple[dt.date | None, dt.date | None]:
    """First and last local dates with sales lines (None, None without data)."""
    bounds = m.SalesLine.objects.filter(workspace=workspace).aggregate(
        first=Min("invoice_date"), last=Max("invoice_date")
    )
    tz = workspace.tzinfo
    first, last = bounds["first"], bounds["last"]
    return (first.astimezone(tz).date() if first else None, last.astimezone(tz).date() if last else None)


def closed_period(workspace: Workspace, period: Period) -> Period:
    """The period with open ends closed by the data's own first and last days (one query, none
    when the period is already bounded).

    The closed period names the payload's dates and buckets; queries filter by the period as
    asked. The closed bounds select the same lines, but as predicates they are not free: the
    planner cannot tell that they cover every line (least of all right after an import, before
    the table is analysed) and walks the date index instead of scanning the workspace's lines.
    """
    if period.is_bounded:
        return period
    first, last = data_bounds(workspace)
    return period.within(first, last)


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def _period_json(period: Period) -> dict:
    return {"date_from": _iso(period.date_from), "date_to": _iso(period.date_to)}


_shared_reads: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ecommerce_shared_reads", default=None)


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block, the insights over the same lines read each of the database's reductions
    once (:func:`_read`): the sums per invoice of a page's KPIs, series, countries, heat map and
    monthly growth of one period; the customers' RFM of its segments and lifetime value, and their
    spend per day of its lifetime value and cohorts; or the warming task's insights. Every
    :func:`insight` runs in one; a block inside another joins it. It lasts one page, one request
    or one task, so what it keeps cannot outlive the data."""
    if _shared_reads.get() is not None:
        yield
        return
    token = _shared_reads.set({})
    try:
        yield
    finally:
        _shared_reads.reset(token)


def _read(rows: QuerySet) -> list:
    """The rows of the reduction ``rows``, read once per :func:`shared_reads` block (by its SQL
    and parameters), else afresh."""
    memo = _shared_reads.get()
    if memo is None:
        return list(rows)
    sql, params = rows.query.sql_with_params()
    key = (sql, tuple(params))
    if key not in memo:
        memo[key] = list(rows)
    return memo[key]


def _per_invoice(queryset: QuerySet) -> list[tuple]:
    """Rows (``invoice_date``, ``invoice_no``, ``country``, ``customer_id``, ``revenue``,
    ``units``) of the sales lines of ``queryset``, summed per (timestamp, invoice, country,
    customer) by the database: tens of thousands of rows for the half-million lines of the real
    file, from which Python counts distinct invoices and customers exactly (:func:`_sums_by`)."""
    return _read(
        queryset.values("invoice_date", "invoice_no", "country", "customer_id")
        .annotate(revenue=Sum("amount"), units=Sum("quantity"))
        .values_list("invoice_date", "invoice_no", "country", "customer_id", "revenue", "units", named=True)
        .order_by()
    )


def _sums_by(queryset: QuerySet, key: Callable[[tuple], Any]) -> dict[Any, dict]:
    """Revenue, units, orders (distinct invoices) and customers (distinct non-empty ids) of the
    sales lines of ``queryset`` per ``key(row)`` of their sums per invoice (:func:`_per_invoice`)."""
    found: dict[Any, dict] = {}
    for row in _per_invoice(queryset):
        sums = found.get(bucket := key(row))
        if sums is None:
            sums = found[bucket] = {"revenue": ZERO, "units": 0, "invoices": set(), "customers": set()}
        sums["revenue"] += row.revenue
        sums["units"] += row.units
        sums["invoices"].add(row.invoice_no)
        if row.customer_id:
            sums["customers"].add(row.customer_id)
    return {
        bucket: {
            "revenue": sums["revenue"],
            "units": sums["units"],
            "orders": len(sums["invoices"]),
            "customers": len(sums["customers"]),
        }
        for bucket, sums in found.items()
    }


def _distinct(queryset: QuerySet, field: str) -> int:
    return queryset.order_by().values(field).distinct().count()


def _sales_totals(lines: QuerySet) -> tuple:
    """(revenue, orders, customers, products, units) of the sales lines ``lines``.

    Two queries: the sums per invoice (:func:`_per_invoice`, shared with the other insights of a
    :func:`shared_reads` block), all in one bucket (:func:`_sums_by`); and the distinct products
    as ``SELECT COUNT(*) FROM (SELECT DISTINCT …)``, which PostgreSQL hashes (``COUNT(DISTINCT
    …)`` sorts every line).
    """
    sums = _sums_by(lines, lambda row: None).get(None) or {"revenue": ZERO, "units": 0, "orders": 0, "customers": 0}
    products = _distinct(lines.filter(is_product=True), "stock_code")
    return sums["revenue"], sums["orders"], sums["customers"], products, sums["units"]


def _kpi_payload(revenue, orders, customers, products, units, returns_value) -> dict:
    revenue, returns_value = revenue or ZERO, returns_value or ZERO
    return {
        "revenue": money(revenue),
        "net_revenue": money(revenue - returns_value),
        "orders": orders,
        "customers": customers,
        "products": products,
        "units": units,
        "average_order_value": money(revenue / orders) if orders else None,
        "returns_value": money(returns_value),
        "return_rate": ratio(returns_value, revenue),
    }


def _totals(workspace: Workspace, periods: dict[str, Period], extra: Q | None = None) -> dict[str, dict]:
    """KPIs of several periods: the sales-line totals of each period (:func:`_sales_totals`) and
    one query over the returns of them all, each period's sum restricted by a FILTER clause (an
    open period by none)."""
    scope = Q(workspace=workspace) & (extra or Q())
    within = {key: _period_q(workspace, period) for key, period in periods.items()}
    union = Q()
    if all(within.values()):
        for q in within.values():
            union |= q
    returns = m.ReturnLine.objects.filter(scope & union).aggregate(
        **{key: Sum("amount", filter=q or None, default=ZERO) for key, q in within.items()}
    )
    return {
        key: _kpi_payload(*_sales_totals(sales_lines(workspace, periods[key]).filter(extra or Q())), returns[key])
        for key in within
    }


def _delta(name: str, current, previous) -> dict:
    if current is None or previous is None:
        return {"change": None, "pct": None}
    if name in MONEY_METRICS:
        current, previous = Decimal(current), Decimal(previous)
        return {"change": money(current - previous), "pct": growth_pct(current, previous)}
    if name == "return_rate":
        return {"change": round(current - previous, 4), "pct": growth_pct(current, previous)}
    return {"change": current - previous, "pct": growth_pct(current, previous)}


# --- KPIs ------------------------------------------------------------------------------------


def kpis(workspace: Workspace, period: Period, compare: str = "previous") -> dict:
    """The KPIs of the period and, with ``compare`` = ``previous`` (the period of equal length just
    before) or ``year`` (the same dates a year earlier), the same for the comparison period with
    deltas (absolute change and percent change, None without a base).

    Queries: data bounds (only when the period is open), two over the sales lines per period
    (:func:`_sales_totals`), one over the returns.
    """
    current = closed_period(workspace, period)
    periods = {"current": current}
    previous = None
    if compare != "none" and current.is_bounded:
        previous = current.previous() if compare == "previous" else current.previous_year()
        periods["previous"] = previous
    if not current.is_bounded:  # no data at all
        totals = {"current": _kpi_payload(ZERO, 0, 0, 0, 0, ZERO)}
    else:  # the current period filtered as asked: see closed_period
        totals = _totals(workspace, {**periods, "current": period})
    payload = {**_period_json(current), **totals["current"], "compare": compare}
    if previous is not None:
        payload["previous"] = {**_period_json(previous), **totals["previous"]}
        payload["deltas"] = {name: _delta(name, totals["current"][name], totals["previous"][name]) for name in METRICS}
    else:
        payload["previous"] = None
        payload["deltas"] = None
    return payload


# --- Series ------------------------------------------------------------------------------------


def _bucket_key(bucket, interval: str) -> str:
    if interval == "month":
        return bucket.strftime("%Y-%m")
    if interval == "year":
        return str(bucket.year)
    return bucket.isoformat()


def _by_local_time(queryset: QuerySet, tz, key: Callable[[dt.datetime], Any]) -> dict[Any, dict]:
    """Revenue, orders and units of the sales lines of ``queryset`` per ``key(local time)``.

    The database sums the lines per (timestamp, invoice) (:func:`_per_invoice`): tens of
    thousands of rows for the half-million lines of the real file. Python then buckets those by
    their time in ``tz`` (:func:`_sums_by`). On the real file that is 1.2 to 4 times faster
    (hour × weekday the most) than grouping every line by a time-zone expression with
    COUNT(DISTINCT), which sorts; orders stay exact (distinct invoices per bucket), and SQLite
    runs the same code.
    """
    return _sums_by(queryset, lambda row: key(row.invoice_date.astimezone(tz)))


def _series_rows(queryset: QuerySet, workspace: Workspace, period: Period, interval: str) -> list[dict]:
    """Revenue, orders and units per bucket, gap-free over the (closed) period, with growth %."""
    week_start = workspace.week_start
    by_bucket = _by_local_time(
        queryset, workspace.tzinfo, lambda local: truncate(local, interval, week_start=week_start)
    )
    out, previous = [], None
    for bucket in bucket_starts(period.date_from, period.date_to, interval, week_start=week_start):
        row = by_bucket.get(bucket) or {"revenue": ZERO, "orders": 0, "units": 0}
        revenue = row["revenue"] or ZERO
        out.append(
            {
                "bucket": _bucket_key(bucket, interval),
                "start": bucket.isoformat(),
                "revenue": money(revenue),
                "orders": row["orders"],
                "units": row["units"] or 0,
                "growth_pct": growth_pct(revenue, previous),
            }
        )
        previous = revenue
    return out


def revenue_series(workspace: Workspace, period: Period, interval: str = "day") -> dict:
    """Revenue, orders and units per day/week/month/year bucket (weeks start on the workspace's
    ``week_start``), every bucket of the period present (zero-filled), with growth % against the
    previous bucket."""
    closed = closed_period(workspace, period)
    rows = _series_rows(sales_lines(workspace, period), workspace, closed, interval) if closed.is_bounded else []
    return {**_period_json(closed), "interval": interval, "rows": rows}


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


def revenue_series_compare(workspace: Workspace, period: Period) -> dict:
    """The dashboard's series (bucketed by :func:`compare_interval`), with the previous period of
    equal length bucketed the same way (drawn on the same positions for comparison)."""
    closed = closed_period(workspace, period)
    if not closed.is_bounded:
        return {**_period_json(closed), "interval": "day", "rows": [], "previous": None}
    interval = compare_interval(closed)
    previous = closed.previous()
    return {
        **_period_json(closed),
        "interval": interval,
        "rows": _series_rows(sales_lines(workspace, period), workspace, closed, interval),
        "previous": {
            **_period_json(previous),
            "rows": _series_rows(sales_lines(workspace, previous), workspace, previous, interval),
        },
    }


# --- Countries ---------------------------------------------------------------------------------


def countries(workspace: Workspace, period: Period, order_by: str = "revenue", limit: int = 10) -> dict:
    """Top countries by revenue or units, with orders, customers, AOV and share of revenue.

    The sums per invoice are added up per country in Python (:func:`_sums_by`), which counts
    distinct invoices and customers: alone no slower on the real file than grouping every line
    with two COUNT(DISTINCT), which sort, and nothing more to read beside the page's KPIs and
    series. The share needs the total, and the ranking and limit are applied to that small
    result (a few dozen countries at most).
    """
    by_country = _sums_by(sales_lines(workspace, period), lambda row: row.country)
    rows = [{"country": country, **sums} for country, sums in by_country.items()]
    total = sum((row["revenue"] for row in rows), ZERO)
    rows.sort(key=lambda row: (-row[order_by], row["country"]))
    return {
        **_period_json(period),
        "order_by": order_by,
        "total_revenue": money(total),
        "countries_total": len(rows),
        "rows": [
            {
                "country": row["country"],
                "label": country_label(row["country"]),
                "revenue": money(row["revenue"]),
                "units": row["units"],
                "orders": row["orders"],
                "customers": row["customers"],
                "average_order_value": money(row["revenue"] / row["orders"]) if row["orders"] else None,
                "revenue_share": ratio(row["revenue"], total),
            }
            for row in rows[:limit]
        ],
    }


def country_spellings(name: str) -> list[str]:
    """The stored spellings a country a person typed may have (``ireland`` -> ``EIRE``; any case
    of ``united kingdom`` -> ``United Kingdom``), to be matched exactly: the country index
    answers ``country IN (…)``, while a case-insensitive match reads every line of the
    workspace."""
    code = country_code(name)
    return sorted({code, code.upper(), code.lower(), code.title(), code.capitalize()})


def resolve_country(workspace: Workspace, name: str) -> str:
    """The stored country for ``name`` (see :func:`country_spellings`; ``Ireland`` finds
    ``EIRE``); 404 when the workspace has no sales line for it."""
    code = country_code(name)
    if "\x00" in code or len(code) > m.LineBase._meta.get_field("country").max_length:
        # No stored country holds a NUL (PostgreSQL refuses one in a query) or is that long.
        raise Http404(f"No sales for country {name!r}.")
    # Any one line, in no order: ordered by id (``first()``'s) the primary key would be walked
    # through the lines of every other country, and ordered by country PostgreSQL reads the
    # spellings as a filter of the whole country index instead of looking each one up.
    lines = m.SalesLine.objects.filter(workspace=workspace, country__in=country_spellings(name))
    found = next(iter(lines.values_list("country", flat=True)[:1]), None)
    if found is None:
        raise Http404(f"No sales for country {name!r}.")
    return found


def country_detail(workspace: Workspace, period: Period, name: str, limit: int = 10) -> dict:
    """One country: KPIs over the period, its monthly series and its top products."""
    country = resolve_country(workspace, name)
    closed = closed_period(workspace, period)
    in_country = Q(country=country)
    if closed.is_bounded:
        totals = _totals(workspace, {"current": period}, extra=in_country)["current"]
        series = _series_rows(sales_lines(workspace, period).filter(in_country), workspace, closed, "month")
    else:
        totals, series = _kpi_payload(ZERO, 0, 0, 0, 0, ZERO), []
    products = _top_products(sales_lines(workspace, period).filter(in_country), "revenue", limit)
    return {
        **_period_json(closed),
        "country": country,
        "label": country_label(country),
        "kpis": totals,
        "monthly": series,
        "top_products": products,
    }


# --- Customers ---------------------------------------------------------------------------------


def top_customers(workspace: Workspace, period: Period, limit: int = 10) -> dict:
    """Customers ranked by what they spent: orders, average order value, first and last purchase
    (local times in the workspace time zone). Lines without a customer id are left out."""
    tz = workspace.tzinfo
    rows = (
        sales_lines(workspace, period)
        .exclude(customer_id="")
        .values("customer_id")
        .annotate(
            total_spent=Sum("amount"),
            orders=Count("invoice_no", distinct=True),
            first_purchase=Min("invoice_date"),
            last_purchase=Max("invoice_date"),
            country=Max("country"),
        )
        .order_by("-total_spent", "customer_id")[:limit]
    )
    return {
        **_period_json(period),
        "rows": [
            {
                "customer_id": row["customer_id"],
                "country": country_label(row["country"]),
                "total_spent": money(row["total_spent"]),
                "orders": row["orders"],
                "avg_order_value": money(row["total_spent"] / row["orders"]),
                "first_purchase": row["first_purchase"].astimezone(tz).isoformat(),
                "last_purchase": row["last_purchase"].astimezone(tz).isoformat(),
            }
            for row in rows
        ],
    }


SEGMENTS = ("Champions", "Loyal", "Potential", "New", "At risk", "Can't lose", "Hibernating", "Lost")
SEGMENT_RULES = (
    "Scores 1-5: R from recency (more recent = higher), F from the number of orders, M from the money "
    "spent; score = ceil(5 × percentile rank), ties share their average rank. FM = round((F + M) / 2). "
    "First matching rule: Champions R≥4 and FM≥4; Loyal R≥3 and FM≥3; New R=5 and FM=1; Potential R≥3; "
    "Can't lose R≤2 and FM=5; At risk R≤2 and FM≥3; Hibernating R=2; Lost R=1."
)


def segment_for(r: int, fm: int) -> str:
    """The named segment of an (R, FM) score pair; see SEGMENT_RULES (every pair has one)."""
    if r >= 4 and fm >= 4:
        return "Champions"
    if r >= 3 and fm >= 3:
        return "Loyal"
    if r == 5 and fm == 1:
        return "New"
    if r >= 3:
        return "Potential"
    if fm == 5:
        return "Can't lose"
    if fm >= 3:
        return "At risk"
    return "Hibernating" if r == 2 else "Lost"


def _quintile_scores(values, *, higher_is_better: bool = True):
    """ceil(5 × percentile rank) in 1..5; ties share their average rank."""
    import numpy as np

    ranks = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.clip(np.ceil(ranks * 5), 1, 5).astype(int)


def rfm_frame(workspace: Workspace, period: Period):
    """Per customer (one grouped query): last purchase, orders, money, with R/F/M scores and the
    segment. The reference day is the day after the period's last day."""
    import pandas as pd

    closed = closed_period(workspace, period)
    rows = (
        sales_lines(workspace, period)
        .exclude(customer_id="")
        .values("customer_id")
        # The local day of the last purchase, converted by the database: one date per customer
        # instead of an aware datetime to load and convert in Python.
        .annotate(last_day=TruncDate(Max("invoice_date"), tzinfo=workspace.tzinfo))
        .annotate(frequency=Count("invoice_no", distinct=True), monetary=Sum("amount"))
        .values_list("customer_id", "last_day", "frequency", "monetary")
        .order_by()
    )
    frame = pd.DataFrame(_read(rows), columns=["customer_id", "last_day", "frequency", "monetary"])
    if frame.empty:
        return frame.assign(recency=[], r=[], f=[], m=[], fm=[], segment=[]), closed
    reference = closed.date_to + dt.timedelta(days=1)
    frame["recency"] = [(reference - day).days for day in frame["last_day"]]
    frame["monetary_f"] = frame["monetary"].astype(float)
    frame["r"] = _quintile_scores(-frame["recency"])
    frame["f"] = _quintile_scores(frame["frequency"])
    frame["m"] = _quintile_scores(frame["monetary_f"])
    # Half up: (F + M) / 2 is a whole or a half number.
    frame["fm"] = ((frame["f"] + frame["m"] + 1) // 2).astype(int)
    frame["segment"] = [segment_for(r, fm) for r, fm in zip(frame["r"], frame["fm"], strict=True)]
    return frame, closed


def customer_segments(workspace: Workspace, period: Period) -> dict:
    """RFM segments with customer counts, revenue and revenue share (every segment listed)."""
    frame, closed = rfm_frame(workspace, period)
    total_customers = len(frame)
    total_revenue = sum(frame["monetary"], ZERO) if total_customers else ZERO
    rows = []
    for name in SEGMENTS:
        part = frame[frame["segment"] == name] if total_customers else frame
        revenue = sum(part["monetary"], ZERO)
        count = len(part)
        rows.append(
            {
                "segment": name,
                "customers": count,
                "customers_share": ratio(count, total_customers),
                "revenue": money(revenue),
                "revenue_share": ratio(revenue, total_revenue),
                "avg_recency_days": round(float(part["recency"].mean()), 1) if count else None,
                "avg_orders": round(float(part["frequency"].mean()), 2) if count else None,
                "avg_spent": money(revenue / count) if count else None,
            }
        )
    return {
        **_period_json(closed),
        "reference_date": _iso(closed.date_to + dt.timedelta(days=1)) if closed.date_to else None,
        "customers": total_customers,
        "revenue": money(total_revenue),
        "mapping": SEGMENT_RULES,
        "rows": rows,
    }


def _spend_per_customer_day(workspace: Workspace, period: Period) -> list[tuple]:
    """(customer, local day, spend) of the lines with a customer: one grouped query, read once per
    :func:`shared_reads` block (the lifetime value and the cohorts of a page)."""
    return _read(
        sales_lines(workspace, period)
        .exclude(customer_id="")
        .annotate(day=TruncDate("invoice_date", tzinfo=workspace.tzinfo))
        .values("customer_id", "day")
        .annotate(spend=Sum("amount"))
        .values_list("customer_id", "day", "spend")
        .order_by()
    )


def customer_days(workspace: Workspace, period: Period):
    """Spend per customer and local day as a DataFrame."""
    import pandas as pd

    frame = pd.DataFrame(_spend_per_customer_day(workspace, period), columns=["customer_id", "day", "spend"])
    frame["spend"] = frame["spend"].astype(float)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def clv_models(workspace: Workspace, days, last_day: dt.date) -> Cached:
    """The CLV models' parameters for the spend per customer and day ``days`` (see
    :func:`ecommerce.clv.fit`): the stored ones when exactly these data were fitted before (the
    warming task fits them after every import), else fitted now and stored."""
    from ecommerce import clv

    return stored_fit(
        workspace.id,
        "clv_models",
        clv.inputs_digest(days, last_day),
        lambda: _logged_fit("clv", workspace, lambda: clv.fit(days, last_day)),
    )


def lifetime_value(workspace: Workspace, period: Period) -> dict:
    """Historical CLV by RFM segment and the predicted 12-month CLV (BG/NBD + Gamma-Gamma, see
    :mod:`ecommerce.clv`) with its calibration/holdout error.

    Both reductions (per customer, per customer and day) are read every time; the models are
    fitted only when no fit of these very data is stored (:func:`clv_models`).
    """
    from ecommerce import clv

    frame, closed = rfm_frame(workspace, period)
    historical = []
    for name in SEGMENTS:
        part = frame[frame["segment"] == name] if len(frame) else frame
        count = len(part)
        revenue = sum(part["monetary"], ZERO)
        orders = int(part["frequency"].sum()) if count else 0
        historical.append(
            {
                "segment": name,
                "customers": count,
                "revenue": money(revenue),
                "avg_clv": money(revenue / count) if count else None,
                "avg_orders": round(orders / count, 2) if count else None,
                "avg_order_value": money(revenue / orders) if orders else None,
            }
        )
    predicted = None
    if closed.is_bounded and len(frame):
        days = customer_days(workspace, period)
        predicted = clv.predict(
            days,
            closed.date_to,
            segments=dict(zip(frame["customer_id"], frame["segment"], strict=True)),
            models=clv_models(workspace, days, closed.date_to).value,
        )
    return {
        **_period_json(closed),
        "customers": len(frame),
        "historical": historical,
        "predicted": predicted,
    }


def cohorts(workspace: Workspace, period: Period) -> dict:
    """Monthly acquisition cohorts (month of a customer's first purchase within the period) ×
    months since: active customers, retention % of the cohort, and revenue.

    The database reduces the lines to spend per customer and local day (the reduction the
    lifetime value reads too, :func:`_spend_per_customer_day`); Python adds those up per customer
    and month, then one pass over the (customer, month) rows finds each customer's cohort and adds
    them up, every such row being one active customer of its cell.
    """
    # Months as integers (year × 12 + month − 1), so that an age is a subtraction.
    per_month: dict[tuple[str, int], Decimal] = {}
    for customer, day, spend in _spend_per_customer_day(workspace, period):
        key = (customer, day.year * 12 + day.month - 1)
        per_month[key] = per_month.get(key, ZERO) + spend
    months = [(customer, index, revenue) for (customer, index), revenue in per_month.items()]
    if not months:
        return {**_period_json(period), "max_age": 0, "cohorts": [], "rows": []}
    first: dict[str, int] = {}
    for customer, index, _ in months:
        if index < first.get(customer, index + 1):
            first[customer] = index
    active: dict[tuple[int, int], int] = {}
    spent: dict[tuple[int, int], Decimal] = {}
    for customer, index, revenue in months:
        cell = (first[customer], index - first[customer])
        active[cell] = active.get(cell, 0) + 1
        spent[cell] = spent.get(cell, ZERO) + revenue
    max_age = max(age for _, age in active)
    last_index = max(index for _, index, _ in months)
    out_cohorts, out_rows = [], []
    for start in sorted(set(first.values())):
        label = f"{start // 12:04d}-{start % 12 + 1:02d}"
        size = active.get((start, 0), 0)
        cells = []
        for age in range(last_index - start + 1):
            count = active.get((start, age), 0)
            cell = {
                "cohort": label,
                "months_since": age,
                "customers": count,
                "retention_pct": round(count / size * 100, 2) if size else None,
                "revenue": money(spent.get((start, age), ZERO)),
            }
            cells.append(cell)
            out_rows.append(cell)
        out_cohorts.append(
            {
                "cohort": label,
                "customers": size,
                "retention_pct": [cell["retention_pct"] for cell in cells],
                "revenue": [cell["revenue"] for cell in cells],
            }
        )
    return {**_period_json(period), "max_age": max_age, "cohorts": out_cohorts, "rows": out_rows}


# --- Products ----------------------------------------------------------------------------------


def _top_products(queryset: QuerySet, order_by: str, limit: int) -> list[dict]:
    """The top products by revenue or units, with their description and orders.

    Two queries: the ranking by sums over every product, then the description and the distinct
    orders of the top ones only (4 times faster on the real file than computing those for every
    product, whose COUNT(DISTINCT) sorts every line).
    """
    products = queryset.filter(is_product=True)
    rows = list(
        products.values("stock_code")
        .annotate(revenue=Sum("amount"), units=Sum("quantity"))
        .order_by(f"-{order_by}", "stock_code")[:limit]
    )
    details = {
        row["stock_code"]: row
        for row in products.filter(stock_code__in=[row["stock_code"] for row in rows])
        .values("stock_code")
        .annotate(description=Max("description"), orders=Count("invoice_no", distinct=True))
        .order_by()
    }
    return [
        {
            "stock_code": row["stock_code"],
            "description": details[row["stock_code"]]["description"],
            "revenue": money(row["revenue"]),
            "units": row["units"],
            "orders": details[row["stock_code"]]["orders"],
            "average_price": money(row["revenue"] / row["units"]) if row["units"] else None,
        }
        for row in rows
    ]


def top_products(workspace: Workspace, period: Period, order_by: str = "revenue", limit: int = 10) -> dict:
    """Products (non-product codes such as postage, fees and vouchers excluded) by revenue or units."""
    return {
        **_period_json(period),
        "order_by": order_by,
        "rows": _top_products(sales_lines(workspace, period), order_by, limit),
    }


# --- Revenue patterns --------------------------------------------------------------------------


def revenue_monthly(workspace: Workspace, period: Period) -> dict:
    """Revenue, orders, units per month (zero-filled) with month-over-month growth."""
    return revenue_series(workspace, period, "month")


def revenue_growth(workspace: Workspace, period: Period) -> dict:
    """Month-over-month growth: each month's revenue against the previous month's."""
    series = revenue_series(workspace, period, "month")
    rows, previous = [], None
    for row in series["rows"]:
        rows.append(
            {
                "month": row["bucket"],
                "revenue": row["revenue"],
                "previous_revenue": previous,
                "change": money(Decimal(row["revenue"]) - Decimal(previous)) if previous is not None else None,
                "growth_pct": row["growth_pct"],
            }
        )
        previous = row["revenue"]
    return {"date_from": series["date_from"], "date_to": series["date_to"], "rows": rows}


def revenue_by_hour(workspace: Workspace, period: Period) -> dict:
    """Revenue, orders and units by local hour of day, all 24 hours in order."""
    found = _by_local_time(sales_lines(workspace, period), workspace.tzinfo, lambda local: local.hour)
    total = sum((row["revenue"] for row in found.values()), ZERO)
    rows = []
    for hour in range(24):
        row = found.get(hour) or {"revenue": ZERO, "orders": 0, "units": 0}
        rows.append(
            {
                "hour": hour,
                "revenue": money(row["revenue"]),
                "orders": row["orders"],
                "units": row["units"],
                "revenue_share": ratio(row["revenue"], total),
            }
        )
    return {**_period_json(period), "rows": rows}


def revenue_by_weekday(workspace: Workspace, period: Period) -> dict:
    """Revenue, orders and units by local day of week, Monday first, all seven days present."""
    found = _by_local_time(sales_lines(workspace, period), workspace.tzinfo, lambda local: local.isoweekday())
    total = sum((row["revenue"] for row in found.values()), ZERO)
    rows = []
    for weekday in range(1, 8):
        row = found.get(weekday) or {"revenue": ZERO, "orders": 0, "units": 0}
        rows.append(
            {
                "weekday": weekday,
                "name": calendar.day_name[weekday - 1],
                "revenue": money(row["revenue"]),
                "orders": row["orders"],
                "units": row["units"],
                "revenue_share": ratio(row["revenue"], total),
            }
        )
    return {**_period_json(period), "rows": rows}


def revenue_by_weekday_hour(workspace: Workspace, period: Period) -> dict:
    """Revenue per (weekday, hour) cell: 7 × 24, Monday first (the dashboard's heat map)."""
    found = _by_local_time(
        sales_lines(workspace, period), workspace.tzinfo, lambda local: (local.isoweekday(), local.hour)
    )
    cells = []
    for weekday in range(1, 8):
        for hour in range(24):
            row = found.get((weekday, hour))
            cells.append(
                {
                    "weekday": weekday,
                    "name": calendar.day_name[weekday - 1],
                    "hour": hour,
                    "revenue": money(row["revenue"] if row else ZERO),
                    "orders": row["orders"] if row else 0,
                }
            )
    return {**_period_json(period), "rows": cells}


# --- Forecast ----------------------------------------------------------------------------------


def daily_revenue(workspace: Workspace, period: Period):
    """Daily revenue over the closed period as a gap-free float Series indexed by local day."""
    import pandas as pd

    closed = closed_period(workspace, period)
    if not closed.is_bounded:
        return pd.Series(dtype=float), closed
    rows = (
        sales_lines(workspace, period)
        .annotate(day=TruncDate("invoice_date", tzinfo=workspace.tzinfo))
        .values("day")
        .annotate(revenue=Sum("amount"))
        .order_by("day")
    )
    index = pd.date_range(closed.date_from, closed.date_to, freq="D")
    series = pd.Series({pd.Timestamp(row["day"]): float(row["revenue"]) for row in rows}, dtype=float)
    return series.reindex(index, fill_value=0.0), closed


def forecast_model(workspace: Workspace, period: Period) -> tuple[dict, Cached]:
    """The forecast of the period's daily revenue (see :mod:`ecommerce.forecasting`): 365 days
    with intervals, the rolling-origin backtest and the 80/20 holdout accuracy; and the stored
    fit it came from (``hit`` False when it was fitted during this call).

    The daily series is read every time (one grouped query, plus the data bounds for an open
    period). The model (ten ETS fits) is fitted only when no fit of exactly this series is
    stored: the ``fit_forecast`` task fits after every import, so requests do not pay for it
    (nor for a web worker's first import of statsmodels). A refit of the same series would give
    the same numbers, so a stored fit is as fresh as a new one.
    """
    from ecommerce import forecasting

    series, closed = daily_revenue(workspace, period)
    model = stored_fit(
        workspace.id,
        "forecast_model",
        forecasting.inputs_digest(series),
        lambda: _logged_fit("forecast", workspace, lambda: forecasting.fit(series)),
    )
    return {**_period_json(closed), **model.value}, model


def forecast_fit(workspace: Workspace, period: Period) -> dict:
    """:func:`forecast_model` without the fit's provenance (the cached insight and the task)."""
    return forecast_model(workspace, period)[0]


def forecast(workspace: Workspace, period: Period, periods: int = 30, *, fit: dict | None = None) -> dict:
    """The first ``periods`` days of the stored fit (the fit is computed when none is given)."""
    fit = fit if fit is not None else forecast_fit(workspace, period)
    return {**fit, "periods": periods, "forecast": (fit.get("forecast") or [])[:periods]}


# --- Fitted models -------------------------------------------------------------------------------

# Fits are kept in the database by a digest of their inputs, not by data version (ecommerce.fits).


def _logged_fit(model: str, workspace: Workspace, fit: Callable[[], dict]) -> dict:
    started = time.perf_counter()
    value = fit()
    log.info("model_fitted", model=model, workspace_id=workspace.id, seconds=round(time.perf_counter() - started, 3))
    return value


# --- Cache ---------------------------------------------------------------------------------------

INSIGHTS: dict[str, Callable[..., dict]] = {
    "kpis": kpis,
    "series": revenue_series,
    "series_compare": revenue_series_compare,
    "countries": countries,
    "country": country_detail,
    "customers_top": top_customers,
    "segments": customer_segments,
    "lifetime_value": lifetime_value,
    "cohorts": cohorts,
    "products_top": top_products,
    "revenue_monthly": revenue_monthly,
    "revenue_growth": revenue_growth,
    "by_hour": revenue_by_hour,
    "by_weekday": revenue_by_weekday,
    "weekday_hour": revenue_by_weekday_hour,
    "forecast_fit": forecast_fit,
}


def _insight_key(period: Period, params: dict) -> dict:
    return {"date_from": _iso(period.date_from), "date_to": _iso(period.date_to), **params}


def insight(
    insight_name: str, workspace: Workspace, period: Period, /, *, refresh: bool = False, **params: Any
) -> Cached:
    """``INSIGHTS[insight_name](workspace, period, **params)`` through the workspace cache (keyed by the
    data version the importer bumps, the period and the parameters), computed in a
    :func:`shared_reads` block (the caller's, when it opened one)."""

    def compute() -> dict:
        with shared_reads():
            return INSIGHTS[insight_name](workspace, period, **params)

    return cached(CACHE_NAMESPACE, workspace.id, insight_name, _insight_key(period, params), compute, refresh=refresh)


def cached_forecast(
    workspace: Workspace, period: Period, periods: int, *, refresh: bool = False
) -> tuple[dict, Cached, bool]:
    """The forecast (the ``forecast_fit`` insight, sliced to ``periods`` days), the cache entry it
    was read from, and whether its model was fitted during this call.

    While the data version holds, the cached insight answers without a query. Otherwise, and
    always with ``refresh``, the daily series is read again and the model is fitted only when no
    fit of exactly that series is stored (:func:`forecast_model`).
    """
    models: list[Cached] = []

    def compute() -> dict:
        fit, model = forecast_model(workspace, period)
        models.append(model)
        return fit

    result = cached(CACHE_NAMESPACE, workspace.id, "forecast_fit", _insight_key(period, {}), compute, refresh=refresh)
    fitted_now = any(not model.hit for model in models)
    return forecast(workspace, period, periods, fit=result.value), result, fitted_now
