"""Exact figures of every insight on the hand-built shop (see conftest.py for the table)."""

import datetime as dt
from decimal import Decimal

import pytest

from config.errors import NotFound
from config.periods import Period
from ecommerce import analytics
from tests.ecommerce.conftest import utc
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

JAN = Period(dt.date(2011, 1, 1), dt.date(2011, 1, 31))
FEB = Period(dt.date(2011, 2, 1), dt.date(2011, 2, 28))
EMPTY = Period(dt.date(2012, 6, 1), dt.date(2012, 6, 30))


def test_kpis_whole_history_follow_the_design_definitions(shop, other_shop):
    result = analytics.kpis(shop, Period())
    assert {key: result[key] for key in analytics.METRICS} == {
        "revenue": "112.80",
        "net_revenue": "94.95",
        "orders": 5,
        "customers": 3,  # A, B, C: the line without a customer is not one
        "products": 2,  # 85123A and 22423: POST and the gift voucher are not products
        "units": 21,
        "average_order_value": "22.56",
        "returns_value": "17.85",
        "return_rate": 0.1582,
    }
    # The open period is closed by the data's own first and last day.
    assert (result["date_from"], result["date_to"]) == ("2011-01-03", "2011-02-08")
    assert result["previous"]["date_from"] == "2010-11-27"
    assert result["previous"]["revenue"] == "0.00"
    assert result["deltas"]["revenue"] == {"change": "112.80", "pct": None}


def test_kpis_compare_with_the_previous_period_of_equal_length(shop):
    result = analytics.kpis(shop, FEB, compare="previous")
    assert result["revenue"] == "32.75"
    assert result["net_revenue"] == "20.00"
    assert result["average_order_value"] == "16.38"  # 16.375 rounded half up
    assert result["return_rate"] == 0.3893
    previous = result["previous"]
    assert (previous["date_from"], previous["date_to"]) == ("2011-01-04", "2011-01-31")
    assert previous["revenue"] == "46.75"  # lines 3 and 4; the 3rd of January is outside
    assert previous["customers"] == 1  # B; line 4 has no customer
    assert previous["returns_value"] == "5.10"
    assert result["deltas"]["revenue"] == {"change": "-14.00", "pct": -29.95}
    assert result["deltas"]["customers"] == {"change": 1, "pct": 100.0}
    assert result["deltas"]["orders"] == {"change": 0, "pct": 0.0}


def test_kpis_compare_with_the_year_before(shop):
    SalesLineFactory(workspace=shop, invoice_date=utc(2010, 2, 14, 12), quantity=4, unit_price=Decimal("5.00"))
    result = analytics.kpis(shop, FEB, compare="year")
    assert (result["previous"]["date_from"], result["previous"]["date_to"]) == ("2010-02-01", "2010-02-28")
    assert result["previous"]["revenue"] == "20.00"
    assert result["deltas"]["revenue"] == {"change": "12.75", "pct": 63.75}


def test_kpis_of_an_empty_range_are_zero(shop):
    result = analytics.kpis(shop, EMPTY, compare="none")
    assert result["revenue"] == "0.00"
    assert result["orders"] == 0
    assert result["average_order_value"] is None
    assert result["return_rate"] is None
    assert result["previous"] is None


def test_kpis_without_any_data(workspace):
    result = analytics.kpis(workspace, Period())
    assert result["revenue"] == "0.00"
    assert result["date_from"] is None
    assert result["previous"] is None


def test_kpis_of_a_one_day_range(shop):
    result = analytics.kpis(shop, Period(dt.date(2011, 1, 4), dt.date(2011, 1, 4)))
    assert (result["revenue"], result["orders"], result["customers"], result["units"]) == ("46.75", 2, 1, 12)
    assert result["previous"]["date_from"] == result["previous"]["date_to"] == "2011-01-03"
    assert result["previous"]["revenue"] == "33.30"


def test_three_decimal_prices_sum_exactly(workspace):
    for _ in range(3):
        SalesLineFactory(workspace=workspace, quantity=1, unit_price=Decimal("0.005"))
    assert analytics.kpis(workspace, Period())["revenue"] == "0.02"  # 0.015 rounded half up, once


def test_monthly_series_marks_partial_months_and_compares_no_growth_with_them(shop):
    """The data run from 3 January to 8 February: both months are partial, so February's growth
    (−59.09 % as if whole) is not given."""
    result = analytics.revenue_series(shop, Period(), "month")
    assert result["rows"] == [
        {
            "bucket": "2011-01",
            "start": "2011-01-01",
            "revenue": "80.05",
            "orders": 3,
            "units": 19,
            "partial": True,
            "growth_pct": None,
            "growth_partial": False,
        },
        {
            "bucket": "2011-02",
            "start": "2011-02-01",
            "revenue": "32.75",
            "orders": 2,
            "units": 2,
            "partial": True,
            "growth_pct": None,
            "growth_partial": True,
        },
    ]


@pytest.fixture
def spring(workspace):
    """One 10.00 sale on 15 March, 10 April and 20 May 2011, 30.00 on 25 April."""
    for day, price in (((3, 15), "10.00"), ((4, 10), "10.00"), ((4, 25), "30.00"), ((5, 20), "10.00")):
        SalesLineFactory(workspace=workspace, invoice_date=utc(2011, *day, 12), quantity=1, unit_price=Decimal(price))
    return workspace


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # March from the 15th and May to the 20th hold data only in part, whatever the range.
        (Period(), [("2011-03", True, None, False), ("2011-04", False, None, True), ("2011-05", True, None, True)]),
        (
            Period(dt.date(2011, 3, 1), dt.date(2011, 5, 31)),
            [("2011-03", True, None, False), ("2011-04", False, None, True), ("2011-05", True, None, True)],
        ),
        # A range that covers April alone: whole, and nothing before it to compare with.
        (Period(dt.date(2011, 4, 1), dt.date(2011, 4, 30)), [("2011-04", False, None, False)]),
        # A range that cuts April: partial.
        (Period(dt.date(2011, 4, 1), dt.date(2011, 4, 20)), [("2011-04", True, None, False)]),
    ],
)
def test_partial_buckets_follow_the_range_and_the_data(spring, period, expected):
    rows = analytics.revenue_series(spring, period, "month")["rows"]
    assert [(r["bucket"], r["partial"], r["growth_pct"], r["growth_partial"]) for r in rows] == expected


def test_whole_buckets_keep_their_growth(spring):
    """Weeks from Monday 11 April to Sunday 24 April lie wholly inside the data: 10.00 then 0.00."""
    rows = analytics.revenue_series(spring, Period(dt.date(2011, 4, 11), dt.date(2011, 4, 24)), "week")["rows"]
    assert [(r["bucket"], r["revenue"], r["partial"], r["growth_pct"]) for r in rows] == [
        ("2011-04-11", "0.00", False, None),
        ("2011-04-18", "0.00", False, None),
    ]
    rows = analytics.revenue_series(spring, Period(dt.date(2011, 4, 4), dt.date(2011, 5, 1)), "week")["rows"]
    assert [(r["bucket"], r["revenue"], r["partial"], r["growth_pct"]) for r in rows] == [
        ("2011-04-04", "10.00", False, None),
        ("2011-04-11", "0.00", False, -100.0),
        ("2011-04-18", "0.00", False, None),
        ("2011-04-25", "30.00", False, None),
    ]


def test_daily_series_is_zero_filled(shop):
    rows = analytics.revenue_series(shop, Period(dt.date(2011, 1, 3), dt.date(2011, 1, 6)), "day")["rows"]
    assert [(r["bucket"], r["revenue"], r["orders"], r["units"], r["growth_pct"]) for r in rows] == [
        ("2011-01-03", "33.30", 1, 7, None),
        ("2011-01-04", "46.75", 2, 12, 40.39),
        ("2011-01-05", "0.00", 0, 0, -100.0),
        ("2011-01-06", "0.00", 0, 0, None),
    ]


def test_weekly_series_starts_on_monday_and_fills_gaps(shop):
    rows = analytics.revenue_series(shop, Period(), "week")["rows"]
    assert [(r["bucket"], r["revenue"]) for r in rows] == [
        ("2011-01-03", "80.05"),
        ("2011-01-10", "0.00"),
        ("2011-01-17", "0.00"),
        ("2011-01-24", "0.00"),
        ("2011-01-31", "0.00"),
        ("2011-02-07", "32.75"),
    ]


def test_yearly_series(shop):
    rows = analytics.revenue_series(shop, Period(), "year")["rows"]
    assert rows == [
        {
            "bucket": "2011",
            "start": "2011-01-01",
            "revenue": "112.80",
            "orders": 5,
            "units": 21,
            "partial": True,  # 3 January to 8 February
            "growth_pct": None,
            "growth_partial": False,
        }
    ]


def test_series_of_an_empty_range_is_all_zero(shop):
    rows = analytics.revenue_series(shop, Period(dt.date(2012, 6, 1), dt.date(2012, 6, 3)), "day")["rows"]
    assert [(r["bucket"], r["revenue"]) for r in rows] == [
        ("2012-06-01", "0.00"),
        ("2012-06-02", "0.00"),
        ("2012-06-03", "0.00"),
    ]


def test_series_without_data_is_empty(workspace):
    assert analytics.revenue_series(workspace, Period(), "day")["rows"] == []


MONDAY = dt.date(1990, 1, 1)


@pytest.mark.parametrize(
    ("period", "interval"),
    [
        (Period(dt.date(2011, 1, 1), dt.date(2011, 4, 30)), "day"),  # 120 days
        (Period(dt.date(2011, 1, 1), dt.date(2011, 5, 1)), "week"),
        (Period(MONDAY, MONDAY + dt.timedelta(weeks=5000, days=-1)), "week"),  # 5,000 weeks, 5,000 before
        (Period(MONDAY, MONDAY + dt.timedelta(weeks=5000)), "month"),  # a day more: 5,001 weeks
        (Period(dt.date(1970, 1, 1), dt.date(2100, 12, 31)), "month"),  # the widest range the API takes
        (Period(dt.date(1500, 1, 1), dt.date(2100, 12, 31)), "year"),  # 7,212 months
    ],
)
def test_the_dashboard_series_takes_the_finest_interval_within_the_bucket_limit(period, interval):
    assert analytics.compare_interval(period) == interval


def test_a_century_wide_dashboard_series_is_monthly_and_zero_filled(shop):
    series = analytics.revenue_series_compare(shop, Period(dt.date(1970, 1, 1), dt.date(2100, 12, 31)))
    assert series["interval"] == "month"
    assert len(series["rows"]) == 131 * 12
    assert [(r["bucket"], r["revenue"]) for r in series["rows"] if r["revenue"] != "0.00"] == [
        ("2011-01", "80.05"),
        ("2011-02", "32.75"),
    ]
    previous = series["previous"]
    assert (previous["date_from"], previous["date_to"], len(previous["rows"])) == ("1839-01-01", "1969-12-31", 1572)


def test_buckets_follow_the_workspace_time_zone(workspace):
    """23:30 UTC on Monday 31 January is 00:30 on Tuesday 1 February in Berlin."""
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 31, 23, 30), quantity=2, unit_price=Decimal("5"))
    day = analytics.revenue_series(workspace, Period(), "day")["rows"]
    assert [(r["bucket"], r["revenue"]) for r in day] == [("2011-02-01", "10.00")]
    month = analytics.revenue_series(workspace, Period(), "month")["rows"]
    assert [r["bucket"] for r in month] == ["2011-02"]
    hours = analytics.revenue_by_hour(workspace, Period())["rows"]
    assert hours[0]["revenue"] == "10.00"
    assert hours[23]["revenue"] == "0.00"
    weekdays = analytics.revenue_by_weekday(workspace, Period())["rows"]
    assert weekdays[1] == {
        "weekday": 2,
        "name": "Tuesday",
        "revenue": "10.00",
        "orders": 1,
        "units": 2,
        "revenue_share": 1.0,
    }
    # Date ranges are local days too: the line belongs to 1 February, not 31 January.
    assert analytics.kpis(workspace, Period(dt.date(2011, 2, 1), dt.date(2011, 2, 1)))["revenue"] == "10.00"
    assert analytics.kpis(workspace, Period(dt.date(2011, 1, 31), dt.date(2011, 1, 31)))["revenue"] == "0.00"


def test_countries_ranked_with_share_and_ireland_label(shop, other_shop):
    result = analytics.countries(shop, Period(), "revenue", 10)
    assert result["total_revenue"] == "112.80"
    assert result["rows"] == [
        {
            "country": "United Kingdom",
            "label": "United Kingdom",
            "revenue": "67.30",
            "units": 18,
            "orders": 3,
            "customers": 1,
            "average_order_value": "22.43",
            "revenue_share": 0.5966,
        },
        {
            "country": "EIRE",
            "label": "Ireland",
            "revenue": "25.50",
            "units": 2,
            "orders": 1,
            "customers": 1,
            "average_order_value": "25.50",
            "revenue_share": 0.2261,
        },
        {
            "country": "France",
            "label": "France",
            "revenue": "20.00",
            "units": 1,
            "orders": 1,
            "customers": 1,
            "average_order_value": "20.00",
            "revenue_share": 0.1773,
        },
    ]


def test_countries_by_units_with_limit(shop):
    SalesLineFactory(workspace=shop, country="France", quantity=30, unit_price=Decimal("0.10"), customer_id="C")
    result = analytics.countries(shop, Period(), "units", 2)
    assert [(r["country"], r["units"]) for r in result["rows"]] == [("France", 31), ("United Kingdom", 18)]
    assert result["countries_total"] == 3


@pytest.mark.parametrize("name", ["Ireland", "EIRE", "eire", "ireland"])
def test_country_detail_accepts_ireland_and_eire(shop, name):
    result = analytics.country_detail(shop, Period(), name)
    assert result["country"] == "EIRE"
    assert result["label"] == "Ireland"
    assert result["kpis"] == {
        "revenue": "25.50",
        "net_revenue": "12.75",
        "orders": 1,
        "customers": 1,
        "products": 1,
        "units": 2,
        "average_order_value": "25.50",
        "returns_value": "12.75",
        "return_rate": 0.5,
    }
    assert [(r["bucket"], r["revenue"]) for r in result["monthly"]] == [("2011-01", "25.50"), ("2011-02", "0.00")]
    assert result["top_products"] == [
        {
            "stock_code": "22423",
            "description": "REGENCY CAKESTAND 3 TIER",
            "revenue": "25.50",
            "units": 2,
            "orders": 1,
            "average_price": "12.75",
            # C2002 was B's, in EIRE: 1 × 12.75 back.
            "returns_value": "12.75",
            "returned_units": 1,
            "net_revenue": "12.75",
            "return_rate": 0.5,
            "cancelled_orders": 0,
            "cancelled_value": "0.00",
        }
    ]


def test_unknown_country_is_not_found(shop, other_shop):
    with pytest.raises(NotFound):
        analytics.country_detail(shop, Period(), "Atlantis")
    with pytest.raises(NotFound):  # another tenant's country does not exist here
        analytics.country_detail(shop, Period(), "Germany")


def test_top_customers_rank_by_net_and_skip_lines_without_customer(shop):
    """Net: A 46.05 − 5.10 (C2001) = 40.95; C 20.00; B 25.50 − 12.75 (C2002) = 12.75."""
    rows = analytics.top_customers(shop, Period(), "net", 10)["rows"]
    assert rows == [
        {
            "customer_id": "A",
            "country": "United Kingdom",
            "total_spent": "46.05",
            "units": 8,
            "orders": 2,
            "avg_order_value": "23.03",
            "first_purchase": "2011-01-03T10:15:00+00:00",
            "last_purchase": "2011-02-07T09:05:00+00:00",
            "returns_value": "5.10",
            "returned_units": 2,
            "net_revenue": "40.95",
            "return_rate": 0.1107,
            "cancelled_orders": 0,
            "cancelled_value": "0.00",
        },
        {
            "customer_id": "C",
            "country": "France",
            "total_spent": "20.00",
            "units": 1,
            "orders": 1,
            "avg_order_value": "20.00",
            "first_purchase": "2011-02-08T16:20:00+00:00",
            "last_purchase": "2011-02-08T16:20:00+00:00",
            "returns_value": "0.00",
            "returned_units": 0,
            "net_revenue": "20.00",
            "return_rate": 0.0,
            "cancelled_orders": 0,
            "cancelled_value": "0.00",
        },
        {
            "customer_id": "B",
            "country": "Ireland",
            "total_spent": "25.50",
            "units": 2,
            "orders": 1,
            "avg_order_value": "25.50",
            "first_purchase": "2011-01-04T14:30:00+00:00",
            "last_purchase": "2011-01-04T14:30:00+00:00",
            "returns_value": "12.75",
            "returned_units": 1,
            "net_revenue": "12.75",
            "return_rate": 0.5,
            "cancelled_orders": 0,
            "cancelled_value": "0.00",
        },
    ]
    assert [r["customer_id"] for r in analytics.top_customers(shop, Period(), "net", 1)["rows"]] == ["A"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("gross", [("A", "46.05"), ("B", "25.50"), ("C", "20.00")]),
        ("revenue", [("A", "46.05"), ("B", "25.50"), ("C", "20.00")]),
        ("units", [("A", "46.05"), ("B", "25.50"), ("C", "20.00")]),  # 8, 2, 1 units
        ("returns", [("B", "25.50"), ("A", "46.05"), ("C", "20.00")]),  # 12.75, 5.10, 0
    ],
)
def test_top_customers_other_orderings(shop, order_by, expected):
    rows = analytics.top_customers(shop, Period(), order_by, 10)["rows"]
    assert [(r["customer_id"], r["total_spent"]) for r in rows] == expected


def test_rfm_segments_by_hand(shop):
    """Reference day 2011-02-09. Recency A 2, B 36, C 1 -> R: B 2, A 4, C 5. Orders A 2, B 1, C 1
    -> F: B and C tie (pct 0.5) 3, A 5. Spent C 20 < B 25.50 < A 46.05 -> M: C 2, B 4, A 5.
    FM = round half up((F+M)/2): A 5, B 4, C 3. A (4, 5) Champions; B (2, 4) At risk; C (5, 3) Loyal."""
    frame, _ = analytics.rfm_frame(shop, Period())
    scores = {row.customer_id: (row.r, row.f, row.m, row.fm, row.segment) for row in frame.itertuples()}
    assert scores == {
        "A": (4, 5, 5, 5, "Champions"),
        "B": (2, 3, 4, 4, "At risk"),
        "C": (5, 3, 2, 3, "Loyal"),
    }
    result = analytics.customer_segments(shop, Period())
    assert result["reference_date"] == "2011-02-09"
    assert result["customers"] == 3
    assert result["revenue"] == "91.55"
    by_name = {row["segment"]: row for row in result["rows"]}
    assert list(by_name) == list(analytics.SEGMENTS)
    assert by_name["Champions"] == {
        "segment": "Champions",
        "customers": 1,
        "customers_share": 0.3333,
        "revenue": "46.05",
        "revenue_share": 0.503,
        "avg_recency_days": 2.0,
        "avg_orders": 2.0,
        "avg_spent": "46.05",
    }
    assert (by_name["At risk"]["revenue"], by_name["At risk"]["revenue_share"]) == ("25.50", 0.2785)
    assert (by_name["Loyal"]["revenue"], by_name["Loyal"]["revenue_share"]) == ("20.00", 0.2185)
    assert by_name["Lost"]["customers"] == 0
    assert by_name["Lost"]["revenue_share"] == 0.0


@pytest.mark.parametrize(
    ("r", "fm", "segment"),
    [
        (5, 5, "Champions"),
        (4, 4, "Champions"),
        (3, 5, "Loyal"),
        (5, 3, "Loyal"),
        (5, 1, "New"),
        (4, 1, "Potential"),
        (3, 2, "Potential"),
        (2, 5, "Can't lose"),
        (1, 5, "Can't lose"),
        (2, 3, "At risk"),
        (1, 4, "At risk"),
        (2, 2, "Hibernating"),
        (2, 1, "Hibernating"),
        (1, 2, "Lost"),
        (1, 1, "Lost"),
    ],
)
def test_segment_mapping(r, fm, segment):
    assert analytics.segment_for(r, fm) == segment


def test_every_score_pair_has_a_segment():
    assert {analytics.segment_for(r, fm) for r in range(1, 6) for fm in range(1, 6)} == set(analytics.SEGMENTS)


def test_segments_without_customers(workspace):
    SalesLineFactory(workspace=workspace, customer_id="")
    result = analytics.customer_segments(workspace, Period())
    assert result["customers"] == 0
    assert all(row["customers"] == 0 for row in result["rows"])


def test_historical_lifetime_value_by_segment(shop):
    result = analytics.lifetime_value(shop, Period())
    champions = result["historical"][0]
    assert champions == {
        "segment": "Champions",
        "customers": 1,
        "revenue": "46.05",
        "avg_clv": "46.05",
        "avg_orders": 2.0,
        "avg_order_value": "23.03",
    }
    # Three customers are too few to fit a model: said plainly, not a crash.
    assert result["predicted"]["available"] is False


def test_monthly_cohorts(shop):
    result = analytics.cohorts(shop, Period())
    assert result["cohorts"] == [
        {"cohort": "2011-01", "customers": 2, "retention_pct": [100.0, 50.0], "revenue": ["58.80", "12.75"]},
        {"cohort": "2011-02", "customers": 1, "retention_pct": [100.0], "revenue": ["20.00"]},
    ]
    assert result["rows"][1] == {
        "cohort": "2011-01",
        "months_since": 1,
        "customers": 1,
        "retention_pct": 50.0,
        "revenue": "12.75",
    }


def test_cohorts_of_an_empty_range(shop):
    assert analytics.cohorts(shop, EMPTY)["cohorts"] == []


HEART = {
    "stock_code": "85123A",
    "description": "WHITE HANGING HEART T-LIGHT HOLDER",
    "revenue": "36.55",
    "units": 16,
    "orders": 2,
    "average_price": "2.28",
    "returns_value": "5.10",
    "returned_units": 2,
    "net_revenue": "31.45",
    "return_rate": 0.1395,
    "cancelled_orders": 0,
    "cancelled_value": "0.00",
}
CAKESTAND = {
    "stock_code": "22423",
    "description": "REGENCY CAKESTAND 3 TIER",
    "revenue": "38.25",
    "units": 3,
    "orders": 2,
    "average_price": "12.75",
    "returns_value": "12.75",
    "returned_units": 1,
    "net_revenue": "25.50",
    "return_rate": 0.3333,
    "cancelled_orders": 0,
    "cancelled_value": "0.00",
}


def test_top_products_rank_by_net_and_exclude_non_product_codes(shop):
    """Net: 85123A 36.55 − 5.10 = 31.45 ahead of 22423 38.25 − 12.75 = 25.50; gross the other way."""
    assert analytics.top_products(shop, Period(), "net", 10)["rows"] == [HEART, CAKESTAND]
    assert analytics.top_products(shop, Period(), "gross", 10)["rows"] == [CAKESTAND, HEART]
    assert analytics.top_products(shop, Period(), "returns", 10)["rows"] == [CAKESTAND, HEART]
    by_units = analytics.top_products(shop, Period(), "units", 1)["rows"]
    assert [(r["stock_code"], r["units"]) for r in by_units] == [("85123A", 16)]


def test_revenue_growth_month_over_month(shop):
    assert analytics.revenue_growth(shop, Period())["rows"] == [
        {
            "month": "2011-01",
            "start": "2011-01-01",
            "revenue": "80.05",
            "previous_revenue": None,
            "change": None,
            "partial": True,
            "growth_pct": None,
            "growth_partial": False,
        },
        {
            "month": "2011-02",
            "start": "2011-02-01",
            "revenue": "32.75",
            "previous_revenue": "80.05",
            "change": "-47.30",
            "partial": True,
            "growth_pct": None,  # two partial months
            "growth_partial": True,
        },
    ]


def test_revenue_by_hour_has_all_24_hours_in_order(shop):
    rows = analytics.revenue_by_hour(shop, Period())["rows"]
    assert [r["hour"] for r in rows] == list(range(24))
    assert {r["hour"]: (r["revenue"], r["orders"], r["units"]) for r in rows if r["orders"]} == {
        9: ("12.75", 1, 1),
        10: ("33.30", 1, 7),
        14: ("46.75", 2, 12),
        16: ("20.00", 1, 1),
    }


def test_revenue_by_weekday_has_all_days_monday_first(shop):
    rows = analytics.revenue_by_weekday(shop, Period())["rows"]
    assert [r["name"] for r in rows] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert (rows[0]["revenue"], rows[0]["orders"], rows[0]["units"]) == ("46.05", 2, 8)
    assert (rows[1]["revenue"], rows[1]["orders"], rows[1]["units"]) == ("66.75", 3, 13)
    assert all(r["revenue"] == "0.00" for r in rows[2:])


def test_weekday_hour_grid(shop):
    rows = analytics.revenue_by_weekday_hour(shop, Period())["rows"]
    assert len(rows) == 7 * 24
    assert rows[14 + 24] == {"weekday": 2, "name": "Tuesday", "hour": 14, "revenue": "46.75", "orders": 2}


def test_other_tenants_lines_never_count(shop, other_shop):
    assert analytics.top_customers(shop, Period(), limit=10)["rows"][0]["customer_id"] == "A"
    assert analytics.top_products(shop, Period(), "revenue", 10)["rows"][0]["stock_code"] == "22423"
    assert analytics.revenue_by_hour(shop, Period())["rows"][12]["revenue"] == "0.00"


def test_insights_of_one_block_read_each_reduction_once(shop, django_assert_num_queries):
    """A page's insights share the database's reductions; the figures are those of separate
    reads, and a new block reads afresh."""

    def overview():
        return [
            analytics.kpis(shop, JAN),
            analytics.revenue_series(shop, JAN, "day"),
            analytics.countries(shop, JAN, limit=250),
            analytics.revenue_by_weekday_hour(shop, JAN),
            analytics.revenue_growth(shop, JAN),
            analytics.customer_segments(shop, JAN),
            analytics.lifetime_value(shop, JAN),
            analytics.cohorts(shop, JAN),
        ]

    apart = overview()
    # Per period of the KPIs (January, and December before it) the sums per invoice and the
    # distinct products; the returns of both; the data's bounds (partial buckets); the customers'
    # RFM; their spend per day (lifetime value and cohorts); their first purchases ever (the
    # cohorts of a range). Nothing more for the others.
    with analytics.shared_reads(), django_assert_num_queries(9):
        assert overview() == apart
    assert apart[2]["rows"][0]["revenue"] == "54.55"  # 1001 (15.30 + 18.00) and 1003 (21.25), UK

    SalesLineFactory(workspace=shop, invoice_date=utc(2011, 1, 20, 12), quantity=1, unit_price=Decimal("5.00"))
    with analytics.shared_reads():
        assert analytics.countries(shop, JAN)["total_revenue"] == "85.05"  # 80.05 + 5.00
