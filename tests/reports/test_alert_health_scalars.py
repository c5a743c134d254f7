"""The health scalars alerts watch, over hand-built data with a frozen clock: staleness of each
app's data, failed imports and jobs in the window, and requests tracked across every project.

The clock is Monday 9 March 2026, 08:00 UTC; "yesterday" is Sunday the 8th.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from accounts.models import WorkspaceExport
from apimetrics import rollups
from apimetrics.models import RequestEvent
from config.insights import get_insight
from config.periods import Period
from ecommerce.models import ImportJob
from tests.apimetrics.factories import ProjectFactory, make_event
from tests.ecommerce.factories import SalesLineFactory
from tests.reports.conftest import NOW, daily_sales, make_rule

D = dt.date
SUNDAY = Period(D(2026, 3, 8), D(2026, 3, 8))
WEEKEND = Period(D(2026, 3, 7), D(2026, 3, 8))


def scalar(workspace, name: str, path: str, period: Period = SUNDAY) -> Decimal | None:
    with time_machine.travel(NOW, tick=False):
        return get_insight(name).scalar(workspace, path, period, {})


@pytest.mark.django_db
def test_sales_staleness_counts_from_the_end_of_the_latest_local_day(workspace, other_workspace):
    daily_sales(workspace, {D(2026, 3, 5): "10.00", D(2026, 3, 7): "20.00"})
    daily_sales(other_workspace, {D(2026, 3, 8): "30.00"})
    # The 7th ends at midnight UTC on the 8th: 32 hours before Monday 08:00.
    assert scalar(workspace, "sales.health", "staleness_hours") == Decimal("32.0")
    workspace.timezone = "Europe/Paris"  # UTC+1 in March: the 7th ends at 23:00 UTC
    workspace.save()
    assert scalar(workspace, "sales.health", "staleness_hours") == Decimal("33.0")


@pytest.mark.django_db
def test_a_workspace_without_sales_has_no_staleness_and_its_rule_no_data(workspace, evaluate):
    assert scalar(workspace, "sales.health", "staleness_hours") is None
    rule = make_rule(workspace, insight="sales.health", metric="staleness_hours", threshold=Decimal("24"))
    evaluate(NOW)
    rule.refresh_from_db()
    assert (rule.state, rule.last_outcome, rule.last_value) == ("ok", "no_data", None)


@pytest.mark.django_db
def test_a_staleness_rule_fires_as_the_clock_runs_without_new_data(workspace, evaluate):
    daily_sales(workspace, {D(2026, 3, 8): "20.00"})
    rule = make_rule(workspace, insight="sales.health", metric="staleness_hours", threshold=Decimal("24"))
    evaluate(NOW)  # 8 hours since the 8th ended
    rule.refresh_from_db()
    assert (rule.state, rule.last_value) == ("ok", Decimal("8.0"))
    evaluate(NOW + dt.timedelta(hours=17))  # 25 hours: nothing cached holds the old reading
    rule.refresh_from_db()
    assert (rule.state, rule.last_value) == ("firing", Decimal("25.0"))


def _job(workspace, status: str, at: dt.datetime) -> None:
    job = ImportJob.objects.create(workspace=workspace, source_name="orders.csv", status=status)
    ImportJob.objects.filter(pk=job.pk).update(created_at=at)  # auto_now_add: set afterwards


@pytest.mark.django_db
def test_shop_staleness_and_failed_imports_of_the_window(workspace, other_workspace):
    SalesLineFactory(workspace=workspace, invoice_date=dt.datetime(2026, 3, 8, 20, 30, tzinfo=dt.UTC))
    SalesLineFactory(workspace=workspace, invoice_date=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    SalesLineFactory(workspace=other_workspace, invoice_date=dt.datetime(2026, 3, 9, 7, 0, tzinfo=dt.UTC))
    failed, succeeded = ImportJob.Status.FAILED, ImportJob.Status.SUCCEEDED
    _job(workspace, failed, dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.UTC))
    _job(workspace, failed, dt.datetime(2026, 3, 7, 23, 59, tzinfo=dt.UTC))
    _job(workspace, succeeded, dt.datetime(2026, 3, 8, 11, 0, tzinfo=dt.UTC))
    _job(workspace, failed, dt.datetime(2026, 3, 9, 0, 0, tzinfo=dt.UTC))  # today: past the window
    _job(other_workspace, failed, dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.UTC))
    assert scalar(workspace, "ecommerce.health", "staleness_hours") == Decimal("11.5")
    assert scalar(workspace, "ecommerce.health", "failed") == Decimal("1")
    assert scalar(workspace, "ecommerce.health", "failed", WEEKEND) == Decimal("2")
    assert scalar(other_workspace, "ecommerce.health", "staleness_hours") == Decimal("1.0")


@pytest.mark.django_db
def test_failed_jobs_of_the_window_fire_a_rule(workspace, other_workspace, evaluate):
    for status, at, where in (
        ("failed", dt.datetime(2026, 3, 8, 1, 0, tzinfo=dt.UTC), workspace),
        ("failed", dt.datetime(2026, 3, 8, 22, 0, tzinfo=dt.UTC), workspace),
        ("ready", dt.datetime(2026, 3, 8, 2, 0, tzinfo=dt.UTC), workspace),
        ("failed", dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC), workspace),
        ("failed", dt.datetime(2026, 3, 8, 2, 0, tzinfo=dt.UTC), other_workspace),
    ):
        WorkspaceExport.objects.create(workspace=where, status=status, created_at=at)
    assert scalar(workspace, "accounts.jobs", "failed") == Decimal("2")
    rule = make_rule(workspace, insight="accounts.jobs", metric="failed", threshold=Decimal("1"))
    evaluate(NOW)
    rule.refresh_from_db()
    assert (rule.state, rule.last_value) == ("firing", Decimal("2"))


@pytest.mark.django_db
def test_tracked_volume_sums_every_project_rolled_or_raw(workspace, other_workspace):
    rolled, raw = ProjectFactory(workspace=workspace, key="rolled"), ProjectFactory(workspace=workspace, key="raw")
    elsewhere = ProjectFactory(workspace=other_workspace, key="theirs")
    noon, late = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create(
        [
            *(make_event(rolled, noon + dt.timedelta(seconds=n)) for n in range(3)),
            make_event(rolled, dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.UTC)),  # Saturday
            *(make_event(raw, late + dt.timedelta(seconds=n)) for n in range(2)),
            *(make_event(elsewhere, noon) for _ in range(4)),
        ]
    )
    rollups.rollup_project(project_id=rolled.pk, now=NOW)
    assert scalar(workspace, "apimetrics.health", "requests") == Decimal("5")
    assert scalar(workspace, "apimetrics.health", "requests", WEEKEND) == Decimal("6")
    # The newest event, 23:30:01 on the 8th: 8.5 hours (to one decimal) before Monday 08:00.
    assert scalar(workspace, "apimetrics.health", "staleness_hours") == Decimal("8.5")
    assert scalar(other_workspace, "apimetrics.health", "requests") == Decimal("4")


@pytest.mark.django_db
def test_a_workspace_without_projects_tracks_nothing(workspace):
    assert scalar(workspace, "apimetrics.health", "requests") == Decimal("0")
    assert scalar(workspace, "apimetrics.health", "staleness_hours") is None
