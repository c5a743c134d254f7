"""Customers: the top spenders, RFM segments, lifetime value (historical and predicted) and
monthly acquisition cohorts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import Workspace
from config.cache import Cached
from config.money import money, ratio
from config.periods import Period
from ecommerce import models as m
from ecommerce.analytics.geography import country_label
from ecommerce.analytics.rankings import cancelled_json, cancelled_orders, ranked
from ecommerce.analytics.reductions import (
    EVERY_LINE,
    ZERO,
    Lines,
    Payload,
    Scope,
    closed_period,
    iso,
    logged_fit,
    period_json,
    read_once,
    return_lines,
    sales_lines,
)
from ecommerce.fits import stored_fit
from ecommerce.segments import SEGMENT_RULES, SEGMENTS, segment_for

if TYPE_CHECKING:
    import pandas as pd


def rank_customers(
    workspace: Workspace,
    period: Period,
    lines: Lines,
    returns: QuerySet[m.ReturnLine],
    order_by: str,
    limit: int,
    where: Q | None = None,
) -> list[Payload]:
    """The customers of ``lines`` and ``returns`` ranked by net value (what they spent less what
    they returned), gross spend, units or returns (:mod:`ecommerce.analytics.rankings`): orders,
    average order value, first and last purchase in the period (local times in the workspace time
    zone; null for a customer who only returned goods in it). Lines without a customer id are
    left out; ``where`` is what narrows ``lines``, for the returns that reverse them."""
    tz = workspace.tzinfo
    lines = lines.exclude(customer_id="")
    top = ranked(lines, returns.exclude(customer_id=""), "customer_id", order_by, limit)
    ids = [figures.key for figures in top]
    details = {
        row["customer_id"]: row
        for row in lines.filter(customer_id__in=ids)
        .values("customer_id")
        .annotate(
            orders=Count("invoice_no", distinct=True),
            first_purchase=Min("invoice_date"),
            last_purchase=Max("invoice_date"),
            country=Max("country"),
        )
        .order_by()
    }
    cancelled = cancelled_orders(workspace, period, lines, "customer_id", ids, where)
    rows = []
    for figures in top:
        row = details.get(figures.key)
        rows.append(
            {
                "customer_id": figures.key,
                "country": country_label(row["country"]) if row else None,
                "total_spent": money(figures.gross),
                "units": figures.units,
                "orders": row["orders"] if row else 0,
                "avg_order_value": money(figures.gross / row["orders"]) if row else None,
                "first_purchase": row["first_purchase"].astimezone(tz).isoformat() if row else None,
                "last_purchase": row["last_purchase"].astimezone(tz).isoformat() if row else None,
                **figures.json(),
                **cancelled_json(cancelled, figures.key),
            }
        )
    return rows


def top_customers(
    workspace: Workspace, period: Period, order_by: str = "net", limit: int = 10, scope: Scope = EVERY_LINE
) -> Payload:
    """Customers ranked by :func:`rank_customers` over the scope's lines of the workspace."""
    lines, returns = sales_lines(workspace, period, scope), return_lines(workspace, period, scope)
    rows = rank_customers(workspace, period, lines, returns, order_by, limit, scope.q())
    return {**period_json(period), "order_by": order_by, "rows": rows}


def _quintile_scores(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """ceil(5 × percentile rank) in 1..5; ties share their average rank."""
    import numpy as np

    ranks = values.rank(method="average", pct=True, ascending=higher_is_better)
    return np.clip(np.ceil(ranks * 5), 1, 5).astype(int)


def rfm_frame(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> tuple[pd.DataFrame, Period]:
    """Per customer of the scope's lines (one grouped query): last purchase, orders, money, with
    R/F/M scores and the segment, all from the period's activity; and ``new``, whether their first
    purchase ever is in the period (else they are returning customers). The reference day is the
    day after the period's last day."""
    import pandas as pd

    closed = closed_period(workspace, period)
    rows = (
        sales_lines(workspace, period, scope)
        .exclude(customer_id="")
        .values("customer_id")
        # The local day of the last purchase, converted by the database: one date per customer
        # instead of an aware datetime to load and convert in Python.
        .annotate(last_day=TruncDate(Max("invoice_date"), tzinfo=workspace.tzinfo))
        .annotate(frequency=Count("invoice_no", distinct=True), monetary=Sum("amount"))
        .values_list("customer_id", "last_day", "frequency", "monetary")
        .order_by()
    )
    frame = pd.DataFrame(read_once(rows), columns=["customer_id", "last_day", "frequency", "monetary"])
    if frame.empty or closed.date_to is None:
        return frame.assign(new=[], recency=[], r=[], f=[], m=[], fm=[], segment=[]), closed
    start = period.date_from
    if start is None:  # a period from the start of the data: every first purchase is the first ever
        frame["new"] = True
    else:
        acquired = acquisitions(workspace, scope)
        frame["new"] = [acquired[customer] >= start for customer in frame["customer_id"]]
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


def customer_segments(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """RFM segments of the scope's customers with customer counts, revenue and revenue share
    (every segment listed), and how many customers were new in the period or returning."""
    frame, closed = rfm_frame(workspace, period, scope)
    total_customers = len(frame)
    new_customers = int(frame["new"].sum()) if total_customers else 0
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
        **period_json(closed),
        "reference_date": iso(closed.date_to + dt.timedelta(days=1)) if closed.date_to else None,
        "customers": total_customers,
        "new_customers": new_customers,
        "returning_customers": total_customers - new_customers,
        "revenue": money(total_revenue),
        "mapping": SEGMENT_RULES,
        "rows": rows,
    }


def _spend_per_customer_day(
    workspace: Workspace, period: Period, scope: Scope = EVERY_LINE
) -> list[tuple[str, dt.date, Decimal]]:
    """(customer, local day, spend) of the scope's lines with a customer: one grouped query, read
    once per :func:`shared_reads` block (the lifetime value and the cohorts of a page)."""
    return read_once(
        sales_lines(workspace, period, scope)
        .exclude(customer_id="")
        .annotate(day=TruncDate("invoice_date", tzinfo=workspace.tzinfo))
        .values("customer_id", "day")
        .annotate(spend=Sum("amount"))
        .values_list("customer_id", "day", "spend")
        .order_by()
    )


def customer_days(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> pd.DataFrame:
    """Spend per customer and local day of the scope's lines as a DataFrame. A customer acquired
    before the period gets their first purchase day ever as a day without spend: the models then
    date their tenure (T, the age of the naive baseline) from their acquisition, while what they
    spent before the period stays out of it and each of their days in it is a repeat purchase."""
    import pandas as pd

    rows = _spend_per_customer_day(workspace, period, scope)
    if (start := period.date_from) is not None:
        acquired = acquisitions(workspace, scope)
        customers = sorted({customer for customer, _, _ in rows})
        rows = rows + [(customer, acquired[customer], ZERO) for customer in customers if acquired[customer] < start]
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "spend"])
    frame["spend"] = frame["spend"].astype(float)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def clv_models(workspace: Workspace, days: pd.DataFrame, last_day: dt.date) -> Cached:
    """The CLV models' parameters for the spend per customer and day ``days`` (see
    :func:`ecommerce.clv.fit`): the stored ones when exactly these data were fitted before (the
    warming task fits them after every import), else fitted now and stored."""
    from ecommerce import clv

    return stored_fit(
        workspace.id,
        "clv_models",
        clv.inputs_digest(days, last_day),
        lambda: logged_fit("clv", workspace, lambda: clv.fit(days, last_day)),
    )


def predicted_value(workspace: Workspace, period: Period, customer_id: str) -> Payload | None:
    """The customer's own predicted 12-month value, by the models and calibration of
    :func:`lifetime_value` for the same period (the stored fit of the same data)."""
    from ecommerce import clv

    last_day = closed_period(workspace, period).date_to
    days = customer_days(workspace, period)
    if last_day is None or days.empty:
        return None
    return clv.predict_customer(days, last_day, customer_id, clv_models(workspace, days, last_day).value)


def lifetime_value(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Of the scope's customers: historical CLV by RFM segment and the predicted 12-month CLV
    (BG/NBD + Gamma-Gamma, see :mod:`ecommerce.clv`) with its calibration/holdout error.

    Both reductions (per customer, per customer and day) are read every time; the models are
    fitted only when no fit of these very data is stored (:func:`clv_models`).
    """
    from ecommerce import clv

    frame, closed = rfm_frame(workspace, period, scope)
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
    if closed.date_to is not None and len(frame):  # closed: both ends or neither
        days = customer_days(workspace, period, scope)
        predicted = clv.predict(
            days,
            closed.date_to,
            segments=dict(zip(frame["customer_id"], frame["segment"], strict=True)),
            models=clv_models(workspace, days, closed.date_to).value,
        )
    return {
        **period_json(closed),
        "customers": len(frame),
        "historical": historical,
        "predicted": predicted,
    }


Cell = tuple[int, int]  # (cohort, months since): months as integers, year × 12 + month − 1


def _spend_per_customer_month(workspace: Workspace, period: Period, scope: Scope) -> dict[tuple[str, int], Decimal]:
    """Spend per (customer, month), from the spend per customer and local day."""
    per_month: dict[tuple[str, int], Decimal] = {}
    for customer, day, spend in _spend_per_customer_day(workspace, period, scope):
        key = (customer, day.year * 12 + day.month - 1)
        per_month[key] = per_month.get(key, ZERO) + spend
    return per_month


def acquisitions(workspace: Workspace, scope: Scope = EVERY_LINE) -> dict[str, dt.date]:
    """The local day of each customer's first purchase ever among the scope's lines (one grouped
    query, read once per :func:`shared_reads` block): what a period that starts after the data
    does needs to tell its new customers from its returning ones. A product's buyers are
    acquired by their first purchase of it, a country's by their first there."""
    return dict(
        read_once(
            m.SalesLine.objects.filter(scope.q(), workspace=workspace)
            .exclude(customer_id="")
            .values("customer_id")
            .annotate(first=TruncDate(Min("invoice_date"), tzinfo=workspace.tzinfo))
            .values_list("customer_id", "first")
            .order_by()
        )
    )


def _first_purchases(workspace: Workspace, period: Period, scope: Scope) -> dict[str, int] | None:
    """The month (year × 12 + month − 1) of each customer's first purchase ever
    (:func:`acquisitions`); None for a period from the start of the data."""
    if (start := period.date_from) is None:
        return None
    # A customer acquired before the period belongs to no cohort of it: -1 is before every month.
    return {
        c: day.year * 12 + day.month - 1 if day >= start else -1 for c, day in acquisitions(workspace, scope).items()
    }


def _cohort_cells(
    per_month: dict[tuple[str, int], Decimal], first_ever: dict[str, int] | None
) -> tuple[dict[Cell, int], dict[Cell, Decimal]]:
    """Active customers and revenue per (cohort, months since): every (customer, month) row is
    one active customer of its cell, the cohort being the month of the customer's first purchase
    ever (``first_ever``; without it, their first in ``per_month``). Customers acquired before
    the period are left out."""
    first: dict[str, int] = {}
    for customer, index in per_month:
        if index < first.get(customer, index + 1):
            first[customer] = index
    if first_ever is not None:
        first = {customer: first_ever[customer] for customer in first if first_ever[customer] >= 0}
    active: dict[Cell, int] = {}
    spent: dict[Cell, Decimal] = {}
    for (customer, index), revenue in per_month.items():
        if customer not in first:
            continue
        cell = (first[customer], index - first[customer])
        active[cell] = active.get(cell, 0) + 1
        spent[cell] = spent.get(cell, ZERO) + revenue
    return active, spent


def _cohort_row(start: int, last_index: int, active: dict[Cell, int], spent: dict[Cell, Decimal]) -> list[Payload]:
    """The cells of the cohort of month ``start``, from its first month to the data's last."""
    label = f"{start // 12:04d}-{start % 12 + 1:02d}"
    size = active.get((start, 0), 0)
    return [
        {
            "cohort": label,
            "months_since": age,
            "customers": active.get((start, age), 0),
            "retention_pct": round(active.get((start, age), 0) / size * 100, 2) if size else None,
            "revenue": money(spent.get((start, age), ZERO)),
        }
        for age in range(last_index - start + 1)
    ]


def cohorts(workspace: Workspace, period: Period, scope: Scope = EVERY_LINE) -> Payload:
    """Of the scope's customers, monthly acquisition cohorts × months since: active customers,
    retention % of the cohort, and revenue. A customer is acquired by their first purchase ever
    (:func:`acquisitions`): the period selects the cohorts acquired in it and their activity in
    it, never their history (a customer of 2010 buying again in 2011 is in no cohort of a 2011
    range).

    The database reduces the lines to spend per customer and local day (the reduction the
    lifetime value reads too, :func:`_spend_per_customer_day`); Python adds those up per customer
    and month, then one pass over the (customer, month) rows finds each customer's cohort and adds
    them up.
    """
    per_month = _spend_per_customer_month(workspace, period, scope)
    if not per_month:
        return {**period_json(period), "max_age": 0, "cohorts": [], "rows": []}
    active, spent = _cohort_cells(per_month, _first_purchases(workspace, period, scope))
    if not active:
        return {**period_json(period), "max_age": 0, "cohorts": [], "rows": []}
    last_index = max(index for _, index in per_month)
    out_cohorts, out_rows = [], []
    for start in sorted({start for start, _ in active}):
        cells = _cohort_row(start, last_index, active, spent)
        out_rows.extend(cells)
        out_cohorts.append(
            {
                "cohort": cells[0]["cohort"],
                "customers": cells[0]["customers"],
                "retention_pct": [cell["retention_pct"] for cell in cells],
                "revenue": [cell["revenue"] for cell in cells],
            }
        )
    max_age = max(age for _, age in active)
    return {**period_json(period), "max_age": max_age, "cohorts": out_cohorts, "rows": out_rows}
