"""One country's, customer's and product's detail: what the drill-down pages and their CSV show."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q, Sum

from accounts.models import Workspace
from config.money import money
from config.periods import Period
from ecommerce import models as m
from ecommerce.analytics.customers import predicted_value, rank_customers, rfm_frame
from ecommerce.analytics.geography import country_label, resolve_country
from ecommerce.analytics.kpis import kpi_payload, kpi_totals
from ecommerce.analytics.products import rank_products
from ecommerce.analytics.reductions import (
    ZERO,
    Payload,
    closed_period,
    existing_value,
    period_json,
    return_lines,
    sales_lines,
)
from ecommerce.analytics.series import series_rows


def _kpis_and_months(workspace: Workspace, period: Period, scope: Q) -> tuple[Payload, Period, list[Payload]]:
    """The KPIs and the monthly series of the lines of ``scope`` over the (closed) period."""
    closed = closed_period(workspace, period)
    if not closed.is_bounded:
        return kpi_payload(ZERO, 0, 0, 0, 0, ZERO), closed, []
    totals = kpi_totals(workspace, {"current": period}, extra=scope)["current"]
    return totals, closed, series_rows(sales_lines(workspace, period).filter(scope), workspace, closed, "month")


def _segment(workspace: Workspace, period: Period, customer_id: str) -> str | None:
    """The customer's RFM segment among every customer of the period (None without purchases in it)."""
    frame, _closed = rfm_frame(workspace, period)
    if not len(frame):
        return None
    found = frame[frame["customer_id"] == customer_id]["segment"]
    return str(found.iloc[0]) if len(found) else None


def country_detail(workspace: Workspace, period: Period, name: str, limit: int = 10) -> Payload:
    """One country: KPIs over the period, its monthly series, its top products and customers."""
    country = resolve_country(workspace, name)
    scope = Q(country=country)
    totals, closed, months = _kpis_and_months(workspace, period, scope)
    lines, returns = sales_lines(workspace, period).filter(scope), return_lines(workspace, period).filter(scope)
    return {
        **period_json(closed),
        "country": country,
        "label": country_label(country),
        "kpis": totals,
        "monthly": months,
        "top_products": rank_products(workspace, period, lines, returns, "net", limit, scope),
        "top_customers": rank_customers(workspace, period, lines, returns, "net", limit, scope),
    }


def customer_detail(workspace: Workspace, period: Period, customer_id: str, limit: int = 10) -> Payload:
    """One customer: KPIs, segment, first and last purchase, monthly series, latest orders and returns."""
    customer_id = existing_value(workspace, "customer_id", customer_id)
    scope = Q(customer_id=customer_id)
    totals, closed, months = _kpis_and_months(workspace, period, scope)
    tz = workspace.tzinfo
    lines = sales_lines(workspace, period).filter(scope)
    bounds = lines.aggregate(first=Min("invoice_date"), last=Max("invoice_date"), country=Max("country"))
    # The acquisition is the first purchase ever, whatever the period: one look-up on the customer's lines.
    acquired = m.SalesLine.objects.filter(workspace=workspace, customer_id=customer_id).aggregate(
        first=Min("invoice_date")
    )["first"]
    orders = (
        lines.values("invoice_no")
        .annotate(when=Min("invoice_date"), revenue=Sum("amount"), units=Sum("quantity"), lines=Count("id"))
        .order_by("-when", "-invoice_no")[:limit]
    )
    returns = return_lines(workspace, period).filter(scope).order_by("-invoice_date", "invoice_no", "stock_code")
    return {
        **period_json(closed),
        "customer_id": customer_id,
        "country": country_label(bounds["country"]) if bounds["country"] else None,
        "segment": _segment(workspace, period, customer_id),
        "predicted": predicted_value(workspace, period, customer_id),
        "acquired": acquired.astimezone(tz).isoformat(),
        "first_purchase": bounds["first"].astimezone(tz).isoformat() if bounds["first"] else None,
        "last_purchase": bounds["last"].astimezone(tz).isoformat() if bounds["last"] else None,
        "kpis": totals,
        "monthly": months,
        "orders": [
            {
                "invoice_no": row["invoice_no"],
                "invoice_date": row["when"].astimezone(tz).isoformat(),
                "revenue": money(row["revenue"]),
                "units": row["units"],
                "lines": row["lines"],
            }
            for row in orders
        ],
        "returns": [
            {
                "invoice_no": line.invoice_no,
                "invoice_date": line.invoice_date.astimezone(tz).isoformat(),
                "stock_code": line.stock_code,
                "quantity": line.quantity,
                "amount": money(line.amount),
            }
            for line in returns[:limit]
        ],
    }


def product_detail(workspace: Workspace, period: Period, stock_code: str, limit: int = 10) -> Payload:
    """One product: KPIs (its returns included), monthly series and top countries by revenue."""
    stock_code = existing_value(workspace, "stock_code", stock_code)
    scope = Q(stock_code=stock_code)
    totals, closed, months = _kpis_and_months(workspace, period, scope)
    lines = sales_lines(workspace, period).filter(scope)
    returned = return_lines(workspace, period).filter(scope).aggregate(units=Sum("quantity", default=0))
    countries = (
        lines.values("country")
        .annotate(revenue=Sum("amount"), units=Sum("quantity"), orders=Count("invoice_no", distinct=True))
        .order_by("-revenue", "country")[:limit]
    )
    description = m.SalesLine.objects.filter(workspace=workspace, stock_code=stock_code).aggregate(
        description=Max("description")
    )["description"]
    return {
        **period_json(closed),
        "stock_code": stock_code,
        "description": description or "",
        "kpis": totals,
        "returned_units": -returned["units"],
        "monthly": months,
        "top_countries": [
            {
                "country": row["country"],
                "label": country_label(row["country"]),
                "revenue": money(row["revenue"]),
                "units": row["units"],
                "orders": row["orders"],
            }
            for row in countries
        ],
    }
