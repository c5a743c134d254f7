"""The whole UCI Online Retail file through the import, on PostgreSQL.

The expected figures (``EXPECTED``) were derived independently of the importer, with pandas 2,
from the cleaning rules of DESIGN §4, once::

    df = pd.read_csv(DATA, dtype=str, keep_default_na=False, encoding="iso-8859-1")
    dup = df.duplicated(keep="first"); d = df[~dup]                       -> 541,909 rows; 5,268 duplicates
    a = d.InvoiceNo.str.startswith("A"); c = d.InvoiceNo.str.startswith("C")  -> 3 adjustments; 9,251 returns
    rest = d[~a & ~c]; q = rest.Quantity.astype(int); p = rest.UnitPrice.map(Decimal)
    qbad = q <= 0 (1,336; all of them also have price 0); pbad = (p <= 0) & ~qbad (1,174)
    s = rest[~qbad & ~pbad]                                                 -> 524,877 sales lines
    revenue = Σ Decimal(Quantity) × Decimal(UnitPrice) over s               -> 10,631,048.744
    returns value = Σ |Decimal(Quantity)| × Decimal(UnitPrice) over d[c]   -> 893,979.73
    orders = s.InvoiceNo.nunique() -> 19,959; customers = non-empty s.CustomerID nunique -> 4,338
    units = Σ s.Quantity -> 5,572,419; s rows without CustomerID -> 132,185
    non-product lines (NON_PRODUCT_CODES or gift_…) in s -> 2,340; distinct products in s -> 3,907
    df.InvoiceNo.nunique() -> 25,900
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum

from config.periods import Period
from ecommerce import analytics, services
from ecommerce.models import ImportJob, ReturnLine, SalesLine
from tests.factories import WorkspaceFactory

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "online-retail.csv.gz"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.exists(), reason=f"the real data file is absent ({DATA})"),
]

EXPECTED = {
    "rows_read": 541_909,
    "duplicates_dropped": 5_268,
    "adjustments_excluded": 3,
    "returns_kept": 9_251,
    "rejected": {"quantity_le_0": 1_336, "price_le_0": 1_174},
    "rejected_total": 2_510,
    "sales_lines_kept": 524_877,
    "descriptions_truncated": 0,
    "invoices_in_file": 25_900,
    "orders": 19_959,
    "customers": 4_338,
    "sales_lines_without_customer": 132_185,
    "non_product_sales_lines": 2_340,
    "revenue": "10631048.744",
    "returns_value": "893979.730",
    # The file's first and last invoice, 12/1/2010 8:26 and 12/9/2011 12:50, are GMT in London.
    "first_sale": "2010-12-01T08:26:00+00:00",
    "last_sale": "2011-12-09T12:50:00+00:00",
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the real-data import runs on PostgreSQL only")
def test_the_real_file_imports_with_the_expected_report_and_totals():
    workspace = WorkspaceFactory(slug="uk", timezone="Europe/London", currency="GBP")
    job = ImportJob.objects.create(workspace=workspace, source_name=DATA.name)
    with DATA.open("rb") as file:
        job = services.import_job_run(job=job, file=file)

    assert job.status == "succeeded", job.error
    assert {key: job.report[key] for key in EXPECTED} == EXPECTED
    assert job.report["encoding"] == "iso-8859-1"
    assert job.report["format"] == "csv.gz"

    sales = SalesLine.objects.filter(workspace=workspace)
    totals = sales.aggregate(
        revenue=Sum("amount"),
        units=Sum("quantity"),
        orders=Count("invoice_no", distinct=True),
        products=Count("stock_code", distinct=True, filter=Q(is_product=True)),
    )
    assert totals == {
        "revenue": Decimal("10631048.744"),
        "units": 5_572_419,
        "orders": 19_959,
        "products": 3_907,
    }
    assert sales.exclude(customer_id="").values("customer_id").distinct().count() == 4_338
    returns = ReturnLine.objects.filter(workspace=workspace).aggregate(value=Sum("amount"), lines=Count("id"))
    assert returns == {"value": Decimal("893979.730"), "lines": 9_251}
    assert len(job.sha256) == 64

    # The headline KPIs through the analytics every endpoint uses, from the figures above:
    # net revenue 10,631,048.744 − 893,979.730; AOV 10,631,048.744 / 19,959 = 532.644…;
    # return rate 893,979.730 / 10,631,048.744 = 0.08409…; nothing in the year before.
    kpis = analytics.kpis(workspace, Period())
    assert (kpis["date_from"], kpis["date_to"]) == ("2010-12-01", "2011-12-09")
    assert {name: kpis[name] for name in analytics.METRICS} == {
        "revenue": "10631048.74",
        "net_revenue": "9737069.01",
        "orders": 19_959,
        "customers": 4_338,
        "products": 3_907,
        "units": 5_572_419,
        "average_order_value": "532.64",
        "returns_value": "893979.73",
        "return_rate": 0.0841,
    }
    assert kpis["previous"]["revenue"] == "0.00"
    # The yearly and monthly series add up to the totals (each bucket's revenue is rounded to
    # the cent); an invoice has one timestamp, so no order is counted in two buckets.
    months = ["2010-12", *(f"2011-{month:02d}" for month in range(1, 13))]
    for interval, buckets in (("year", ["2010", "2011"]), ("month", months)):
        rows = analytics.revenue_series(workspace, Period(), interval)["rows"]
        assert [row["bucket"] for row in rows] == buckets
        assert sum(row["orders"] for row in rows) == 19_959
        assert sum(row["units"] for row in rows) == 5_572_419
        revenue = sum(Decimal(row["revenue"]) for row in rows)
        assert abs(revenue - Decimal("10631048.744")) <= Decimal("0.005") * len(rows)
    # December 2011 holds 9 days of data (to the 9th): partial, and its growth is not given;
    # December 2010 is whole from the first day of the data.
    rows = analytics.revenue_series(workspace, Period(), "month")["rows"]
    assert (rows[0]["partial"], rows[-1]["partial"]) == (False, True)
    assert (rows[-1]["growth_pct"], rows[-1]["growth_partial"]) == (None, True)
    _assert_net_rankings(workspace)
    _assert_acquisition_on_a_range(workspace)


def _assert_acquisition_on_a_range(workspace) -> None:
    """2011 (to the 9th of December) as a range: its customers split by their first purchase
    ever, derived with pandas from the cleaned sales lines with a customer, once::

        first = when.groupby(s.CustomerID).min(); ids = s[when >= "2011-01-01"].CustomerID.unique()
        len(ids) -> 4,219; (first[ids] >= "2011-01-01").sum() -> 3,453 new; the rest, 766, returning
        France's lines alone: 84 customers, 72 new, 12 returning

    The new ones are the 2011 cohorts; the whole history has no returning customer."""
    year = Period(dt.date(2011, 1, 1), dt.date(2011, 12, 9))
    segments = analytics.customer_segments(workspace, year)
    assert (segments["customers"], segments["new_customers"], segments["returning_customers"]) == (4_219, 3_453, 766)
    assert sum(cohort["customers"] for cohort in analytics.cohorts(workspace, year)["cohorts"]) == 3_453
    france = analytics.customer_segments(workspace, year, analytics.Scope(country="France"))
    assert (france["customers"], france["new_customers"], france["returning_customers"]) == (84, 72, 12)
    whole = analytics.customer_segments(workspace, Period())
    assert (whole["customers"], whole["new_customers"], whole["returning_customers"]) == (4_338, 4_338, 0)


def _frame_sums(frame, key: str):
    """Σ |quantity| × unit price per ``key``, exact (Decimal) like the importer."""
    amounts = frame.Quantity.map(lambda q: abs(Decimal(q))) * frame.UnitPrice.map(Decimal)
    return amounts.groupby(frame[key]).sum()


def _assert_net_rankings(workspace) -> None:
    """The net rankings against pandas on the file, from the cleaning rules alone (DESIGN §4):
    net = Σ sales − Σ returns per stock code (products only) and per customer."""
    import pandas as pd

    from ecommerce.models import is_product_code

    df = pd.read_csv(DATA, dtype=str, keep_default_na=False, encoding="iso-8859-1").drop_duplicates(keep="first")
    returns = df[df.InvoiceNo.str.startswith("C")]
    rest = df[~df.InvoiceNo.str.startswith(("A", "C"))]
    sales = rest[(rest.Quantity.astype(int) > 0) & (rest.UnitPrice.map(Decimal) > 0)]
    products = [frame[frame.StockCode.map(is_product_code)] for frame in (sales, returns)]
    net = _frame_sums(products[0], "StockCode").sub(_frame_sums(products[1], "StockCode"), fill_value=Decimal(0))
    expected = sorted(net.items(), key=lambda item: (-item[1], item[0]))[:10]
    rows = analytics.top_products(workspace, Period(), "net", 10)["rows"]
    assert [(row["stock_code"], row["net_revenue"]) for row in rows] == [
        (code, f"{value.quantize(Decimal('0.01'))}") for code, value in expected
    ]
    customers = [frame[frame.CustomerID != ""] for frame in (sales, returns)]
    spent = _frame_sums(customers[0], "CustomerID").sub(_frame_sums(customers[1], "CustomerID"), fill_value=Decimal(0))
    expected = sorted(spent.items(), key=lambda item: (-item[1], item[0]))[:10]
    rows = analytics.top_customers(workspace, Period(), "net", 10)["rows"]
    assert [(row["customer_id"], row["net_revenue"]) for row in rows] == [
        (code, f"{value.quantize(Decimal('0.01'))}") for code, value in expected
    ]
    # The two bulk orders reversed the same day (581483 by C581484, 541431 by C541433) are
    # flagged where they rank by gross; customer 12346's £77,183.60 is all returned.
    by_gross = {row["stock_code"]: row for row in analytics.top_products(workspace, Period(), "gross", 20)["rows"]}
    paper_craft = by_gross["23843"]
    assert (paper_craft["cancelled_orders"], paper_craft["cancelled_value"]) == (1, "168469.60")
    assert paper_craft["net_revenue"] == "0.00"
    customers_by_gross = analytics.top_customers(workspace, Period(), "gross", 250)["rows"]
    (first_customer,) = [row for row in customers_by_gross if row["customer_id"] == "12346"]
    assert {
        key: first_customer[key] for key in ("total_spent", "returns_value", "net_revenue", "cancelled_orders")
    } == {
        "total_spent": "77183.60",
        "returns_value": "77183.60",
        "net_revenue": "0.00",
        "cancelled_orders": 1,
    }
