"""Acquisition on a range: a customer is acquired by their first purchase ever; the range selects
the cohorts acquired in it and the activity in it, and the filters narrow the lines first.

| customer | day (UTC)  | product | country        | amount |
|----------|------------|---------|----------------|--------|
| OLD      | 2010-12-05 | P1      | United Kingdom | 10.00  |
| OLD      | 2011-01-10 | P2      | United Kingdom | 20.00  |
| NEW      | 2011-01-12 | P1      | France         | 30.00  |
| NEW      | 2011-02-03 | P2      | France         | 40.00  |
| LATE     | 2011-02-20 | P2      | United Kingdom | 50.00  |

RANGE is January and February 2011: OLD, acquired in December, returns in it; NEW and LATE are new.
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from config.periods import Period
from ecommerce import analytics, clv
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"
RANGE = Period(dt.date(2011, 1, 1), dt.date(2011, 2, 28))
DATES = {"date_from": "2011-01-01", "date_to": "2011-02-28"}


@pytest.fixture
def customers(workspace):
    for customer, day, product, country, price in (
        ("OLD", dt.date(2010, 12, 5), "P1", "United Kingdom", "10.00"),
        ("OLD", dt.date(2011, 1, 10), "P2", "United Kingdom", "20.00"),
        ("NEW", dt.date(2011, 1, 12), "P1", "France", "30.00"),
        ("NEW", dt.date(2011, 2, 3), "P2", "France", "40.00"),
        ("LATE", dt.date(2011, 2, 20), "P2", "United Kingdom", "50.00"),
    ):
        SalesLineFactory(
            workspace=workspace,
            customer_id=customer,
            stock_code=product,
            country=country,
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


def test_rfm_on_a_range_reads_the_activity_in_it(customers):
    """Reference day 2011-03-01. Recency OLD 50 (10 January), NEW 26, LATE 9 -> R: 2, 4, 5.
    Orders in the range OLD 1, NEW 2, LATE 1 -> F: OLD and LATE tie (pct 0.5) 3, NEW 5. Spent OLD
    20 (not 30: December is before the range), NEW 70, LATE 50 -> M: 2, 5, 4. FM half up: 3, 5, 4.
    OLD (2, 3) At risk; NEW (4, 5) and LATE (5, 4) Champions. OLD alone bought before the range."""
    frame, _ = analytics.rfm_frame(customers, RANGE)
    scores = {
        row.customer_id: (row.recency, row.frequency, row.monetary, row.r, row.f, row.m, row.fm, row.segment, row.new)
        for row in frame.itertuples()
    }
    assert scores == {
        "OLD": (50, 1, Decimal("20.00"), 2, 3, 2, 3, "At risk", False),
        "NEW": (26, 2, Decimal("70.00"), 4, 5, 5, 5, "Champions", True),
        "LATE": (9, 1, Decimal("50.00"), 5, 3, 4, 4, "Champions", True),
    }


def test_a_customer_who_bought_before_the_range_is_returning_never_new(customers):
    segments = analytics.customer_segments(customers, RANGE)
    assert (segments["customers"], segments["new_customers"], segments["returning_customers"]) == (3, 2, 1)
    assert (segments["reference_date"], segments["revenue"]) == ("2011-03-01", "140.00")
    by_name = {row["segment"]: row for row in segments["rows"]}
    assert by_name["At risk"] == {
        "segment": "At risk",
        "customers": 1,
        "customers_share": 0.3333,
        "revenue": "20.00",
        "revenue_share": 0.1429,
        "avg_recency_days": 50.0,
        "avg_orders": 1.0,
        "avg_spent": "20.00",
    }
    assert (by_name["Champions"]["customers"], by_name["Champions"]["revenue"]) == (2, "120.00")
    # From 15 January NEW (acquired on the 12th) returns too; over the whole history all are new.
    later = analytics.customer_segments(customers, Period(dt.date(2011, 1, 15), dt.date(2011, 2, 28)))
    assert (later["customers"], later["new_customers"], later["returning_customers"]) == (2, 1, 1)
    whole = analytics.customer_segments(customers, Period())
    assert (whole["customers"], whole["new_customers"], whole["returning_customers"]) == (3, 3, 0)


def test_lifetime_value_dates_tenure_from_the_first_purchase_ever(customers):
    """OLD's 10 January is a repeat of their 5 December: x 1, t_x 36 days, T 85 days to
    28 February, mean repeat spend 20. NEW: x 1, t_x 22, T 47 days; LATE: x 0, T 8 days."""
    days = analytics.customer_days(customers, RANGE)
    summary = clv.summarise(days, pd.Timestamp(2011, 2, 28))
    assert {
        customer: (
            row.x,
            round(row.t_x * 7),
            round(row["T"] * 7),
            row.total,
            row.monetary,
            row.first.date().isoformat(),
        )
        for customer, row in summary.iterrows()
    } == {
        "OLD": (1.0, 36, 85, 20.0, 20.0, "2010-12-05"),
        "NEW": (1.0, 22, 47, 70.0, 40.0, "2011-01-12"),
        "LATE": (0.0, 0, 8, 50.0, 0.0, "2011-02-20"),
    }
    # Over the whole history the days are the purchases themselves, nothing added.
    assert len(analytics.customer_days(customers, Period())) == 5
    ltv = analytics.lifetime_value(customers, RANGE)
    assert (ltv["predicted"]["customers_fitted"], ltv["predicted"]["repeat_customers"]) == (3, 2)
    by_name = {row["segment"]: row for row in ltv["historical"]}
    assert by_name["Champions"] == {
        "segment": "Champions",
        "customers": 2,
        "revenue": "120.00",
        "avg_clv": "60.00",
        "avg_orders": 1.5,
        "avg_order_value": "40.00",
    }


UK, FRANCE = analytics.Scope(country="United Kingdom"), analytics.Scope(country="France")
P1, P2, OLD = analytics.Scope(product="P1"), analytics.Scope(product="P2"), analytics.Scope(customer="OLD")


@pytest.mark.parametrize(
    ("scope", "counts", "segments", "cohorts"),
    [
        # OLD (R 3, FM 4) and LATE (R 5, FM 5) among the United Kingdom's two customers.
        (UK, (2, 1, 1), {"OLD": "Loyal", "LATE": "Champions"}, [("2011-02", 1, [100.0], ["50.00"])]),
        (FRANCE, (1, 1, 0), {"NEW": "Champions"}, [("2011-01", 1, [100.0, 100.0], ["30.00", "40.00"])]),
        # P1's buyers in the range: NEW alone (OLD's P1 was in December).
        (P1, (1, 1, 0), {"NEW": "Champions"}, [("2011-01", 1, [100.0], ["30.00"])]),
        # P2's buyers are acquired by their first P2, OLD's on 10 January.
        (
            P2,
            (3, 3, 0),
            {"OLD": "At risk", "NEW": "Champions", "LATE": "Champions"},
            [("2011-01", 1, [100.0, 0.0], ["20.00", "0.00"]), ("2011-02", 2, [100.0], ["90.00"])],
        ),
        (OLD, (1, 0, 1), {"OLD": "Champions"}, []),
    ],
)
def test_segments_and_cohorts_follow_the_filters(customers, scope, counts, segments, cohorts):
    found = analytics.customer_segments(customers, RANGE, scope)
    assert (found["customers"], found["new_customers"], found["returning_customers"]) == counts
    frame, _ = analytics.rfm_frame(customers, RANGE, scope)
    assert dict(zip(frame["customer_id"], frame["segment"], strict=True)) == segments
    result = analytics.cohorts(customers, RANGE, scope)["cohorts"]
    assert [(c["cohort"], c["customers"], c["retention_pct"], c["revenue"]) for c in result] == cohorts
    assert analytics.lifetime_value(customers, RANGE, scope)["customers"] == counts[0]


def test_the_endpoints_follow_the_filters_for_every_member(customers, owner, admin_user, viewer, api_as):
    for user in (owner, admin_user, viewer):
        client = api_as(user)
        segments = client.get(BASE + "customers/segments", {**DATES, "country": "United Kingdom"}).json()
        assert (segments["customers"], segments["new_customers"], segments["returning_customers"]) == (2, 1, 1)
        ltv = client.get(BASE + "customers/lifetime-value", {**DATES, "country": "France"}).json()
        assert (ltv["customers"], ltv["historical"][0]["revenue"]) == (1, "70.00")
        cohorts = client.get(BASE + "customers/cohorts", {**DATES, "product": "P2"}).json()
        assert [(c["cohort"], c["customers"]) for c in cohorts["cohorts"]] == [("2011-01", 1), ("2011-02", 2)]


def test_the_csv_follows_the_filters(customers, owner, api_as):
    response = api_as(owner).get(BASE + "customers/cohorts", {**DATES, "product": "P2", "format": "csv"})
    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "cohort,months_since,customers,retention_pct,revenue",
        "2011-01,0,1,100.0,20.00",
        "2011-01,1,0,0.0,0.00",
        "2011-02,0,2,100.0,90.00",
    ]


@pytest.mark.parametrize("path", ["customers/segments", "customers/lifetime-value", "customers/cohorts"])
def test_bad_filters_are_the_other_endpoints_errors(
    customers, other_workspace, owner, outsider, api_as, anon_api, path
):
    client = api_as(owner)
    too_long = client.get(BASE + path, {"customer": "1" * 33})
    assert (too_long.status_code, too_long.json()["error"]["code"]) == (400, "invalid")
    assert list(too_long.json()["error"]["fields"]) == ["customer"]
    for params in ({"country": "Atlantis"}, {"product": "P9"}, {"customer": "NOBODY"}):
        response = client.get(BASE + path, params)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    assert api_as(outsider).get(BASE + path, {"country": "France"}).status_code == 404  # not a member of ours
    assert api_as(outsider, other_workspace).get(BASE + path, {"country": "France"}).status_code == 404  # none there
    response = anon_api.get(BASE + path, {"country": "France"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize("member", ["owner", "admin_user", "viewer"])
def test_the_customers_page_follows_the_filters(customers, client, request, member):
    client.force_login(request.getfixturevalue(member))
    html = client.get(reverse("ecommerce:customers"), {**DATES, "country": "United Kingdom"}).content.decode()
    assert "2 customers: 1 new, 1 returning (bought before the dates)" in html
    assert 'id="filters-note"' not in html  # every table of the page follows them
    for path in ("segments", "cohorts"):
        query = "date_from=2011-01-01&amp;date_to=2011-02-28&amp;country=United+Kingdom&amp;format=csv"
        assert f"/api/v1/ecommerce/customers/{path}?{query}" in html


def test_outsiders_see_their_own_customers_and_anonymous_is_sent_to_log_in(customers, outsider, client):
    client.force_login(outsider)
    html = client.get(reverse("ecommerce:customers"), {**DATES, "country": "France"}).content.decode()
    assert "country: no country &#x27;France&#x27; in this workspace." in html
    assert "1 new" not in html
    client.logout()
    response = client.get(reverse("ecommerce:customers"), {"country": "France"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("member", ["owner", "admin_user", "viewer"])
def test_a_customer_is_a_customer_since_their_first_purchase_ever(customers, api_as, client, request, member):
    user = request.getfixturevalue(member)
    detail = api_as(user).get(BASE + "customers/OLD", DATES).json()
    assert (detail["acquired"], detail["first_purchase"]) == ("2010-12-05T12:00:00+00:00", "2011-01-10T12:00:00+00:00")
    client.force_login(user)
    html = client.get(reverse("ecommerce:customer", args=["OLD"]), DATES).content.decode()
    assert "<dt>Customer since</dt><dd>2010-12-05T12:00</dd>" in html


def test_outsiders_and_anonymous_read_no_customer(customers, other_workspace, outsider, api_as, anon_api):
    assert api_as(outsider).get(BASE + "customers/OLD", DATES).status_code == 404  # not a member of ours
    assert api_as(outsider, other_workspace).get(BASE + "customers/OLD", DATES).status_code == 404  # none there
    assert anon_api.get(BASE + "customers/OLD", DATES).status_code == 401
