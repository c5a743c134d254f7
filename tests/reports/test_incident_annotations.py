"""An alert incident marks the charts: an annotation from when it fired, closed when it resolves."""

import datetime as dt

import time_machine

from reports import alert_services
from reports.models import Annotation
from tests.reports.conftest import NOW, daily_sales, make_rule


def test_incident_opens_and_closes_an_annotation(workspace, other_workspace, django_capture_on_commit_callbacks):
    daily_sales(workspace, {dt.date(2026, 3, 8): "200.00"})
    make_rule(workspace)  # revenue of yesterday above 150

    def evaluate(at: dt.datetime) -> None:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            alert_services.evaluate_due(now=at)

    evaluate(NOW)
    mark = Annotation.objects.get()
    assert (mark.workspace, mark.kind, mark.text, mark.starts_at, mark.ends_at) == (
        workspace,
        "incident",
        "Revenue watch: 200",
        NOW,
        None,
    )
    later = NOW + dt.timedelta(days=1)  # the window moves to a day without sales: resolved
    evaluate(later)
    mark.refresh_from_db()
    assert mark.ends_at == later
    assert Annotation.objects.count() == 1
    assert not Annotation.objects.filter(workspace=other_workspace).exists()
