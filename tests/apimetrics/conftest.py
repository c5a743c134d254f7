import datetime as dt

import pytest

from tests.apimetrics.factories import ProjectFactory, issue_key

NOW = dt.datetime(2026, 3, 10, 12, 30, 15, tzinfo=dt.UTC)


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
