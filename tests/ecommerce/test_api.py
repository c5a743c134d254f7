"""The analytics endpoints over HTTP: payloads, access, CSV, bad input, caching, query counts."""

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
import structlog
from django.core.cache import cache
from django.db import connection

from accounts.models import Membership
from ecommerce import tasks
from ecommerce.models import SalesLine
from tests.ecommerce.conftest import utc
from tests.ecommerce.factories import SalesLineFactory
from tests.ecommerce.import_helpers import csv_bytes, run_import
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"
ENDPOINTS = [
    "kpis",
    "series",
    "countries",
    "countries/Ireland",
    "transactions",
    "customers/top",
    "customers/segments",
    "customers/lifetime-value",
    "customers/cohorts",
    "products/top",
    "products/returned",
    "returns",
    "revenue/monthly",
    "revenue/growth",
    "revenue/by-hour",
    "revenue/by-weekday",
    "forecast",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_owner_and_viewer_read_every_endpoint(shop, owner, viewer, api_as, endpoint):
    for user in (owner, viewer):
        response = api_as(user).get(BASE + endpoint)
        assert response.status_code == 200, response.content
        assert "data_as_of" in response.json()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_gets_401(shop, anon_api, endpoint):
    response = anon_api.get(BASE + endpoint)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_outsider_asking_for_our_workspace_gets_404(shop, outsider, api_as, endpoint):
    response = api_as(outsider).get(BASE + endpoint)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_outsider_sees_only_their_own_workspace(shop, other_shop, outsider, api_as):
    client = api_as(outsider, other_shop)
    kpis = client.get(BASE + "kpis").json()
    assert (kpis["revenue"], kpis["orders"]) == ("100000.00", 1)
    countries = client.get(BASE + "countries").json()["rows"]
    assert [row["country"] for row in countries] == ["Germany"]
    assert client.get(BASE + "countries/Ireland").status_code == 404
    lines = client.get(BASE + "transactions").json()["results"]
    assert [line["invoice_no"] for line in lines] == ["9001"]
    # Without X-Workspace the personal or first workspace is used: still theirs.
    assert api_as(outsider, other_shop).get(BASE + "customers/top").json()["rows"][0]["customer_id"] == "Z"


def test_kpis_payload(shop, owner, api_as):
    body = api_as(owner).get(BASE + "kpis", {"date_from": "2011-02-01", "date_to": "2011-02-28"}).json()
    assert {k: body[k] for k in ("revenue", "net_revenue", "orders", "customers", "products", "units")} == {
        "revenue": "32.75",
        "net_revenue": "20.00",
        "orders": 2,
        "customers": 2,
        "products": 1,
        "units": 2,
    }
    assert body["previous"]["revenue"] == "46.75"
    assert body["deltas"]["revenue"] == {"change": "-14.00", "pct": -29.95}
    year = api_as(owner).get(BASE + "kpis", {"date_from": "2011-02-01", "date_to": "2011-02-28", "compare": "year"})
    assert year.json()["previous"]["date_from"] == "2010-02-01"


# The hand-built shop of conftest.py as a file, with what the cleaning drops: a duplicate of its
# first line, an adjustment, a line with quantity 0 and one with price 0.
SHOP_FILE = [
    ["1001", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "1/3/2011 10:15", "2.55", "A", "United Kingdom"],
    ["1001", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "1/3/2011 10:15", "2.55", "A", "United Kingdom"],
    ["1001", "POST", "POSTAGE", "1", "1/3/2011 10:15", "18.00", "A", "United Kingdom"],
    ["1002", "22423", "REGENCY CAKESTAND 3 TIER", "2", "1/4/2011 14:30", "12.75", "B", "EIRE"],
    ["1003", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "10", "1/4/2011 14:45", "2.125", "", "United Kingdom"],
    ["C2001", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "-2", "1/5/2011 11:00", "2.55", "A", "United Kingdom"],
    ["A1100", "B", "Adjust bad debt", "1", "1/6/2011 12:00", "-500.00", "", "United Kingdom"],
    ["1006", "22423", "REGENCY CAKESTAND 3 TIER", "0", "1/7/2011 09:00", "12.75", "B", "EIRE"],
    ["1007", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "3", "1/7/2011 09:30", "0", "", "United Kingdom"],
    ["1004", "22423", "REGENCY CAKESTAND 3 TIER", "1", "2/7/2011 9:05", "12.75", "A", "United Kingdom"],
    ["C2002", "22423", "REGENCY CAKESTAND 3 TIER", "-1", "2/8/2011 10:00", "12.75", "B", "EIRE"],
    ["1005", "gift_0001_20", "Gift Voucher 20", "1", "2/8/2011 16:20", "20.00", "C", "France"],
]


def test_endpoints_after_an_import_count_only_what_the_cleaning_kept(workspace, owner, api_as):
    job = run_import(workspace, csv_bytes(SHOP_FILE))
    assert (job.report["duplicates_dropped"], job.report["adjustments_excluded"]) == (1, 1)
    assert job.report["rejected"] == {"quantity_le_0": 1, "price_le_0": 1}
    client = api_as(owner)
    kpis = client.get(BASE + "kpis").json()
    # conftest.py's whole-history figures: the duplicate, the adjustment and the rejects add nothing.
    assert {name: kpis[name] for name in ("revenue", "returns_value", "net_revenue", "orders", "customers")} == {
        "revenue": "112.80",
        "returns_value": "17.85",
        "net_revenue": "94.95",
        "orders": 5,
        "customers": 3,
    }
    assert (kpis["products"], kpis["units"], kpis["average_order_value"]) == (2, 21, "22.56")
    assert kpis["return_rate"] == 0.1582  # 17.85 / 112.80
    series = client.get(BASE + "series", {"interval": "month"}).json()["rows"]
    assert [(r["bucket"], r["revenue"], r["orders"]) for r in series] == [
        ("2011-01", "80.05", 3),
        ("2011-02", "32.75", 2),
    ]
    transactions = client.get(BASE + "transactions", {"page_size": 50}).json()
    assert transactions["count"] == 6  # the sales lines; returns, adjustment and rejects are not sales


def test_series_payload(shop, owner, api_as):
    body = api_as(owner).get(BASE + "series", {"interval": "month"}).json()
    assert body["interval"] == "month"
    assert [(r["bucket"], r["revenue"], r["growth_pct"]) for r in body["rows"]] == [
        ("2011-01", "80.05", None),
        ("2011-02", "32.75", None),  # both months partial
    ]
    assert [(r["partial"], r["growth_partial"]) for r in body["rows"]] == [(True, False), (True, True)]


def test_countries_payload(shop, owner, api_as):
    body = api_as(owner).get(BASE + "countries", {"order_by": "units", "limit": 2}).json()
    assert [(r["label"], r["units"]) for r in body["rows"]] == [("United Kingdom", 18), ("Ireland", 2)]


@pytest.mark.parametrize(
    ("name", "label"), [("Ireland", "Ireland"), ("EIRE", "Ireland"), ("united%20kingdom", "United Kingdom")]
)
def test_country_detail_by_either_name(shop, owner, api_as, name, label):
    response = api_as(owner).get(BASE + f"countries/{name}")
    assert response.status_code == 200
    assert response.json()["label"] == label


def test_customer_product_and_revenue_payloads(shop, owner, api_as):
    client = api_as(owner)
    assert [r["customer_id"] for r in client.get(BASE + "customers/top", {"limit": 2}).json()["rows"]] == ["A", "C"]
    segments = client.get(BASE + "customers/segments").json()
    assert {r["segment"]: r["customers"] for r in segments["rows"] if r["customers"]} == {
        "Champions": 1,
        "Loyal": 1,
        "At risk": 1,
    }
    assert client.get(BASE + "customers/cohorts").json()["cohorts"][0]["retention_pct"] == [100.0, 50.0]
    assert client.get(BASE + "customers/lifetime-value").json()["historical"][0]["avg_clv"] == "46.05"
    products = client.get(BASE + "products/top", {"order_by": "units"}).json()["rows"]
    assert [p["stock_code"] for p in products] == ["85123A", "22423"]
    monthly = client.get(BASE + "revenue/monthly").json()["rows"]
    assert [(r["bucket"], r["revenue"], r["orders"]) for r in monthly] == [
        ("2011-01", "80.05", 3),
        ("2011-02", "32.75", 2),
    ]
    growth = client.get(BASE + "revenue/growth").json()["rows"]
    assert (growth[1]["change"], growth[1]["growth_pct"], growth[1]["growth_partial"]) == ("-47.30", None, True)
    assert len(client.get(BASE + "revenue/by-hour").json()["rows"]) == 24
    assert client.get(BASE + "revenue/by-weekday").json()["rows"][0]["name"] == "Monday"


def test_transactions_are_paginated_and_filterable(shop, owner, api_as):
    client = api_as(owner)
    body = client.get(BASE + "transactions", {"page_size": 2}).json()
    assert body["count"] == 6
    assert len(body["results"]) == 2
    assert body["results"][0] == {
        "id": body["results"][0]["id"],
        "invoice_no": "1005",
        "stock_code": "gift_0001_20",
        "description": "gift_0001_20",
        "quantity": 1,
        "unit_price": "20.000",
        "amount": "20.00",
        "invoice_date": "2011-02-08T16:20:00+00:00",
        "customer_id": "C",
        "country": "France",
        "country_label": "France",
        "is_product": False,
    }
    assert "data_as_of" in body
    by_country = client.get(BASE + "transactions", {"country": "Ireland"}).json()
    assert [line["invoice_no"] for line in by_country["results"]] == ["1002"]
    france = client.get(BASE + "transactions", {"country": "France"}).json()
    assert france["count"] == 1
    assert client.get(BASE + "transactions", {"country": "FRANCE"}).json()["results"] == france["results"]
    assert client.get(BASE + "transactions", {"country": "Atlantis"}).json()["count"] == 0
    by_customer = client.get(BASE + "transactions", {"customer": "A"}).json()
    assert by_customer["count"] == 3
    by_product = client.get(BASE + "transactions", {"product": "85123A"}).json()
    assert sorted(line["invoice_no"] for line in by_product["results"]) == ["1001", "1003"]
    by_dates = client.get(BASE + "transactions", {"date_from": "2011-01-04", "date_to": "2011-01-04"}).json()
    assert sorted(line["invoice_no"] for line in by_dates["results"]) == ["1002", "1003"]


def test_transactions_dates_are_local_to_the_workspace(workspace, owner, api_as):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    SalesLineFactory(workspace=workspace, invoice_no="7", invoice_date=utc(2011, 1, 31, 23, 30))
    client = api_as(owner)
    body = client.get(BASE + "transactions", {"date_from": "2011-02-01", "date_to": "2011-02-01"}).json()
    assert [(line["invoice_no"], line["invoice_date"]) for line in body["results"]] == [
        ("7", "2011-02-01T00:30:00+01:00")
    ]
    assert client.get(BASE + "transactions", {"date_to": "2011-01-31"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("series", {"interval": "fortnight"}, "interval"),
        ("kpis", {"date_from": "2011-02-01", "date_to": "2011-01-01"}, "date_to"),
        ("kpis", {"date_from": "yesterday"}, "date_from"),
        ("kpis", {"compare": "decade"}, "compare"),
        ("countries", {"limit": 10**9}, "limit"),
        ("countries", {"limit": 0}, "limit"),
        ("countries", {"order_by": "price"}, "order_by"),
        ("customers/top", {"limit": -1}, "limit"),
        ("customers/top", {"limit": 10**9}, "limit"),
        ("products/top", {"limit": "many"}, "limit"),
        ("products/top", {"limit": 10**9}, "limit"),
        ("countries/Ireland", {"limit": 10**9}, "limit"),
        ("forecast", {"periods": 0}, "periods"),
        ("forecast", {"periods": 10000}, "periods"),
        ("transactions", {"date_from": "2011-02-01", "date_to": "2011-01-01"}, "date_to"),
        ("transactions", {"date_from": "not-a-date"}, "date_from"),
        ("transactions", {"country": "Fr\x00ance"}, "country"),
        ("transactions", {"page_size": "x", "date_to": "0001-01-01"}, "date_to"),
        ("series", {"interval": "day", "date_from": "1970-01-01", "date_to": "2100-12-31"}, "interval"),
    ],
)
def test_bad_input_answers_400_in_the_error_shape(shop, owner, api_as, endpoint, params, field):
    response = api_as(owner).get(BASE + endpoint, params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert field in error["fields"]


def test_unknown_country_answers_404_in_the_error_shape(shop, owner, api_as):
    response = api_as(owner).get(BASE + "countries/Atlantis")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("name", ["%00", "Fr%00ance", "x" * 65])
def test_a_country_no_line_can_hold_answers_404_without_a_line_query(
    shop, owner, api_as, name, django_assert_num_queries
):
    # A NUL (PostgreSQL refuses it in a query: it was a 500) or a name longer than the column.
    client = api_as(owner)
    # The user with their membership, in one query (analytics read outside a request
    # transaction): the country is refused before any query on the lines.
    with django_assert_num_queries(1):
        response = client.get(BASE + f"countries/{name}")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_empty_range_and_one_day_range(shop, owner, api_as):
    client = api_as(owner)
    empty = client.get(BASE + "kpis", {"date_from": "2012-01-01", "date_to": "2012-01-31"}).json()
    assert (empty["revenue"], empty["orders"]) == ("0.00", 0)
    assert client.get(BASE + "countries", {"date_from": "2012-01-01", "date_to": "2012-01-31"}).json()["rows"] == []
    one_day = client.get(BASE + "series", {"date_from": "2011-01-03", "date_to": "2011-01-03"}).json()["rows"]
    assert [(r["bucket"], r["revenue"]) for r in one_day] == [("2011-01-03", "33.30")]


def test_csv_download(shop, owner, api_as):
    client = api_as(owner)
    response = client.get(BASE + "countries", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="countries.csv"' in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "country,label,revenue,units,orders,customers,average_order_value,revenue_share"
    assert lines[2] == "EIRE,Ireland,25.50,2,1,1,25.50,0.2261"
    kpis = client.get(BASE + "kpis", HTTP_ACCEPT="text/csv").content.decode().splitlines()
    assert kpis[0].startswith("date_from,date_to,revenue,net_revenue")
    transactions = client.get(BASE + "transactions", {"format": "csv"}).getvalue().decode().splitlines()
    assert transactions[0].startswith("id,invoice_no,stock_code")
    assert len(transactions) == 7
    for endpoint in ENDPOINTS:
        assert client.get(BASE + endpoint, {"format": "csv"}).status_code == 200, endpoint


def test_the_transactions_csv_streams_every_line_the_filters_select(shop, owner, api_as, monkeypatch):
    from ecommerce.api import views

    monkeypatch.setattr(views, "CSV_BATCH", 2)  # several batches out of the shop's six lines
    client = api_as(owner)
    response = client.get(BASE + "transactions", {"format": "csv", "page_size": 2, "page": 2})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="transactions.csv"' in response["Content-Disposition"]
    lines = response.getvalue().decode().splitlines()
    assert lines[0] == (
        "id,invoice_no,stock_code,description,quantity,unit_price,amount,invoice_date,customer_id,country,"
        "country_label,is_product"
    )
    # Every line, newest first, whatever the page asked for.
    assert [line.split(",")[1] for line in lines[1:]] == ["1005", "1004", "1003", "1002", "1001", "1001"]
    ireland = SalesLine.objects.get(workspace=shop, invoice_no="1002")
    assert lines[4] == (
        f"{ireland.pk},1002,22423,REGENCY CAKESTAND 3 TIER,2,12.750,25.50,2011-01-04T14:30:00+00:00,B,EIRE,Ireland,True"
    )
    february = client.get(BASE + "transactions", {"format": "csv", "date_from": "2011-02-01", "country": "france"})
    assert [line.split(",")[1] for line in february.getvalue().decode().splitlines()[1:]] == ["1005"]


def test_the_transactions_csv_by_role(shop, other_shop, viewer, outsider, api_as, anon_api):
    csv = {"format": "csv"}
    viewed = api_as(viewer).get(BASE + "transactions", csv)
    assert viewed.status_code == 200
    assert len(viewed.getvalue().decode().splitlines()) == 1 + 6
    # Another workspace's member: a 404 for ours, only their own line in theirs.
    assert api_as(outsider).get(BASE + "transactions", csv).json()["error"]["code"] == "not_found"
    theirs = api_as(outsider, other_shop).get(BASE + "transactions", csv).getvalue().decode().splitlines()
    assert [line.split(",")[1] for line in theirs[1:]] == ["9001"]
    assert anon_api.get(BASE + "transactions", csv).json()["error"]["code"] == "not_authenticated"


def test_a_bad_filter_of_the_transactions_csv_is_a_400_before_any_line(shop, owner, api_as):
    response = api_as(owner).get(BASE + "transactions", {"format": "csv", "date_from": "2011-02-30"})
    assert response.status_code == 400
    assert not response.streaming
    assert response.json()["error"]["code"] == "invalid"
    assert "date_from" in response.json()["error"]["fields"]


def test_session_auth_works_for_csv_links(shop, owner, client):
    client.force_login(owner)
    response = client.get(BASE + "products/top?format=csv")
    assert response.status_code == 200
    assert response.content.decode().splitlines()[1].startswith("85123A,")  # first by net value


def test_results_are_cached_until_the_data_version_moves(
    shop, owner, api_as, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from config.cache import bump_data_version

    client = api_as(owner)
    first = client.get(BASE + "kpis").json()
    # Cached: only the user with their membership, in one query (no request transaction for
    # analytics reads).
    with django_assert_num_queries(1):
        second = client.get(BASE + "kpis").json()
    assert second == first
    SalesLineFactory(workspace=shop, invoice_date=utc(2011, 2, 8, 12), quantity=1, unit_price=Decimal("1.00"))
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version("ecommerce", shop.id)
    assert client.get(BASE + "kpis").json()["revenue"] == "113.80"


def test_a_new_time_zone_buckets_the_next_answer_in_it(shop, owner, api_as, django_capture_on_commit_callbacks):
    client = api_as(owner)

    def hours() -> dict:
        rows = client.get(BASE + "revenue/by-hour").json()["rows"]
        return {row["hour"]: row["revenue"] for row in rows if row["revenue"] != "0.00"}

    assert hours() == {9: "12.75", 10: "33.30", 14: "46.75", 16: "20.00"}
    shop.timezone = "Asia/Tokyo"  # UTC+9 (as the admin edits it)
    with django_capture_on_commit_callbacks(execute=True):
        shop.save()
    assert hours() == {18: "12.75", 19: "33.30", 23: "46.75", 1: "20.00"}


def test_refresh_bypasses_the_cache_for_staff_only(shop, owner, staff_user, api_as):
    MembershipFactory(user=staff_user, workspace=shop, role=Membership.Role.VIEWER)
    api_as(owner).get(BASE + "kpis")
    SalesLineFactory(workspace=shop, invoice_date=utc(2011, 2, 8, 12), quantity=1, unit_price=Decimal("1.00"))
    # No version bump: the cached value stays until someone refreshes.
    assert api_as(owner).get(BASE + "kpis", {"refresh": "1"}).json()["revenue"] == "112.80"
    assert api_as(staff_user).get(BASE + "kpis", {"refresh": "1"}).json()["revenue"] == "113.80"


def test_pinned_query_counts(shop, owner, api_as, django_assert_num_queries):
    client = api_as(owner)
    # Analytics read outside a request transaction (the transactions list is inside one: its
    # requests also open and release a savepoint, ATOMIC_REQUESTS inside the test transaction).
    # user (JWT) with membership; data bounds (open period); per period (this one and the
    # previous) the sums per invoice and the distinct products; one returns aggregate over both.
    with django_assert_num_queries(7):
        assert client.get(BASE + "kpis").status_code == 200
    cache.clear()
    # The same without the data bounds (a bounded period).
    with django_assert_num_queries(6):
        assert client.get(BASE + "kpis", {"date_from": "2011-01-01", "date_to": "2011-01-31"}).status_code == 200
    # user with membership; data bounds; one grouped query.
    with django_assert_num_queries(3):
        assert client.get(BASE + "series", {"interval": "week"}).status_code == 200
    # user with membership; the sums per invoice, added up per country.
    with django_assert_num_queries(2):
        assert client.get(BASE + "countries").status_code == 200
    # user with membership; resolve the country; data bounds; the sums per invoice (KPIs and monthly
    # series), the distinct products, the returns; the products' sales and returns, then the top
    # ones' descriptions and orders; the returns with a customer, then the top products' lines by
    # customers who returned goods (no order is reversed: its lines are not read); the customers
    # likewise.
    with django_assert_num_queries(15):
        assert client.get(BASE + "countries/Ireland").status_code == 200
    # user with membership; count; page.
    with django_assert_num_queries(5):
        assert client.get(BASE + "transactions").status_code == 200
    # user with membership; the lines, read after the request's savepoint, as they are sent. On
    # PostgreSQL by one COPY (which Django's query log does not list) in a savepoint of its own
    # (opened, the time zone set, rolled back and released).
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 4):
        assert client.get(BASE + "transactions", {"format": "csv"}).getvalue()
    for endpoint, queries in (
        # sales and returns per customer; the top ones' orders and dates; the returns with a
        # customer; the top customers' lines by customers who returned goods
        ("customers/top", 5),
        ("customers/segments", 2),  # data bounds; recency, frequency and money per customer
        # data bounds; per customer; per customer and day; the stored fit looked up, and kept
        # (none yet: it is fitted now)
        ("customers/lifetime-value", 5),
        ("customers/cohorts", 1),  # spend per customer and day
        ("products/top", 5),  # as customers/top, per product
        ("products/returned", 5),  # the same ranking, by returns
        ("revenue/monthly", 2),  # data bounds; the sums per invoice
        ("revenue/growth", 2),  # data bounds; the sums per invoice
        ("revenue/by-hour", 1),  # the sums per invoice
        ("revenue/by-weekday", 1),  # the sums per invoice
    ):
        cache.clear()
        # user with membership, then the endpoint's own.
        with django_assert_num_queries(1 + queries):
            assert client.get(BASE + endpoint).status_code == 200, endpoint


def test_forecast_endpoint_reads_the_stored_fit(workspace, owner, api_as, monkeypatch):
    from ecommerce import forecasting, tasks

    day = dt.date(2011, 1, 3)
    for i in range(70):
        SalesLineFactory(
            workspace=workspace,
            invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=i),
            quantity=1,
            unit_price=Decimal(100 + 40 * ((day + dt.timedelta(days=i)).weekday() % 3)),
        )
    tasks.fit_forecast(workspace.id)

    def no_fitting(*args, **kwargs):
        raise AssertionError("fitted on the request path")

    monkeypatch.setattr(forecasting, "fit", no_fitting)
    body = api_as(owner).get(BASE + "forecast", {"periods": 14}).json()
    assert body["fit"]["source"] == "stored"
    assert len(body["forecast"]) == 14
    assert body["forecast"][0]["date"] == "2011-03-14"
    assert body["periods"] == 14


def test_forecast_fits_once_when_nothing_is_stored(workspace, owner, api_as):
    for i in range(40):
        SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=i), quantity=1)
    client = api_as(owner)
    first = client.get(BASE + "forecast", {"periods": 3}).json()
    assert first["fit"]["source"] == "request"
    second = client.get(BASE + "forecast", {"periods": 5}).json()
    assert second["fit"]["source"] == "stored"
    assert second["fitted_at"] == first["fitted_at"]
    assert len(second["forecast"]) == 5


def test_forecast_with_too_little_data_says_so(shop, owner, api_as):
    body = api_as(owner).get(BASE + "forecast", {"date_from": "2011-01-03", "date_to": "2011-01-20"}).json()
    assert body["forecast"] == []
    assert "at least" in body["note"]


def test_forecast_of_a_range_without_sales_says_so_in_json_and_csv(shop, owner, api_as):
    # 60 days without a sale: an ETS fit of zeros has AIC −inf, which JSON cannot carry.
    client = api_as(owner)
    params = {"date_from": "2012-01-01", "date_to": "2012-02-29"}
    response = client.get(BASE + "forecast", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["training_days"], body["forecast"], body["backtest"], body["holdout"]) == (60, [], None, None)
    assert body["note"] == "No sales in this range: nothing to forecast."
    assert body["history"][0] == {"date": "2012-01-01", "revenue": "0.00"}
    assert len(body["history"]) == 60
    csv = client.get(BASE + "forecast", {**params, "format": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content == b"\n"  # no forecast rows


def test_forecast_history_is_money_like_the_forecast(workspace, owner, api_as):
    for i in range(30):  # 2011-01-03 to 2011-02-01, 2.675 a day: rounded half up to the cent
        SalesLineFactory(
            workspace=workspace,
            invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=i),
            quantity=1,
            unit_price=Decimal("2.675"),
        )
    body = api_as(owner).get(BASE + "forecast", {"periods": 1}).json()
    assert body["history"] == [
        {"date": (dt.date(2011, 1, 3) + dt.timedelta(days=i)).isoformat(), "revenue": "2.68"} for i in range(30)
    ]
    assert [sorted(row) for row in body["forecast"]] == [
        ["date", "lower_80", "lower_95", "revenue", "upper_80", "upper_95"]
    ]
    assert all(isinstance(value, str) for value in body["forecast"][0].values())


def _fits(logs) -> list[str]:
    return [entry["model"] for entry in logs if entry["event"] == "model_fitted"]


def test_forecast_refresh_reads_the_series_again_and_refits_only_when_it_changed(
    workspace, owner, staff_user, api_as, django_assert_num_queries
):
    MembershipFactory(user=staff_user, workspace=workspace, role=Membership.Role.VIEWER)
    for i in range(40):  # 2011-01-03 to 2011-02-11
        SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=i), quantity=1)
    first = api_as(owner).get(BASE + "forecast").json()
    assert first["fit"]["source"] == "request"
    staff = api_as(staff_user)
    # User with membership; data bounds; daily series. The fit is read from the cache.
    with structlog.testing.capture_logs() as logs, django_assert_num_queries(3):
        again = staff.get(BASE + "forecast", {"refresh": "1"}).json()
    assert _fits(logs) == []
    assert again["fit"] == {"source": "stored", "fitted_at": first["fitted_at"]}
    assert again["data_as_of"] > first["data_as_of"]
    same = {k: v for k, v in first.items() if k not in ("fit", "data_as_of")}
    assert {k: v for k, v in again.items() if k not in ("fit", "data_as_of")} == same
    # A line written without bumping the data version: the cached answer stays as it was, while a
    # refresh reads the new series and, no fit of it existing, fits it.
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 2, 12, 12), quantity=1, unit_price=Decimal("500"))
    assert api_as(owner).get(BASE + "forecast").json()["training_days"] == 40
    with structlog.testing.capture_logs() as logs:
        refit = staff.get(BASE + "forecast", {"refresh": "1"}).json()
    assert _fits(logs) == ["forecast"]
    assert refit["fit"]["source"] == "request"
    assert refit["fitted_at"] > first["fitted_at"]
    assert (refit["training_days"], refit["history"][-1]) == (41, {"date": "2011-02-12", "revenue": "500.00"})
    # The refreshed answer is what everyone reads now, from the cache.
    assert api_as(owner).get(BASE + "forecast").json()["fitted_at"] == refit["fitted_at"]


def test_lifetime_value_is_fitted_by_the_warming_task_not_on_the_request(
    repeat_customers, owner, staff_user, api_as, django_assert_num_queries
):
    MembershipFactory(user=staff_user, workspace=repeat_customers, role=Membership.Role.VIEWER)
    with structlog.testing.capture_logs() as logs:
        tasks.warm_workspace_caches(repeat_customers.id)
    assert sorted(_fits(logs)) == ["clv", "forecast"]
    cached = api_as(owner).get(BASE + "customers/lifetime-value").json()
    assert cached["predicted"]["customers_fitted"] == 60
    staff = api_as(staff_user)
    # Uncached: user with membership; data bounds; per customer; per customer and day.
    with structlog.testing.capture_logs() as logs, django_assert_num_queries(4):
        refreshed = staff.get(BASE + "customers/lifetime-value", {"refresh": "1"}).json()
    assert _fits(logs) == []
    assert {k: v for k, v in refreshed.items() if k != "data_as_of"} == {
        k: v for k, v in cached.items() if k != "data_as_of"
    }
    # New data, no fit of them stored: the refresh fits them.
    SalesLineFactory(
        workspace=repeat_customers, customer_id="C60", invoice_date=utc(2011, 10, 28, 12), unit_price=Decimal("30")
    )
    with structlog.testing.capture_logs() as logs:
        refitted = staff.get(BASE + "customers/lifetime-value", {"refresh": "1"}).json()
    assert _fits(logs) == ["clv"]
    assert refitted["predicted"]["customers_fitted"] == 61


def test_csv_of_the_other_tables_of_a_payload(repeat_customers, owner, api_as):
    """``?table=`` picks another table of the payload for CSV: a list is rows, an object one row;
    the same figures as the JSON."""
    client = api_as(owner)
    ltv = client.get(BASE + "customers/lifetime-value").json()
    predicted = client.get(BASE + "customers/lifetime-value", {"format": "csv", "table": "predicted.by_segment"})
    lines = predicted.content.decode().splitlines()
    assert lines[0] == "segment,customers,avg_predicted_clv,total_predicted_clv,avg_expected_purchases"
    first = ltv["predicted"]["by_segment"][0]
    assert lines[1].split(",")[:4] == [
        first["segment"],
        str(first["customers"]),
        first["avg_predicted_clv"] or "",
        first["total_predicted_clv"],
    ]
    assert len(lines) == 1 + len(ltv["predicted"]["by_segment"])
    forecast = client.get(BASE + "forecast").json()
    backtest = client.get(BASE + "forecast", {"format": "csv", "table": "backtest"}).content.decode().splitlines()
    assert len(backtest) == 2
    # The candidates, a list, are one JSON cell: quoted, with commas inside.
    header, row = csv.reader(backtest)
    assert header[:3] == ["origins", "horizon_days", "first_origin"]
    cells = dict(zip(header, row, strict=True))
    assert cells["model.mae"] == str(forecast["backtest"]["model"]["mae"])
    assert json.loads(cells["candidates"]) == forecast["backtest"]["candidates"]
    candidates = client.get(BASE + "forecast", {"format": "csv", "table": "backtest.candidates"})
    lines = candidates.content.decode().splitlines()
    assert lines[0] == "name,label,mae,mape,mase,coverage_80,coverage_95"
    assert [line.split(",")[0] for line in lines[1:]] == [row["name"] for row in forecast["backtest"]["candidates"]]
    history = client.get(BASE + "forecast", {"format": "csv", "table": "history"}).content.decode().splitlines()
    assert history[0] == "date,revenue,annotations"  # a time series: its marks too
    assert len(history) == 1 + len(forecast["history"])


def test_an_unknown_csv_table_is_a_400_naming_the_choices(shop, owner, api_as):
    client = api_as(owner)
    bad = client.get(BASE + "forecast", {"format": "csv", "table": "secrets"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"table": ["One of: history, backtest, backtest.candidates, holdout."]}
    single = client.get(BASE + "kpis", {"table": "rows"})
    assert single.json()["error"]["fields"] == {"table": ["One of: none: this endpoint has one table."]}
