"""Series CSVs carry the annotations of each bucket (``annotations``): the workspace's, and on an
API project's series the project's too, in the series' own clock; a text a spreadsheet would run
as a formula is neutralised like any other cell."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client

from reports.models import Annotation
from reports.sharing import share_link_create
from tests.apimetrics.factories import ProjectFactory
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-04", "format": "csv"}
SALES_CSV = [
    "bucket,revenue,ad_spend,roas,records,annotations",
    "2026-03-01,0.00,0.00,,0,",
    "2026-03-02,0.00,0.00,,0,Promo start; Outage",
    "2026-03-03,0.00,0.00,,0,Outage",
    "2026-03-04,0.00,0.00,,0,'=cmd()",
]


def _utc(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def marks(workspace, other_workspace):
    """In UTC (the workspace's clock): a moment on the 2nd, a range from the 2nd to the 3rd, a
    hostile text on the 4th; a mark of one API project, of another one, and of another workspace."""
    workspace.timezone = "UTC"
    workspace.save()
    project = ProjectFactory(workspace=workspace, key="shop", timezone="America/New_York")
    other = ProjectFactory(workspace=workspace, key="other")
    Annotation.objects.create(workspace=workspace, starts_at=_utc(2, 10), text="Promo start")
    Annotation.objects.create(workspace=workspace, starts_at=_utc(2, 12), ends_at=_utc(3, 9), text="Outage")
    Annotation.objects.create(workspace=workspace, starts_at=_utc(4, 8), text="=cmd()")
    Annotation.objects.create(workspace=workspace, project_id=project.pk, starts_at=_utc(1, 15), text="Deploy")
    Annotation.objects.create(workspace=workspace, project_id=other.pk, starts_at=_utc(1, 15), text="Other API")
    Annotation.objects.create(workspace=other_workspace, starts_at=_utc(2, 10), text="Globex launch")
    return project


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer"])
def test_sales_series_csv_has_each_day_s_marks_for_every_member(request, api_as, marks, role):
    response = api_as(request.getfixturevalue(role)).get("/api/v1/sales/series", {**MARCH, "interval": "day"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == SALES_CSV


def test_series_csv_refuses_outsiders_and_anonymous_visitors(api_as, anon_api, outsider, marks):
    assert api_as(outsider).get("/api/v1/sales/series", MARCH).status_code == 404  # not a member of acme
    globex = api_as(outsider, outsider.memberships.get().workspace).get("/api/v1/sales/series", MARCH)
    assert [line.rsplit(",", 1)[1] for line in globex.content.decode().splitlines()] == [
        "annotations",
        "",
        "Globex launch",
        "",
        "",
    ]
    anonymous = anon_api.get("/api/v1/sales/series", MARCH)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"


def test_bad_interval_is_refused_in_the_error_shape(api_as, owner, marks):
    response = api_as(owner).get("/api/v1/sales/series", {**MARCH, "interval": "fortnight"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["interval"]


def test_ecommerce_weekly_series_csv_joins_the_marks_of_each_week(api_as, owner, marks):
    response = api_as(owner).get("/api/v1/ecommerce/series", {**MARCH, "interval": "week"})
    # Weeks start on Monday: Sunday 1 March is in the week of 23 February.
    assert response.content.decode().splitlines() == [
        "bucket,start,revenue,orders,units,partial,growth_pct,growth_partial,annotations",
        "2026-02-23,2026-02-23,0.00,0,0,True,,False,",
        "2026-03-02,2026-03-02,0.00,0,0,True,,True,Promo start; Outage; =cmd()",
    ]


def test_ecommerce_monthly_csvs_join_the_marks_of_each_month(api_as, owner, marks):
    client = api_as(owner)
    monthly = client.get("/api/v1/ecommerce/revenue/monthly", MARCH).content.decode().splitlines()
    assert monthly == [
        "bucket,start,revenue,orders,units,partial,growth_pct,growth_partial,annotations",
        "2026-03,2026-03-01,0.00,0,0,True,,False,Promo start; Outage; =cmd()",
    ]
    growth = client.get("/api/v1/ecommerce/revenue/growth", MARCH).content.decode().splitlines()
    assert growth == [
        "month,start,revenue,previous_revenue,change,partial,growth_pct,growth_partial,annotations",
        "2026-03,2026-03-01,0.00,,,True,,False,Promo start; Outage; =cmd()",
    ]


def test_detail_pages_monthly_csvs_join_the_marks_of_each_month(api_as, owner, marks, workspace):
    SalesLineFactory(
        workspace=workspace, customer_id="A", country="France", stock_code="85123A", invoice_date=_utc(3, 9),
        quantity=2, unit_price=Decimal("2.50"),
    )  # fmt: skip
    client = api_as(owner)
    row = "2026-03,2026-03-01,5.00,1,2,True,,False,Promo start; Outage; =cmd()"
    for path, table in (("customers/A", {"table": "monthly"}), ("countries/France", {}), ("products/85123A", {})):
        response = client.get(f"/api/v1/ecommerce/{path}", {**MARCH, **table})
        assert response.content.decode().splitlines()[1:] == [row], path
    # The customer's main table (their orders) is no series: no annotations column.
    orders = client.get("/api/v1/ecommerce/customers/A", MARCH).content.decode().splitlines()
    assert orders[0] == "invoice_no,invoice_date,revenue,units,lines"


def test_api_time_series_csv_has_the_project_s_marks_on_its_clock(api_as, owner, marks, workspace):
    # After the workspace's 4 March (UTC) but still the 4th in New York: in the last bucket.
    Annotation.objects.create(workspace=workspace, starts_at=_utc(5, 2), text="Late")
    response = api_as(owner).get("/api/v1/projects/shop/metrics/time-series", {**MARCH, "interval": "day"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0])[-1] == "annotations"
    # New York is UTC-5: the outage runs from 07:00 on the 2nd to 04:00 on the 3rd there.
    assert [(row["bucket"], row["annotations"]) for row in rows] == [
        ("2026-03-01", "Deploy"),
        ("2026-03-02", "Promo start; Outage"),
        ("2026-03-03", "Outage"),
        ("2026-03-04", "'=cmd(); Late"),
    ]


def test_api_hourly_series_csv_puts_a_moment_in_its_hour(api_as, owner, marks):
    query = {"date_from": "2026-03-01", "date_to": "2026-03-01", "interval": "hour", "format": "csv"}
    response = api_as(owner).get("/api/v1/projects/shop/metrics/time-series", query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # A project's dates are its own (New York's): the day runs from 05:00 UTC to 05:00 UTC.
    assert (rows[0]["bucket"], len(rows)) == ("2026-03-01T00:00:00-05:00", 24)
    assert [(row["bucket"], row["annotations"]) for row in rows if row["annotations"]] == [
        ("2026-03-01T10:00:00-05:00", "Deploy")
    ]


def test_shared_series_csv_carries_the_marks_too(workspace, owner, marks):
    issued = share_link_create(
        workspace=workspace,
        user=owner,
        dashboard="sales",
        range_kind="fixed",
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 4),
        filters={"interval": "day"},
        allow_csv=True,
    )
    response = Client().get(f"{issued.path}csv/sales.series")
    assert response.status_code == 200
    assert response.content.decode().splitlines() == SALES_CSV


def test_forecast_csvs_join_the_marks_of_each_day(api_as, owner, marks, workspace):
    # Eight weeks of sales up to 1 March: the history ends on the 1st, the forecast's days
    # (2 to 4 March) are the marked ones.
    for back in range(56):
        moment = _utc(1, 9) - dt.timedelta(days=back)
        SalesLineFactory(workspace=workspace, invoice_date=moment, quantity=1, unit_price=Decimal("10.00"))
    client = api_as(owner)
    history = client.get("/api/v1/ecommerce/forecast", {"table": "history", "format": "csv"})
    lines = history.content.decode().splitlines()
    assert (lines[0], lines[-1]) == ("date,revenue,annotations", "2026-03-01,10.00,")
    forecast = client.get("/api/v1/ecommerce/forecast", {"periods": 3, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(forecast.content.decode())))
    assert [(row["date"], row["annotations"]) for row in rows] == [
        ("2026-03-02", "Promo start; Outage"),
        ("2026-03-03", "Outage"),
        ("2026-03-04", "'=cmd()"),
    ]
