"""The annotations a dashboard hands to its charts (the ``pulse-annotations`` JSON)."""

import datetime as dt
import json
import re

import pytest
from django.test import Client

from reports.models import Annotation
from tests.apimetrics.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _marks(html: str) -> list[dict]:
    found = re.search(r'<script id="pulse-annotations" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no annotations data on the page"
    return json.loads(found.group(1))


@pytest.fixture
def logged_in(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_project_page_gets_its_own_and_the_workspace_marks_in_its_time_zone(logged_in, workspace, other_workspace):
    workspace.timezone = "Europe/Paris"
    workspace.save()
    project = ProjectFactory(workspace=workspace, key="shop-api", timezone="America/New_York")
    other = ProjectFactory(workspace=workspace, key="other-api")
    at = dt.datetime(2026, 3, 2, 15, tzinfo=dt.UTC)
    mine = Annotation.objects.create(workspace=workspace, project_id=project.pk, starts_at=at, text="Deploy")
    everyone = Annotation.objects.create(workspace=workspace, starts_at=at, text="Holiday")
    Annotation.objects.create(workspace=workspace, project_id=other.pk, starts_at=at, text="Other project")
    Annotation.objects.create(workspace=other_workspace, starts_at=at, text="Globex")
    marks = _marks(logged_in.get("/api-metrics/shop-api/", {"preset": "all"}).content.decode())
    assert marks == [
        {
            "id": mine.pk,
            "start": "2026-03-02T10:00:00",
            "end": None,
            "text": "Deploy",
            "kind": "note",
            "project_id": project.pk,
        },
        {
            "id": everyone.pk,
            "start": "2026-03-02T10:00:00",
            "end": None,
            "text": "Holiday",
            "kind": "note",
            "project_id": None,
        },
    ]
    sales_marks = _marks(logged_in.get("/sales/", {"preset": "all"}).content.decode())
    assert [(mark["text"], mark["start"]) for mark in sales_marks] == [("Holiday", "2026-03-02T16:00:00")]


def test_dashboard_marks_follow_the_date_range(logged_in, workspace):
    for day, text in ((1, "Before"), (15, "Inside"), (31, "After")):
        Annotation.objects.create(
            workspace=workspace, starts_at=dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC), text=text
        )
    Annotation.objects.create(
        workspace=workspace,
        starts_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        text="Spanning",
    )
    html = logged_in.get("/sales/", {"date_from": "2026-03-10", "date_to": "2026-03-20"}).content.decode()
    assert [mark["text"] for mark in _marks(html)] == ["Spanning", "Inside"]
