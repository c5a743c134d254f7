"""latest_report: the newest report of a workspace, whichever kind."""

import datetime as dt

import pytest

from sales.models import InsightReport, QualityReport
from sales.selectors import latest_report

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def test_latest_report_is_the_newest_of_the_workspace_ties_going_to_the_last_written(
    workspace, other_workspace, django_assert_num_queries
):
    assert latest_report(InsightReport, workspace) is None
    InsightReport.objects.create(workspace=workspace, generated_at=NOON - dt.timedelta(days=1))
    first_at_noon = InsightReport.objects.create(workspace=workspace, generated_at=NOON)
    second_at_noon = InsightReport.objects.create(workspace=workspace, generated_at=NOON)
    InsightReport.objects.create(workspace=other_workspace, generated_at=NOON + dt.timedelta(days=1))
    QualityReport.objects.create(workspace=workspace, generated_at=NOON + dt.timedelta(days=1), status="ok")

    with django_assert_num_queries(1):
        assert latest_report(InsightReport, workspace) == second_at_noon
    assert first_at_noon.pk < second_at_noon.pk
    assert latest_report(QualityReport, workspace).generated_at == NOON + dt.timedelta(days=1)
    assert latest_report(QualityReport, other_workspace) is None
