"""The small hand-built shop every analytics test computes its expected figures from.

Sales lines (workspace time zone UTC unless a test changes it):

| # | invoice | when (UTC)        | stock code   | qty × price  | amount | customer | country        |
|---|---------|-------------------|--------------|--------------|--------|----------|----------------|
| 1 | 1001    | Mon 2011-01-03 10:15 | 85123A    | 6 × 2.55     | 15.30  | A        | United Kingdom |
| 2 | 1001    | Mon 2011-01-03 10:15 | POST      | 1 × 18.00    | 18.00  | A        | United Kingdom |
| 3 | 1002    | Tue 2011-01-04 14:30 | 22423     | 2 × 12.75    | 25.50  | B        | EIRE           |
| 4 | 1003    | Tue 2011-01-04 14:45 | 85123A    | 10 × 2.125   | 21.25  | (none)   | United Kingdom |
| 5 | 1004    | Mon 2011-02-07 09:05 | 22423     | 1 × 12.75    | 12.75  | A        | United Kingdom |
| 6 | 1005    | Tue 2011-02-08 16:20 | gift_0001_20 | 1 × 20.00 | 20.00  | C        | France         |

Returns: C2001 Wed 2011-01-05 11:00, 85123A −2 × 2.55 = 5.10 (A, United Kingdom);
C2002 Tue 2011-02-08 10:00, 22423 −1 × 12.75 = 12.75 (B, EIRE).

Whole history: revenue 112.80, returns 17.85, net 94.95, orders 5, customers 3 (A, B, C),
products 2 (85123A, 22423: POST and the voucher are not products), units 21, AOV 22.56.
"""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tests.ecommerce.factories import ReturnLineFactory, SalesLineFactory


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def shop(workspace):
    lines = [
        ("1001", utc(2011, 1, 3, 10, 15), "85123A", 6, "2.55", "A", "United Kingdom"),
        ("1001", utc(2011, 1, 3, 10, 15), "POST", 1, "18.00", "A", "United Kingdom"),
        ("1002", utc(2011, 1, 4, 14, 30), "22423", 2, "12.75", "B", "EIRE"),
        ("1003", utc(2011, 1, 4, 14, 45), "85123A", 10, "2.125", "", "United Kingdom"),
        ("1004", utc(2011, 2, 7, 9, 5), "22423", 1, "12.75", "A", "United Kingdom"),
        ("1005", utc(2011, 2, 8, 16, 20), "gift_0001_20", 1, "20.00", "C", "France"),
    ]
    for invoice, when, code, quantity, price, customer, country in lines:
        SalesLineFactory(
            workspace=workspace,
            invoice_no=invoice,
            invoice_date=when,
            stock_code=code,
            description={"85123A": "WHITE HANGING HEART T-LIGHT HOLDER", "22423": "REGENCY CAKESTAND 3 TIER"}.get(
                code, code
            ),
            quantity=quantity,
            unit_price=Decimal(price),
            customer_id=customer,
            country=country,
        )
    ReturnLineFactory(
        workspace=workspace,
        invoice_no="C2001",
        invoice_date=utc(2011, 1, 5, 11, 0),
        stock_code="85123A",
        quantity=-2,
        unit_price=Decimal("2.55"),
        customer_id="A",
        country="United Kingdom",
    )
    ReturnLineFactory(
        workspace=workspace,
        invoice_no="C2002",
        invoice_date=utc(2011, 2, 8, 10, 0),
        stock_code="22423",
        quantity=-1,
        unit_price=Decimal("12.75"),
        customer_id="B",
        country="EIRE",
    )
    return workspace


@pytest.fixture
def other_shop(other_workspace):
    """Another tenant's data: must never show up in ``shop``'s figures."""
    SalesLineFactory(
        workspace=other_workspace,
        invoice_no="9001",
        invoice_date=utc(2011, 1, 3, 12, 0),
        stock_code="99999",
        quantity=100,
        unit_price=Decimal("1000.00"),
        customer_id="Z",
        country="Germany",
    )
    return other_workspace


@pytest.fixture
def repeat_customers(workspace):
    """60 customers (C0…C59) buying one unit on 1 to 5 distinct days out of 300 from Monday
    2011-01-03 (seeded), at 20 to 50 each: enough repeat buyers to fit the CLV models."""
    import numpy as np

    rng = np.random.default_rng(5)
    for customer in range(60):
        for day in sorted(set(rng.integers(0, 300, 1 + customer % 5))):
            SalesLineFactory(
                workspace=workspace,
                customer_id=f"C{customer}",
                invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=int(day)),
                quantity=1,
                unit_price=Decimal(str(20 + customer % 7 * 5)),
            )
    return workspace


def replace_compute(monkeypatch, name: str, compute) -> None:
    """Make the registered insight ``name`` compute with ``compute`` for the test."""
    from config import insights

    monkeypatch.setitem(insights._registry, name, dataclasses.replace(insights.get_insight(name), compute=compute))
