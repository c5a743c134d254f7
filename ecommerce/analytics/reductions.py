"""The reductions every e-commerce insight builds on: the lines of a period, the data's bounds,
the sums per invoice the database computes once per page, request or task
(:func:`shared_reads`), and their buckets by local time.

Every insight takes the workspace and a :class:`config.periods.Period` (inclusive local dates in
the workspace time zone; open ends mean the whole history) and returns a JSON-ready payload:
money as 2-place decimal strings (``config.money.money``), dates as ISO strings. Aggregation runs
in the database; Python only buckets, and pandas only reshapes or models, data the database
already reduced.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypedDict, TypeVar
from zoneinfo import ZoneInfo

import structlog
from django.db.models import Max, Min, Q, QuerySet, Sum

from accounts.models import Workspace
from config.errors import NotFound
from config.periods import Period
from ecommerce import models as m

log = structlog.get_logger("pulse.ecommerce")

CACHE_NAMESPACE = "ecommerce"
ZERO = Decimal(0)

Payload = dict[str, Any]  # an insight's JSON-ready answer
Lines = QuerySet[m.SalesLine]
_QS = TypeVar("_QS", bound=QuerySet[Any])
_T = TypeVar("_T")


class InvoiceSums(Protocol):
    """A row of :func:`_per_invoice`."""

    invoice_date: dt.datetime
    invoice_no: str
    country: str
    customer_id: str
    revenue: Decimal
    units: int


class Sums(TypedDict):
    revenue: Decimal
    units: int
    orders: int
    customers: int


NO_SALES = Sums(revenue=ZERO, units=0, orders=0, customers=0)  # a bucket nothing was sold in


@dataclass(frozen=True)
class Scope:
    """What narrows an insight's sales and return lines besides its period: one country (as
    stored), one customer id, one product (stock code); each left out (None) narrows nothing.
    Insights take it as a parameter, so their cache keys name it."""

    country: str | None = None
    customer: str | None = None
    product: str | None = None

    def q(self) -> Q:
        """The lines of the scope (an empty Q, which adds nothing to a query, for every line)."""
        fields = {"country": self.country, "customer_id": self.customer, "stock_code": self.product}
        return Q(**{field: value for field, value in fields.items() if value is not None})


EVERY_LINE = Scope()


# --- Building blocks -----------------------------------------------------------------------


def sales_lines(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Lines:
    """Sales lines of the workspace inside the period (local dates in the workspace time zone)
    and the scope."""
    return _in_period(m.SalesLine.objects.filter(scope.q(), workspace=workspace), workspace, period)


def return_lines(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> QuerySet[m.ReturnLine]:
    return _in_period(m.ReturnLine.objects.filter(scope.q(), workspace=workspace), workspace, period)


def _in_period(queryset: _QS, workspace: Workspace, period: Period) -> _QS:
    start, end = period.bounds(workspace.tzinfo)
    if start is not None:
        queryset = queryset.filter(invoice_date__gte=start)
    if end is not None:
        queryset = queryset.filter(invoice_date__lt=end)
    return queryset


def period_q(workspace: Workspace, period: Period) -> Q:
    start, end = period.bounds(workspace.tzinfo)
    q = Q()
    if start is not None:
        q &= Q(invoice_date__gte=start)
    if end is not None:
        q &= Q(invoice_date__lt=end)
    return q


def unmatchable(field: str, value: str) -> bool:
    """Whether no stored line can hold ``value`` as ``field``: empty, holding a NUL (PostgreSQL
    refuses one in a query) or longer than the column, so a look-up can answer 404 unasked."""
    max_length = getattr(m.LineBase._meta.get_field(field), "max_length", None)
    return not value or "\x00" in value or (max_length is not None and len(value) > max_length)


def existing_value(workspace: Workspace, field: str, value: str) -> str:
    """``value`` when a sales line of the workspace has it as ``field``; 404 otherwise."""
    if unmatchable(field, value) or not m.SalesLine.objects.filter(workspace=workspace, **{field: value}).exists():
        raise NotFound("Not found.")
    return value


def data_bounds(workspace: Workspace) -> tuple[dt.date | None, dt.date | None]:
    """First and last local dates with sales lines (None, None without data), read once per
    :func:`shared_reads` block (the closed period and the partial buckets of a series)."""
    # An aggregate without grouping: PostgreSQL reads MIN and MAX at the two ends of the date index.
    bounds = remember(
        ("data_bounds", (workspace.pk,)),
        lambda: m.SalesLine.objects.filter(workspace=workspace).aggregate(
            first=Min("invoice_date"), last=Max("invoice_date")
        ),
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


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def period_json(period: Period) -> dict[str, str | None]:
    return {"date_from": iso(period.date_from), "date_to": iso(period.date_to)}


_Memo = dict[tuple[str, tuple[Any, ...]], Any]
_shared_reads: contextvars.ContextVar[_Memo | None] = contextvars.ContextVar("ecommerce_shared_reads", default=None)


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within the block, the insights over the same lines read each of the database's reductions
    once (:func:`read_once`): the sums per invoice of a page's KPIs, series, countries, heat map and
    monthly growth of one period; the customers' RFM of its segments and lifetime value, and their
    spend per day of its lifetime value and cohorts; or the warming task's insights. Every
    registered e-commerce insight computes in one; a block inside another joins it. It lasts one
    page, one request or one task, so what it keeps cannot outlive the data."""
    if _shared_reads.get() is not None:
        yield
        return
    token = _shared_reads.set({})
    try:
        yield
    finally:
        _shared_reads.reset(token)


def remember(key: tuple[str, tuple[Any, ...]], compute: Callable[[], _T]) -> _T:
    """``compute()``, once per :func:`shared_reads` block and ``key``, else afresh."""
    memo = _shared_reads.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    value: _T = memo[key]
    return value


def read_once(rows: QuerySet[Any, Any]) -> list[Any]:
    """The rows of the reduction ``rows``, read once per :func:`shared_reads` block (by its SQL
    and parameters), else afresh."""
    sql, params = rows.query.sql_with_params()
    return remember((sql, tuple(params)), lambda: list(rows))


def _per_invoice(queryset: Lines) -> list[InvoiceSums]:
    """Rows (``invoice_date``, ``invoice_no``, ``country``, ``customer_id``, ``revenue``,
    ``units``) of the sales lines of ``queryset``, summed per (timestamp, invoice, country,
    customer) by the database: tens of thousands of rows for the half-million lines of the real
    file, from which Python counts distinct invoices and customers exactly (:func:`sums_by`)."""
    return read_once(
        queryset.values("invoice_date", "invoice_no", "country", "customer_id")
        .annotate(revenue=Sum("amount"), units=Sum("quantity"))
        .values_list("invoice_date", "invoice_no", "country", "customer_id", "revenue", "units", named=True)
        .order_by()
    )


def sums_by(queryset: Lines, key: Callable[[InvoiceSums], Any]) -> dict[Any, Sums]:
    """Revenue, units, orders (distinct invoices) and customers (distinct non-empty ids) of the
    sales lines of ``queryset`` per ``key(row)`` of their sums per invoice (:func:`_per_invoice`)."""
    found: dict[Any, dict[str, Any]] = {}
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


def distinct_count(queryset: QuerySet[Any], field: str) -> int:
    return queryset.order_by().values(field).distinct().count()


def by_local_time(queryset: Lines, tz: ZoneInfo, key: Callable[[dt.datetime], Any]) -> dict[Any, Sums]:
    """Revenue, orders and units of the sales lines of ``queryset`` per ``key(local time)``.

    The database sums the lines per (timestamp, invoice) (:func:`_per_invoice`): tens of
    thousands of rows for the half-million lines of the real file. Python then buckets those by
    their time in ``tz`` (:func:`sums_by`). That is faster than grouping every line by a
    time-zone expression with COUNT(DISTINCT), which sorts; orders stay exact (distinct invoices
    per bucket), and SQLite runs the same code.
    """
    return sums_by(queryset, lambda row: key(row.invoice_date.astimezone(tz)))


def logged_fit(model: str, workspace: Workspace, fit: Callable[[], Payload]) -> Payload:
    started = time.perf_counter()
    value = fit()
    log.info("model_fitted", model=model, workspace_id=workspace.pk, seconds=round(time.perf_counter() - started, 3))
    return value
