"""Acquisition on a range: a customer is acquired by their first purchase ever.

OLD buys on 5 December 2010 (10.00) and 10 January 2011 (20.00); NEW on 12 January (30.00) and
3 February 2011 (40.00); LATE on 20 February 2011 (50.00) only.
"""

import datetime as dt
from decimal import Decimal

import pytest

from config.periods import Period
from ecommerce import analytics
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"


@pytest.fixture
def customers(workspace):
    for customer, day, price in (
        ("OLD", dt.date(2010, 12, 5), "10.00"),
        ("OLD", dt.date(2011, 1, 10), "20.00"),
        ("NEW", dt.date(2011, 1, 12), "30.00"),
        ("NEW", dt.date(2011, 2, 3), "40.00"),
        ("LATE", dt.date(2011, 2, 20), "50.00"),
    ):
        SalesLineFactory(
            workspace=workspace,
            customer_id=customer,
            invoice_date=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            quantity=1,
            unit_price=Decimal(price),
        )
    return workspace


def test_cohorts_of_the_whole_history(customers):
    assert analytics.cohorts(customers, Period())["cohorts"] == [
        {
            "cohort": "2010-12",
            "customers": 1,
            "retention_pct": [100.0, 100.0, 0.0],
            "revenue": ["10.00", "20.00", "0.00"],
        },
        {"cohort": "2011-01", "customers": 1, "retention_pct": [100.0, 100.0], "revenue": ["30.00", "40.00"]},
        {"cohort": "2011-02", "customers": 1, "retention_pct": [100.0], "revenue": ["50.00"]},
    ]


def test_a_range_selects_the_cohorts_acquired_in_it_not_the_customers_first_purchase_in_it(customers):
    """OLD, acquired in December 2010, is no new customer of January 2011."""
    result = analytics.cohorts(customers, Period(dt.date(2011, 1, 1), dt.date(2011, 2, 28)))
    assert result["cohorts"] == [
        {"cohort": "2011-01", "customers": 1, "retention_pct": [100.0, 100.0], "revenue": ["30.00", "40.00"]},
        {"cohort": "2011-02", "customers": 1, "retention_pct": [100.0], "revenue": ["50.00"]},
    ]
    assert result["max_age"] == 1


def test_a_customer_acquired_earlier_in_the_month_than_the_range_is_left_out(customers):
    """From 15 January: NEW (12 January) is acquired before the range; LATE alone is in it."""
    result = analytics.cohorts(customers, Period(dt.date(2011, 1, 15), dt.date(2011, 2, 28)))
    assert result["cohorts"] == [
        {"cohort": "2011-02", "customers": 1, "retention_pct": [100.0], "revenue": ["50.00"]},
    ]


def test_a_range_without_acquisitions_has_no_cohorts(customers, owner, api_as):
    body = api_as(owner).get(BASE + "customers/cohorts", {"date_from": "2011-02-01", "date_to": "2011-02-10"}).json()
    assert (body["cohorts"], body["rows"], body["max_age"]) == ([], [], 0)  # NEW's February is no acquisition
