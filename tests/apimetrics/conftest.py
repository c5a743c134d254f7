import datetime as dt

import pytest

from apimetrics import rollups
from apimetrics.models import RequestEvent
from tests.apimetrics.factories import ProjectFactory, issue_key, make_event

NOW = dt.datetime(2026, 3, 10, 12, 30, 15, tzinfo=dt.UTC)
MIX_ROLLED = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)


def at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime(2026, 3, 10, hour, minute, second, tzinfo=dt.UTC)


@pytest.fixture
def project(workspace):
    return ProjectFactory(workspace=workspace, name="Shop API", key="shop")


@pytest.fixture
def other_project(other_workspace):
    return ProjectFactory(workspace=other_workspace, name="Globex API", key="globex-api")


@pytest.fixture
def api_key(project):
    return issue_key(project)


@pytest.fixture
def track(anon_api):
    """``track(body, key)``: POST /api/v1/track with the X-API-Key header."""

    def post(body, key):
        headers = {"HTTP_X_API_KEY": key} if key is not None else {}
        return anon_api.post("/api/v1/track", body, format="json", **headers)

    return post


@pytest.fixture
def mix(project):
    """Nine requests of 10 March 2026, rolled up at 12:00:30 but the last: the table of
    ``tests/apimetrics/test_breakdowns.py``."""
    project.apdex_threshold_ms = 100
    project.save()
    events = [
        (at(9, 0, 5), "GET", "/items", 200, 50, "a"),
        (at(9, 0, 10), "GET", "/items", 200, 150, "a"),
        (at(9, 0, 20), "GET", "/items", 404, 30, "b"),
        (at(9, 0, 30), "POST", "/orders", 201, 80, "a"),
        (at(9, 1, 0), "GET", "/items", 500, 20, "a"),
        (at(9, 2, 0), "POST", "/orders", 201, 90, "a"),
        (at(9, 3, 0), "POST", "/orders", 422, 120, "b"),
        (at(10, 0, 0), "GET", "/items", 200, 1000, "b"),
    ]
    late = (at(11, 59, 30), "GET", "/items", 503, 10, "")

    def event(when, method, endpoint, status, ms, consumer):
        return make_event(project, when, method=method, endpoint=endpoint, status=status, ms=ms, consumer=consumer)

    RequestEvent.objects.bulk_create([event(*row) for row in events])
    rollups.rollup_project(project_id=project.pk, now=MIX_ROLLED)
    RequestEvent.objects.bulk_create([event(*late)])
    return project
