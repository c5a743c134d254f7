"""Exact figures of the analytics endpoints on the five hand-built records of ``sales_data``."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import Membership
from config.periods import Period
from sales import analytics
from tests.factories import MembershipFactory
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_summary_of_whole_history_closes_the_period_on_the_data(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/summary").json()
    assert dt.datetime.fromisoformat(body.pop("data_as_of")) <= dt.datetime.now(tz=dt.UTC)
    assert body == {
        "total_revenue": "480.00",
        "total_ad_spend": "120.00",
        "roas": 4.0,
        "records": 5,
        "stores": 2,
        "date_from": "2026-02-27",
        "date_to": "2026-03-31",
        # 33 days before 2026-02-27: nothing was sold, so there is no base for a change.
        "previous": {
            "total_revenue": "0.00",
            "total_ad_spend": "0.00",
            "roas": None,
            "records": 0,
            "stores": 0,
            "date_from": "2026-01-25",
            "date_to": "2026-02-26",
        },
        "change": {"total_revenue": None, "total_ad_spend": None, "roas": None, "records": None},
    }


def test_summary_of_march_compares_with_the_31_days_before(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/summary", {"date_from": "2026-03-01", "date_to": "2026-03-31"}).json()
    assert body["total_revenue"] == "400.00"
    assert body["total_ad_spend"] == "100.00"
    assert body["roas"] == 4.0
    assert (body["records"], body["stores"]) == (4, 2)
    assert body["previous"] == {
        "total_revenue": "80.00",
        "total_ad_spend": "20.00",
        "roas": 4.0,
        "records": 1,
        "stores": 1,
        "date_from": "2026-01-29",
        "date_to": "2026-02-28",
    }
    assert body["change"] == {"total_revenue": 400.0, "total_ad_spend": 400.0, "roas": 0.0, "records": 300.0}


def test_summary_compare_year_uses_the_same_days_a_year_back(api_as, owner, sales_data, stores):
    SalesRecordFactory(store=stores[0], date=dt.date(2025, 3, 10), revenue=Decimal("160.00"), ad_spend=Decimal("80"))
    body = (
        api_as(owner)
        .get("/api/v1/sales/summary", {"date_from": "2026-03-01", "date_to": "2026-03-31", "compare": "year"})
        .json()
    )
    assert (body["previous"]["date_from"], body["previous"]["date_to"]) == ("2025-03-01", "2025-03-31")
    assert body["previous"]["total_revenue"] == "160.00"
    assert body["previous"]["roas"] == 2.0
    assert body["change"]["total_revenue"] == 150.0
    assert body["change"]["roas"] == 100.0


def test_summary_returns_null_roas_without_ad_spend(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/summary", {"date_from": "2026-03-03", "date_to": "2026-03-03"}).json()
    assert body["total_revenue"] == "50.50"
    assert body["total_ad_spend"] == "0.00"
    assert body["roas"] is None


def test_summary_of_an_empty_workspace_is_zero_with_null_roas(api_as, owner):
    body = api_as(owner).get("/api/v1/sales/summary").json()
    body.pop("data_as_of")
    assert body == {
        "total_revenue": "0.00",
        "total_ad_spend": "0.00",
        "roas": None,
        "records": 0,
        "stores": 0,
        "date_from": None,
        "date_to": None,
        "previous": None,
        "change": None,
    }


def test_summary_range_bounds_are_inclusive(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/summary", {"date_from": "2026-02-27", "date_to": "2026-03-02"}).json()
    assert (body["total_revenue"], body["records"]) == ("180.00", 2)
    only_from = api_as(owner).get("/api/v1/sales/summary", {"date_from": "2026-03-09"}).json()
    assert (only_from["total_revenue"], only_from["date_from"], only_from["date_to"]) == (
        "249.50",
        "2026-03-09",
        "2026-03-31",
    )


def test_series_by_week_is_zero_filled_on_monday_buckets(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/series", {"interval": "week"}).json()
    assert (body["interval"], body["date_from"], body["date_to"]) == ("week", "2026-02-27", "2026-03-31")
    assert body["buckets"] == [
        {"bucket": "2026-02-23", "revenue": "80.00", "ad_spend": "20.00", "roas": 4.0, "records": 1},
        {"bucket": "2026-03-02", "revenue": "150.50", "ad_spend": "40.00", "roas": 3.7625, "records": 2},
        {"bucket": "2026-03-09", "revenue": "200.00", "ad_spend": "50.00", "roas": 4.0, "records": 1},
        {"bucket": "2026-03-16", "revenue": "0.00", "ad_spend": "0.00", "roas": None, "records": 0},
        {"bucket": "2026-03-23", "revenue": "0.00", "ad_spend": "0.00", "roas": None, "records": 0},
        {"bucket": "2026-03-30", "revenue": "49.50", "ad_spend": "10.00", "roas": 4.95, "records": 1},
    ]


def test_series_by_month(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/series", {"interval": "month"}).json()
    assert body["buckets"] == [
        {"bucket": "2026-02-01", "revenue": "80.00", "ad_spend": "20.00", "roas": 4.0, "records": 1},
        {"bucket": "2026-03-01", "revenue": "400.00", "ad_spend": "100.00", "roas": 4.0, "records": 4},
    ]


def test_series_by_day_covers_the_requested_range_with_null_roas_where_nothing_was_spent(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/series", {"date_from": "2026-03-01", "date_to": "2026-03-04"}).json()
    assert body["buckets"] == [
        {"bucket": "2026-03-01", "revenue": "0.00", "ad_spend": "0.00", "roas": None, "records": 0},
        {"bucket": "2026-03-02", "revenue": "100.00", "ad_spend": "40.00", "roas": 2.5, "records": 1},
        {"bucket": "2026-03-03", "revenue": "50.50", "ad_spend": "0.00", "roas": None, "records": 1},
        {"bucket": "2026-03-04", "revenue": "0.00", "ad_spend": "0.00", "roas": None, "records": 0},
    ]


def test_series_of_an_empty_workspace_has_no_buckets(api_as, owner):
    body = api_as(owner).get("/api/v1/sales/series").json()
    body.pop("data_as_of")
    assert body == {
        "interval": "day",
        "date_from": None,
        "date_to": None,
        "buckets": [],
    }


def test_dates_are_days_of_the_workspace_time_zone(api_as, owner, workspace, stores):
    """At 2026-03-31 12:00 UTC it is already 1 April in Auckland: a record of 1 April is not in
    the future there, lands in the April bucket, and the fake data ends on 1 April."""
    workspace.timezone = "Pacific/Auckland"
    workspace.save()
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=False):
        client = api_as(owner)  # tokens are issued in the travelled time
        created = client.post(
            "/api/v1/sales/records/",
            {"store": stores[0].pk, "date": "2026-04-01", "revenue": "10.00", "ad_spend": "5.00"},
            format="json",
        )
        assert created.status_code == 201, created.content
        fake = client.post("/api/v1/sales/records/generate-fake?count=5&seed=1").json()
        assert fake["date_to"] == "2026-04-01"
    months = (
        api_as(owner)
        .get("/api/v1/sales/series", {"interval": "month", "date_from": "2026-03-01", "date_to": "2026-04-30"})
        .json()
    )
    april = next(bucket for bucket in months["buckets"] if bucket["bucket"] == "2026-04-01")
    assert april["records"] >= 1


def test_a_date_after_today_in_a_utc_workspace_is_refused(api_as, owner, stores):
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC), tick=False):
        response = api_as(owner).post(
            "/api/v1/sales/records/",
            {"store": stores[0].pk, "date": "2026-04-01", "revenue": "10.00", "ad_spend": "5.00"},
            format="json",
        )
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]


def test_top_users_rank_members_by_recorded_revenue(api_as, owner, admin_user, viewer, sales_data):
    body = api_as(owner).get("/api/v1/sales/top-users", {"limit": 10}).json()
    assert [(row["rank"], row["email"], row["total_revenue"], row["records"]) for row in body] == [
        (1, "admin@acme.test", "250.50", 2),
        (2, "owner@acme.test", "149.50", 2),
        (3, "viewer@acme.test", "80.00", 1),
    ]
    assert body[0]["user_id"] == admin_user.pk
    assert body[0]["roas"] == 5.01  # 250.50 / 50.00
    assert len(api_as(owner).get("/api/v1/sales/top-users").json()) == 3  # default limit
    assert [row["email"] for row in api_as(owner).get("/api/v1/sales/top-users", {"limit": 1}).json()] == [
        "admin@acme.test"
    ]


def test_top_users_ties_go_to_the_lower_user_id(api_as, owner, workspace, stores):
    later = MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__email="a-first@acme.test").user
    assert later.pk > owner.pk
    # Same revenue; the later user sorts first by email, but the tie-break is the user id.
    SalesRecordFactory(store=stores[0], revenue=Decimal("100.00"), recorded_by=later)
    SalesRecordFactory(store=stores[1], revenue=Decimal("60.00"), recorded_by=owner)
    SalesRecordFactory(store=stores[1], revenue=Decimal("40.00"), recorded_by=owner)
    body = api_as(owner).get("/api/v1/sales/top-users").json()
    assert [(row["user_id"], row["total_revenue"]) for row in body] == [(owner.pk, "100.00"), (later.pk, "100.00")]


def test_by_store_lists_every_store_even_without_sales(api_as, owner, workspace, sales_data):
    StoreFactory(workspace=workspace, name="East", city="Hull")
    body = api_as(owner).get("/api/v1/sales/by-store", {"date_from": "2026-03-01"}).json()
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    assert [
        (row["name"], row["total_revenue"], row["total_ad_spend"], row["roas"], row["records"])
        for row in body["results"]
    ] == [
        ("South", "249.50", "60.00", 4.1583, 2),
        ("North", "150.50", "40.00", 3.7625, 2),
        ("East", "0.00", "0.00", None, 0),
    ]


def test_analytics_functions_match_the_endpoints(workspace, sales_data):
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert analytics.summary(workspace, period)["total_revenue"] == "400.00"
    assert analytics.roas(Decimal(10), Decimal(0)) is None
    assert analytics.roas(Decimal(10), Decimal(4)) == 2.5


def test_summary_with_only_an_end_date_starts_at_the_first_record(api_as, owner, sales_data):
    body = api_as(owner).get("/api/v1/sales/summary", {"date_to": "2026-03-03"}).json()
    assert (body["date_from"], body["date_to"], body["total_revenue"], body["records"]) == (
        "2026-02-27",
        "2026-03-03",
        "230.50",
        3,
    )
    # Five days before the first record: nothing, by construction.
    assert (body["previous"]["date_from"], body["previous"]["date_to"], body["previous"]["records"]) == (
        "2026-02-22",
        "2026-02-26",
        0,
    )


def test_summary_of_the_whole_history_against_a_year_before(api_as, owner, sales_data, stores):
    SalesRecordFactory(store=stores[1], date=dt.date(2025, 3, 1), revenue=Decimal("240.00"), ad_spend=Decimal("60"))
    body = api_as(owner).get("/api/v1/sales/summary", {"compare": "year"}).json()
    assert (body["date_from"], body["date_to"], body["total_revenue"]) == ("2025-03-01", "2026-03-31", "720.00")
    assert (body["previous"]["date_from"], body["previous"]["date_to"]) == ("2024-03-01", "2025-03-31")
    assert (body["previous"]["total_revenue"], body["previous"]["stores"]) == ("240.00", 1)
    assert body["change"]["total_revenue"] == 200.0


def test_by_store_is_paginated_and_its_csv_holds_every_store(api_as, owner, workspace, sales_data):
    StoreFactory(workspace=workspace, name="East", city="Hull")
    client = api_as(owner)
    first = client.get("/api/v1/sales/by-store", {"date_from": "2026-03-01", "page_size": 2}).json()
    assert first["count"] == 3
    assert [row["name"] for row in first["results"]] == ["South", "North"]
    assert first["next"] == "http://testserver/api/v1/sales/by-store?date_from=2026-03-01&page=2&page_size=2"
    second = client.get("/api/v1/sales/by-store", {"date_from": "2026-03-01", "page_size": 2, "page": 2}).json()
    assert [row["name"] for row in second["results"]] == ["East"]
    assert client.get("/api/v1/sales/by-store", {"page": 9}).status_code == 404
    csv = client.get("/api/v1/sales/by-store", {"date_from": "2026-03-01", "format": "csv", "page_size": 1})
    lines = csv.content.decode().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["South", "North", "East"]
