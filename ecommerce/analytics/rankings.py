"""Returns-aware rankings: products and customers by net value (sales − returns), with gross
sales, returns and the return rate beside it, and the orders cancelled in full.

Sales count by the sale's date and returns by the return's date, each inside the period, as the
KPIs count them; a product or customer with returns but no sales in the period is ranked too
(its net value is negative).

An order (a sales invoice) is **cancelled in full** when every one of its lines is *reversed*: a
return line (a ``C…`` invoice) of the same customer, stock code and unit price, with the
opposite quantity, dated at or after the sale, anywhere in the history (a cancellation after the
period's end still cancels the order). Lines without a customer id are never matched: nothing
ties them to a return. One return line may reverse several identical sales lines of the
customer; the real file's bulk orders (PAPER CRAFT, LITTLE BIRDIE, 80,995 units on 581483,
reversed by C581484) are one line each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from accounts.models import Workspace
from config.money import money, ratio
from config.periods import Period
from ecommerce import models as m
from ecommerce.analytics.reductions import ZERO, Lines, Payload, read_once

# What a ranking may be ordered by: the field of :class:`Figures` each one sorts on. ``revenue``
# is the gross ranking's earlier name, kept for the clients that ask for it.
ORDERINGS = {"net": "net", "gross": "gross", "revenue": "gross", "units": "units", "returns": "returns"}
Reversals = dict[tuple[str, str, Decimal, int], dt.datetime]


@dataclass
class Figures:
    """What one product or customer sold and had returned in the period."""

    key: str
    gross: Decimal = ZERO
    units: int = 0
    returns: Decimal = ZERO
    returned_units: int = 0
    description: str = ""

    @property
    def net(self) -> Decimal:
        return self.gross - self.returns

    def json(self) -> Payload:
        return {
            "returns_value": money(self.returns),
            "returned_units": self.returned_units,
            "net_revenue": money(self.net),
            "return_rate": ratio(self.returns, self.gross),
        }


def ranked(lines: Lines, returns: QuerySet[m.ReturnLine], field: str, order_by: str, limit: int) -> list[Figures]:
    """The first ``limit`` values of ``field`` (``stock_code``, ``customer_id``) by ``order_by``
    (:data:`ORDERINGS`), ties by the value itself: two grouped queries, merged here because
    either side may have a value the other lacks."""
    found: dict[str, Figures] = {}
    for row in lines.values(field).annotate(gross=Sum("amount"), units=Sum("quantity")).order_by():
        found[row[field]] = Figures(row[field], gross=row["gross"], units=row["units"])
    for row in returns.values(field).annotate(returns=Sum("amount"), units=Sum("quantity")).order_by():
        figures = found.setdefault(row[field], Figures(row[field]))
        figures.returns, figures.returned_units = row["returns"], -row["units"]
    attribute = ORDERINGS[order_by]
    return sorted(found.values(), key=lambda f: (-getattr(f, attribute), f.key))[:limit]


def _reversals(workspace: Workspace, since: dt.datetime | None, where: Q) -> Reversals:
    """The sales lines a return line reverses, by (customer, stock code, unit price, quantity),
    with the latest time of such a return: one query over the returns with a customer from
    ``since`` on (a return never reverses a later sale) that match ``where``."""
    returns = m.ReturnLine.objects.filter(where, workspace=workspace)
    if since is not None:
        returns = returns.filter(invoice_date__gte=since)
    rows = read_once(
        returns.exclude(customer_id="")
        .values_list("customer_id", "stock_code", "unit_price", "quantity", "invoice_date")
        .order_by()
    )
    found: Reversals = {}
    for customer, code, price, quantity, when in rows:
        key = (customer, code, price, -quantity)
        found[key] = max(when, found.get(key, when))
    return found


def _is_reversed(line: Any, reversals: Reversals) -> bool:
    when = reversals.get((line.customer_id, line.stock_code, line.unit_price, line.quantity))
    return when is not None and when >= line.invoice_date


_LINE = ("invoice_no", "customer_id", "stock_code", "unit_price", "quantity", "invoice_date", "amount")


def cancelled_orders(
    workspace: Workspace, period: Period, lines: Lines, field: str, keys: Iterable[str], where: Q | None = None
) -> dict[str, Payload]:
    """Per value of ``field`` among ``keys``: its orders among ``lines`` (of ``period``) cancelled
    in full and the value of its lines in them (see the module's docstring). ``where`` narrows the
    returns read as ``lines`` are (a country's page reads that country's returns, by its index).

    Only the lines of those keys by customers with returns are read, then every line of the few
    orders where one of them is reversed: the real file's whole history has 3,800 return
    invoices against 20,000 orders.
    """
    reversals = _reversals(workspace, period.bounds(workspace.tzinfo)[0], where or Q())
    if not reversals:
        return {}
    customers = {key[0] for key in reversals}
    columns = _LINE if field in _LINE else (field, *_LINE)
    mine = list(
        lines.filter(**{f"{field}__in": list(keys)})
        .filter(customer_id__in=customers)
        .values_list(*columns, named=True)
        .order_by()
    )
    candidates = {line.invoice_no for line in mine if _is_reversed(line, reversals)}
    whole: dict[str, bool] = {}
    for line in (
        m.SalesLine.objects.filter(workspace=workspace, invoice_no__in=candidates)
        .values_list(*_LINE, named=True)
        .order_by()
    ):
        whole[line.invoice_no] = whole.get(line.invoice_no, True) and _is_reversed(line, reversals)
    found: dict[str, Payload] = {}
    for line in mine:
        if whole.get(line.invoice_no):
            row = found.setdefault(getattr(line, field), {"invoices": set(), "value": ZERO})
            row["invoices"].add(line.invoice_no)
            row["value"] += line.amount
    return {key: {"orders": len(row["invoices"]), "value": row["value"]} for key, row in found.items()}


def cancelled_json(cancelled: dict[str, Payload], key: str) -> Payload:
    row = cancelled.get(key, {"orders": 0, "value": ZERO})
    return {"cancelled_orders": row["orders"], "cancelled_value": money(row["value"])}
