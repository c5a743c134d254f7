"""Countries: the ranking and the spellings a person may type."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from accounts.models import Workspace
from config.errors import NotFound
from config.insights import reading_many
from config.money import money, ratio
from config.periods import Period
from ecommerce import models as m
from ecommerce.analytics.kpis import kpi_payload, kpi_totals
from ecommerce.analytics.reductions import (
    EVERY_LINE,
    ZERO,
    Payload,
    Scope,
    closed_period,
    period_json,
    period_q,
    remember,
    sales_lines,
    sums_by,
    unmatchable,
)

COUNTRY_LABELS = {"EIRE": "Ireland", "RSA": "South Africa", "USA": "United States"}
COUNTRY_ALIASES = {label.lower(): code for code, label in COUNTRY_LABELS.items()}


def country_label(country: str) -> str:
    return COUNTRY_LABELS.get(country, country)


def country_code(name: str) -> str:
    """The country as stored in the data for a name a person typed (``Ireland`` -> ``EIRE``)."""
    return COUNTRY_ALIASES.get(name.strip().lower(), name.strip())


# --- Countries ---------------------------------------------------------------------------------


def countries(
    workspace: Workspace, period: Period, order_by: str = "revenue", limit: int = 10, scope: Scope = EVERY_LINE
) -> Payload:
    """Top countries of the scope's lines by revenue or units, with orders, customers, AOV and
    share of revenue (a country filter leaves one country, with all of the revenue).

    The sums per invoice are added up per country in Python (:func:`sums_by`), which counts
    distinct invoices and customers: alone no slower on the real file than grouping every line
    with two COUNT(DISTINCT), which sort, and nothing more to read beside the page's KPIs and
    series. The share needs the total, and the ranking and limit are applied to that small
    result (a few dozen countries at most).
    """
    by_country = sums_by(sales_lines(workspace, period, scope), lambda row: row.country)
    rows = [{"country": country, **sums} for country, sums in by_country.items()]
    total = sum((row["revenue"] for row in rows), ZERO)
    rows.sort(key=lambda row: (-row[order_by], row["country"]))
    return {
        **period_json(period),
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
    if unmatchable("country", country_code(name)):
        raise NotFound("Not found.")
    # Any one line, in no order: ordered by id (``first()``'s) the primary key would be walked
    # through the lines of every other country, and ordered by country PostgreSQL reads the
    # spellings as a filter of the whole country index instead of looking each one up.
    lines = m.SalesLine.objects.filter(workspace=workspace, country__in=country_spellings(name))
    found = next(iter(lines.values_list("country", flat=True)[:1]), None)
    if found is None:
        raise NotFound("Not found.")
    return str(found)


def _every_country_kpis(workspace: Workspace, period: Period) -> dict[str, Payload]:
    """The KPIs of every country with sales in the period: its sums per invoice (those of the
    whole workspace's KPIs of the period, shared in a :func:`shared_reads` block), its distinct
    products and its returns, each in one query grouped by country."""
    sums = sums_by(sales_lines(workspace, period), lambda row: row.country)
    products = dict(
        sales_lines(workspace, period)
        .filter(is_product=True)
        .order_by()
        .values_list("country")
        .annotate(count=Count("stock_code", distinct=True))
    )
    returns = dict(
        m.ReturnLine.objects.filter(Q(workspace=workspace) & period_q(workspace, period))
        .order_by()
        .values_list("country")
        .annotate(value=Sum("amount"))
    )
    return {
        country: kpi_payload(
            row["revenue"],
            row["orders"],
            row["customers"],
            products.get(country, 0),
            row["units"],
            returns.get(country),
        )
        for country, row in sums.items()
    }


def country_kpis(workspace: Workspace, period: Period, name: str, limit: int = 10) -> Payload:
    """One country's KPIs alone (its alerts' scalars), without the page's monthly series and top
    products (``limit``, the page's, is accepted and unused): read over the country's index of
    the lines and returns in the window; in a task reading many insights (an alert round),
    every country's at once, kept for the task (:func:`remember`), each next one a look-up."""
    country = remember(("country", (workspace.pk, name)), lambda: resolve_country(workspace, name))
    if not closed_period(workspace, period).is_bounded:  # no data at all
        return {"kpis": kpi_payload(ZERO, 0, 0, 0, 0, ZERO)}
    if not reading_many():
        return {"kpis": kpi_totals(workspace, {"current": period}, extra=Q(country=country))["current"]}
    every = remember(("every_country_kpis", (workspace.pk, period)), lambda: _every_country_kpis(workspace, period))
    return {"kpis": every.get(country) or kpi_payload(ZERO, 0, 0, 0, 0, ZERO)}
