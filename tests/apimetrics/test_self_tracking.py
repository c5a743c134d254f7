import pytest
from rest_framework.test import APIClient

from apimetrics import projects
from apimetrics.models import Project, RequestEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_tracking(settings):
    settings.PULSE_SELF_TRACKING = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "apimetrics.middleware.SelfTrackingMiddleware"]


def test_own_api_requests_are_recorded_in_the_builtin_project(self_tracking, api_as, owner, project):
    from tests.conftest import bearer_client

    client = bearer_client(owner, project.workspace)
    assert client.get("/api/v1/projects/shop/metrics/summary").status_code == 200
    assert APIClient().get("/api/v1/projects/").status_code == 401
    assert client.get("/health/").status_code == 200  # not under /api/v1/: not recorded
    builtin = Project.objects.get(key=projects.SELF_PROJECT_KEY)
    assert builtin.is_builtin
    assert builtin.workspace.slug == projects.SELF_WORKSPACE_SLUG
    rows = list(
        RequestEvent.objects.filter(project=builtin)
        .order_by("pk")
        .values_list("method", "path", "endpoint", "status_code", "consumer")
    )
    assert rows == [
        (
            "GET",
            "/api/v1/projects/shop/metrics/summary",
            "/api/v1/projects/{key}/metrics/summary",
            200,
            f"user:{owner.pk}",
        ),
        ("GET", "/api/v1/projects/", "/api/v1/projects/", 401, ""),
    ]
    assert all(ms >= 0 for ms in RequestEvent.objects.values_list("response_time_ms", flat=True))


def test_self_tracking_is_off_by_default(api_as, owner, project):
    assert api_as(owner).get("/api/v1/projects/").status_code == 200
    assert not RequestEvent.objects.exists()
    assert not Project.objects.filter(is_builtin=True).exists()
