"""The KPIs of a period (DESIGN §4) and their comparison with an earlier period.

Revenue = Σ amount of sales lines; returns value = Σ amount of return lines; net revenue =
revenue − returns value; orders = distinct invoices among sales lines; customers = distinct
non-empty customer ids; products = distinct product stock codes; units = Σ quantity; average
order value = revenue / orders; return rate = returns value / revenue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from accounts.models import Workspace
from config.money import money, ratio
from config.periods import Period, growth_pct
from ecommerce import models as m
from ecommerce.analytics.reductions import (
    EVERY_LINE,
    ZERO,
    Lines,
    Payload,
    Scope,
    Sums,
    closed_period,
    distinct_count,
    period_json,
    period_q,
    sales_lines,
    sums_by,
)

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


def _sales_totals(lines: Lines) -> tuple[Decimal, int, int, int, int]:
    """(revenue, orders, customers, products, units) of the sales lines ``lines``.

    Two queries: the sums per invoice (:func:`_per_invoice`, shared with the other insights of a
    :func:`shared_reads` block), all in one bucket (:func:`sums_by`); and the distinct products
    as ``SELECT COUNT(*) FROM (SELECT DISTINCT …)``, which PostgreSQL hashes (``COUNT(DISTINCT
    …)`` sorts every line).
    """
    sums: Sums = sums_by(lines, lambda row: None).get(None) or {
        "revenue": ZERO,
        "units": 0,
        "orders": 0,
        "customers": 0,
    }
    products = distinct_count(lines.filter(is_product=True), "stock_code")
    return sums["revenue"], sums["orders"], sums["customers"], products, sums["units"]


def kpi_payload(
    revenue: Decimal | None, orders: int, customers: int, products: int, units: int, returns_value: Decimal | None
) -> Payload:
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


def kpi_totals(workspace: Workspace, periods: dict[str, Period], extra: Q | None = None) -> dict[str, Payload]:
    """KPIs of several periods: the sales-line totals of each period (:func:`_sales_totals`) and
    one query over the returns of them all, each period's sum restricted by a FILTER clause (an
    open period by none)."""
    scope = Q(workspace=workspace) & (extra or Q())
    within = {key: period_q(workspace, period) for key, period in periods.items()}
    union = Q()
    if all(within.values()):
        for q in within.values():
            union |= q
    returns = m.ReturnLine.objects.filter(scope & union).aggregate(
        **{key: Sum("amount", filter=q or None, default=ZERO) for key, q in within.items()}
    )
    return {
        key: kpi_payload(*_sales_totals(sales_lines(workspace, periods[key]).filter(extra or Q())), returns[key])
        for key in within
    }


def _delta(name: str, current: Any, previous: Any) -> Payload:
    if current is None or previous is None:
        return {"change": None, "pct": None}
    if name in MONEY_METRICS:
        current, previous = Decimal(current), Decimal(previous)
        return {"change": money(current - previous), "pct": growth_pct(current, previous)}
    if name == "return_rate":
        return {"change": round(current - previous, 4), "pct": growth_pct(current, previous)}
    return {"change": current - previous, "pct": growth_pct(current, previous)}


# --- KPIs ------------------------------------------------------------------------------------


def kpis(workspace: Workspace, period: Period, compare: str = "previous", scope: Scope = EVERY_LINE) -> Payload:
    """The KPIs of the scope's lines in the period and, with ``compare`` = ``previous`` (the period
    of equal length just before) or ``year`` (the same dates a year earlier), the same for the
    comparison period with deltas (absolute change and percent change, None without a base).

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
        totals = {"current": kpi_payload(ZERO, 0, 0, 0, 0, ZERO)}
    else:  # the current period filtered as asked: see closed_period
        totals = kpi_totals(workspace, {**periods, "current": period}, extra=scope.q())
    payload: Payload = {**period_json(current), **totals["current"], "compare": compare}
    if previous is not None:
        payload["previous"] = {**period_json(previous), **totals["previous"]}
        payload["deltas"] = {name: _delta(name, totals["current"][name], totals["previous"][name]) for name in METRICS}
    else:
        payload["previous"] = None
        payload["deltas"] = None
    return payload
