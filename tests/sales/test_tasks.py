"""The nightly ETL and the data-quality checks, run eagerly through their Celery tasks."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from sales import tasks
from sales.etl import analyse
from sales.models import InsightReport, QualityReport, SalesRecord
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 2, 12, 0, tzinfo=dt.UTC)


def test_nightly_etl_stores_a_report_with_exact_figures(workspace, sales_data, owner, admin_user, viewer):
    with time_machine.travel(NOW, tick=False):
        report_id = tasks.nightly_etl.delay(workspace.pk).get()
    report = InsightReport.objects.get(pk=report_id)
    assert report.workspace == workspace
    assert report.generated_at == NOW
    assert report.summary == {
        "total_revenue": "480.00",
        "total_ad_spend": "120.00",
        "roas": 4.0,
        "records": 5,
        "days_with_sales": 5,
        "date_from": "2026-02-27",
        "date_to": "2026-03-31",
        "average_daily_revenue": "14.55",  # 480.00 / 33 calendar days
    }
    assert report.monthly == [
        {
            "month": "2026-02-01",
            "label": "February 2026",
            "revenue": "80.00",
            "ad_spend": "20.00",
            "roas": 4.0,
            "records": 1,
            "revenue_growth_pct": None,
        },
        {
            "month": "2026-03-01",
            "label": "March 2026",
            "revenue": "400.00",
            "ad_spend": "100.00",
            "roas": 4.0,
            "records": 4,
            "revenue_growth_pct": 400.0,
        },
    ]
    assert [(row["email"], row["total_revenue"]) for row in report.top_users] == [
        ("admin@acme.test", "250.50"),
        ("owner@acme.test", "149.50"),
        ("viewer@acme.test", "80.00"),
    ]
    assert [finding["message"] for finding in report.findings] == [
        "ROAS above 3: excellent (4.00).",
        "Average daily revenue 14.55 over 2026-02-27 to 2026-03-31.",
        "Best month: March 2026 (400.00).",
        "Weakest month: February 2026 (80.00).",
    ]


def test_etl_warns_about_months_below_break_even_and_zero_fills_gaps(workspace):
    store = StoreFactory(workspace=workspace)
    SalesRecordFactory(store=store, date=dt.date(2026, 1, 10), revenue=Decimal("90.00"), ad_spend=Decimal("100.00"))
    SalesRecordFactory(store=store, date=dt.date(2026, 3, 5), revenue=Decimal("300.00"), ad_spend=Decimal("200.00"))
    summary, monthly, findings = analyse(workspace)
    assert [(m["label"], m["revenue"], m["roas"], m["records"]) for m in monthly] == [
        ("January 2026", "90.00", 0.9, 1),
        ("February 2026", "0.00", None, 0),
        ("March 2026", "300.00", 1.5, 1),
    ]
    assert summary["roas"] == 1.3
    assert [(f["level"], f["message"]) for f in findings] == [
        ("info", "ROAS between 1 and 3: profitable, room to improve (1.30)."),
        ("warning", "ROAS below 1 in January 2026: warning (0.90)."),
        ("info", "Average daily revenue 7.09 over 2026-01-10 to 2026-03-05."),  # 390.00 / 55 days
        ("info", "Best month: March 2026 (300.00)."),
        ("info", "Weakest month: January 2026 (90.00)."),
    ]


def test_etl_of_an_empty_workspace_says_so(workspace):
    summary, monthly, findings = analyse(workspace)
    assert (summary["records"], summary["roas"], monthly) == (0, None, [])
    assert findings == [{"level": "info", "code": "no_data", "message": "No sales records yet: nothing to analyse."}]


def test_insights_endpoint_runs_the_etl_for_admins_and_serves_the_latest(
    api_as, owner, admin_user, sales_data, django_capture_on_commit_callbacks
):
    client = api_as(owner)
    assert client.get("/api/v1/sales/insights").status_code == 404
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        created = api_as(admin_user).post("/api/v1/sales/insights")
    assert created.status_code == 202
    body = created.json()
    assert body["generated_at"] == "2026-04-02T12:00:00Z"
    assert body["summary"]["total_revenue"] == "480.00"
    # The report is cached per workspace; a new run replaces it.
    assert client.get("/api/v1/sales/insights").json() == body
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/api/v1/sales/insights").json()
    assert again["id"] != body["id"]
    assert client.get("/api/v1/sales/insights").json()["id"] == again["id"]
    monthly_csv = client.get("/api/v1/sales/insights", {"format": "csv"}).content.decode().splitlines()
    assert monthly_csv[0] == "month,label,revenue,ad_spend,roas,records,revenue_growth_pct"
    assert monthly_csv[2] == "2026-03-01,March 2026,400.00,100.00,4.0,4,400.0"


def test_nightly_etl_all_fans_out_to_every_workspace_with_stores(workspace, other_workspace, sales_data):
    StoreFactory(workspace=other_workspace)
    assert tasks.nightly_etl_all.delay().get() == 2
    assert sorted(InsightReport.objects.values_list("workspace__slug", flat=True)) == ["acme", "globex"]
    assert tasks.nightly_etl.delay(10**9).get() is None  # a deleted workspace is not an error


# --- data quality ------------------------------------------------------------------------


def statuses(report: QualityReport) -> dict:
    return {check["name"]: check["status"] for check in report.checks}


def test_quality_of_clean_fresh_data_is_ok(workspace, sales_data, owner):
    with time_machine.travel(NOW, tick=False):
        report = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
    assert report.status == "ok"
    assert report.checks == [
        {
            "name": "record_count",
            "status": "ok",
            "value": 5,
            "message": "5 records, 1 in the last 7 days.",
        },
        {
            "name": "freshness",
            "status": "ok",
            "value": "2026-03-31",
            "message": "Latest data 2026-03-31 (2 days old); expected within 7 days.",
        },
        {
            "name": "negative_values",
            "status": "ok",
            "value": 0,
            "message": "0 records with negative revenue or ad spend.",
        },
        {
            "name": "absurd_values",
            "status": "ok",
            "value": 0,
            "message": "0 records above 1,000,000 a day or with ROAS above 100.",
        },
        {"name": "future_dates", "status": "ok", "value": 0, "message": "0 records dated after today (2026-04-02)."},
        {
            "name": "foreign_store",
            "status": "ok",
            "value": 0,
            "message": "0 records whose store belongs to another workspace.",
        },
    ]
    assert (report.incident_started_at, report.alerted) == (None, False)
    assert mail.outbox == []


def test_stale_data_and_absurd_values_are_warnings(workspace, sales_data, stores):
    SalesRecordFactory(store=stores[0], date=dt.date(2026, 3, 20), revenue=Decimal("2000000.00"))
    SalesRecordFactory(store=stores[0], date=dt.date(2026, 3, 21), revenue=Decimal("500.00"), ad_spend=Decimal("1"))
    with time_machine.travel(dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC), tick=False):
        report = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
    assert report.status == "warning"
    assert statuses(report) == {
        "record_count": "ok",
        "freshness": "warning",
        "negative_values": "ok",
        "absurd_values": "warning",
        "future_dates": "ok",
        "foreign_store": "ok",
    }
    assert report.checks[1]["message"] == "Latest data 2026-03-31 (20 days old); expected within 7 days."
    assert report.checks[3]["value"] == 2
    assert mail.outbox == []


def test_an_empty_workspace_is_a_warning(workspace):
    report = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
    assert report.status == "warning"
    assert report.checks[0]["message"] == "No sales records yet."
    assert (report.checks[1]["value"], report.checks[1]["message"]) == (None, "No data to be fresh.")


def test_a_failing_run_alerts_the_owners_once_per_incident(
    workspace, other_workspace, sales_data, stores, owner, admin_user
):
    future = SalesRecordFactory(store=stores[0], date=dt.date(2026, 4, 10))
    with time_machine.travel(NOW, tick=False):
        first = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
    assert first.status == "failing"
    assert statuses(first)["future_dates"] == "failing"
    assert (first.incident_started_at, first.alerted) == (NOW, True)
    assert len(mail.outbox) == 1
    alert = mail.outbox[0]
    assert alert.to == ["owner@acme.test"]  # owners only, not admins
    assert alert.subject == "[Pulse] Sales data quality failing in Acme"
    assert "- future_dates: 1 records dated after today (2026-04-02)." in alert.body

    # The same incident on the next runs: no new email.
    later = NOW + dt.timedelta(hours=6)
    with time_machine.travel(later, tick=False):
        second = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
        tasks.quality_checks_all.delay().get()
    assert (second.status, second.incident_started_at, second.alerted) == ("failing", NOW, False)
    assert len(mail.outbox) == 1

    # Fixed: the incident closes; a new problem opens a new one and alerts again.
    future.delete()
    with time_machine.travel(later + dt.timedelta(hours=6), tick=False):
        assert QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get()).status == "ok"
    foreign = StoreFactory(workspace=other_workspace, name="Theirs")
    # Only a bulk operation or raw SQL can write this; the API refuses it.
    SalesRecord.objects.bulk_create(
        [SalesRecord(workspace=workspace, store=foreign, date=dt.date(2026, 4, 1), revenue=1, ad_spend=1)]
    )
    reopened_at = later + dt.timedelta(hours=12)
    with time_machine.travel(reopened_at, tick=False):
        third = QualityReport.objects.get(pk=tasks.quality_check.delay(workspace.pk).get())
        # The other workspace sees the stray row from its side too.
        theirs = QualityReport.objects.get(pk=tasks.quality_check.delay(other_workspace.pk).get())
    assert statuses(third)["foreign_store"] == "failing"
    assert (third.incident_started_at, third.alerted) == (reopened_at, True)
    assert statuses(theirs)["foreign_store"] == "failing"
    assert [message.to for message in mail.outbox] == [["owner@acme.test"], ["owner@acme.test"]]  # globex: no owner


def test_quality_endpoint_runs_and_serves_the_latest(
    api_as, owner, viewer, sales_data, django_capture_on_commit_callbacks
):
    assert api_as(viewer).get("/api/v1/sales/quality").status_code == 404
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        run = api_as(owner).post("/api/v1/sales/quality")
    assert run.status_code == 202
    assert run.json()["status"] == "ok"
    assert api_as(viewer).get("/api/v1/sales/quality").json() == run.json()
    rows = api_as(viewer).get("/api/v1/sales/quality", {"format": "csv"}).content.decode().splitlines()
    assert rows[0] == "name,status,value,message"
    assert len(rows) == 7
