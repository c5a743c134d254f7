"""The top products by revenue or units."""

from __future__ import annotations

from django.db.models import Count, Max, Sum

from accounts.models import Workspace
from config.money import money
from config.periods import Period
from ecommerce.analytics.reductions import Lines, Payload, period_json, sales_lines


def rank_products(queryset: Lines, order_by: str, limit: int) -> list[Payload]:
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


def top_products(workspace: Workspace, period: Period, order_by: str = "revenue", limit: int = 10) -> Payload:
    """Products (non-product codes such as postage, fees and vouchers excluded) by revenue or units."""
    return {
        **period_json(period),
        "order_by": order_by,
        "rows": rank_products(sales_lines(workspace, period), order_by, limit),
    }
