import pytest

from apimetrics import services
from apimetrics.models import ApiKey

pytestmark = pytest.mark.django_db


def test_admin_pages_never_show_secrets(client, staff_user, project, api_key, traffic_for_admin):
    client.force_login(staff_user)
    for model in ("project", "apikey", "requestevent", "minuterollup", "hourrollup", "dayrollup", "rollupstate"):
        response = client.get(f"/admin/apimetrics/{model}/")
        assert response.status_code == 200, model
        assert api_key[1].encode() not in response.content
    key = ApiKey.objects.get(pk=api_key[0].pk)
    page = client.get(f"/admin/apimetrics/apikey/{key.pk}/change/")
    assert page.status_code == 200
    assert key.hashed_key.encode() not in page.content
    assert key.hashed_key[:8].encode() in page.content
    assert api_key[1].encode() not in page.content
    project_page = client.get(f"/admin/apimetrics/project/{project.pk}/change/")
    assert key.hashed_key.encode() not in project_page.content
    # Events are read-only.
    assert client.get("/admin/apimetrics/requestevent/add/").status_code == 403


@pytest.fixture
def traffic_for_admin(project):
    import datetime as dt

    from apimetrics.models import RequestEvent
    from tests.apimetrics.factories import make_event

    moment = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create([make_event(project, moment)])
    services.rollup_project(project_id=project.pk, now=moment + dt.timedelta(days=2))
