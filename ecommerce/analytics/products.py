"""Products ranked by net value, gross sales, units or returns (:mod:`ecommerce.analytics.rankings`)."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import Workspace
from config.money import money
from config.periods import Period
from ecommerce import models as m
from ecommerce.analytics.rankings import cancelled_json, cancelled_orders, ranked
from ecommerce.analytics.reductions import EVERY_LINE, Lines, Payload, Scope, period_json, return_lines, sales_lines


def rank_products(
    workspace: Workspace,
    period: Period,
    lines: Lines,
    returns: QuerySet[m.ReturnLine],
    order_by: str,
    limit: int,
    where: Q | None = None,
) -> list[Payload]:
    """The top products of ``lines`` and ``returns`` by ``order_by``, with their description,
    orders and the orders cancelled in full (``where``: what narrows ``lines``, for the returns
    that reverse them).

    The ranking sums every product; the descriptions and the distinct orders are read for the
    top ones only (COUNT(DISTINCT) over every product sorts every line).
    """
    top = ranked(lines.filter(is_product=True), returns.filter(is_product=True), "stock_code", order_by, limit)
    codes = [figures.key for figures in top]
    details = {
        row["stock_code"]: row
        for row in lines.filter(is_product=True, stock_code__in=codes)
        .values("stock_code")
        .annotate(description=Max("description"), orders=Count("invoice_no", distinct=True))
        .order_by()
    }
    described = {} if len(details) == len(codes) else _return_descriptions(returns, codes)
    cancelled = cancelled_orders(workspace, period, lines, "stock_code", codes, where)
    rows = []
    for figures in top:
        sold = details.get(figures.key, {"description": described.get(figures.key, ""), "orders": 0})
        rows.append(
            {
                "stock_code": figures.key,
                "description": sold["description"],
                "revenue": money(figures.gross),
                "units": figures.units,
                "orders": sold["orders"],
                "average_price": money(figures.gross / figures.units) if figures.units else None,
                **figures.json(),
                **cancelled_json(cancelled, figures.key),
            }
        )
    return rows


def _return_descriptions(returns: QuerySet[m.ReturnLine], codes: list[str]) -> dict[str, str]:
    """Descriptions of products that were only returned in the period."""
    rows = returns.filter(stock_code__in=codes).values("stock_code").annotate(description=Max("description"))
    return {row["stock_code"]: row["description"] for row in rows.order_by()}


def top_products(
    workspace: Workspace, period: Period, order_by: str = "net", limit: int = 10, scope: Scope = EVERY_LINE
) -> Payload:
    """Products of the scope's lines (non-product codes such as postage, fees and vouchers
    excluded) by net value, gross sales, units sold or returns."""
    lines, returns = sales_lines(workspace, period, scope), return_lines(workspace, period, scope)
    return {
        **period_json(period),
        "order_by": order_by,
        "rows": rank_products(workspace, period, lines, returns, order_by, limit, scope.q()),
    }


def returned_products(workspace: Workspace, period: Period, limit: int = 10, scope: Scope = EVERY_LINE) -> Payload:
    """The products returned the most in the period and scope, by value returned (only products
    with returns)."""
    lines, returns = sales_lines(workspace, period, scope), return_lines(workspace, period, scope)
    rows = rank_products(workspace, period, lines, returns, "returns", limit, scope.q())
    return {**period_json(period), "rows": [row for row in rows if row["returned_units"]]}
