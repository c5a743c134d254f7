import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apimetrics import rollups
from apimetrics.analytics import CACHE_NAMESPACE
from apimetrics.models import ApiKey, Project, RequestEvent
from apimetrics.tracking import METHODS
from config.cache import data_version
from config.insights import get_insight
from config.periods import Period
from tests.apimetrics.factories import issue_key, make_event

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)
EVENT = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}


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
    RequestEvent.objects.bulk_create([make_event(project, MOMENT)])
    rollups.rollup_project(project_id=project.pk, now=MOMENT + dt.timedelta(days=2))


def _event_queries(client, url: str) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"].upper() for query in queries if "APIMETRICS_REQUESTEVENT" in query["sql"].upper()]


@pytest.fixture
def many_methods(project):
    RequestEvent.objects.bulk_create([make_event(project, MOMENT, method=m) for m in ["GET"] * 3 + ["POST"] * 2])


def test_the_events_method_filter_lists_methods_without_reading_the_table(client, staff_user, many_methods):
    client.force_login(staff_user)
    response, sql = _event_queries(client, "/admin/apimetrics/requestevent/")
    assert not any("DISTINCT" in statement for statement in sql)
    changelist = response.context["cl"]
    choices = [choice["display"] for choice in changelist.filter_specs[0].choices(changelist)]
    assert choices == ["All", *sorted(METHODS)]
    response, _ = _event_queries(client, "/admin/apimetrics/requestevent/?method=POST")
    assert response.context["cl"].result_count == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's planner statistics")
def test_the_unfiltered_events_list_takes_the_planners_estimate_not_a_count(client, staff_user, many_methods):
    client.force_login(staff_user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE apimetrics_requestevent")
    response, sql = _event_queries(client, "/admin/apimetrics/requestevent/")
    assert not any("COUNT(" in statement for statement in sql)
    assert response.context["cl"].result_count == 5  # reltuples of a table analysed in full
    response, sql = _event_queries(client, "/admin/apimetrics/requestevent/?method=GET")
    assert any("COUNT(" in statement for statement in sql)  # a filtered list is counted exactly
    assert response.context["cl"].result_count == 3


def test_staff_revoke_keys_through_the_last_key_rule_and_cannot_edit_dates(
    client, staff_user, project, track, django_capture_on_commit_callbacks
):
    first, first_secret = issue_key(project, "first")
    second, second_secret = issue_key(project, "second")
    assert track(EVENT, first_secret).status_code == 202  # its lookup is cached now
    client.force_login(staff_user)
    changelist = "/admin/apimetrics/apikey/"
    response = client.post(changelist, {"action": "revoke", "_selected_action": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    # One of the two goes first; the other is then the project's last active key and stays.
    assert "1 key revoked." in messages
    assert any("last active key" in m for m in messages)
    assert ApiKey.objects.filter(project=project, revoked_at__isnull=True).count() == 1
    still_active = ApiKey.objects.get(project=project, revoked_at__isnull=True)
    revoked_secret = first_secret if still_active == second else second_secret
    assert track(EVENT, revoked_secret).status_code == 401

    # The change form renames only: dates are read-only, a posted revoked_at is ignored.
    page = client.post(
        f"/admin/apimetrics/apikey/{still_active.pk}/change/",
        {"name": "renamed", "revoked_at_0": "2026-01-01", "revoked_at_1": "00:00:00"},
    )
    assert page.status_code == 302
    still_active.refresh_from_db()
    assert (still_active.name, still_active.revoked_at) == ("renamed", None)


def test_staff_deleting_a_project_ends_its_keys_at_once(
    client, staff_user, project, api_key, track, django_capture_on_commit_callbacks
):
    assert track(EVENT, api_key[1]).status_code == 202
    version = data_version(CACHE_NAMESPACE, project.workspace_id)
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/apimetrics/project/{project.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert track(EVENT, api_key[1]).status_code == 401
    assert data_version(CACHE_NAMESPACE, project.workspace_id) != version  # cached metrics are stale


def test_staff_editing_a_project_changes_its_next_cached_metrics(
    client, staff_user, project, api_key, django_capture_on_commit_callbacks
):
    RequestEvent.objects.bulk_create([make_event(project, MOMENT, ms=300)])  # 09:00 UTC, 18:00 in Tokyo
    rollups.rollup_project(project_id=project.pk, now=MOMENT + dt.timedelta(days=2))
    summary = get_insight("apimetrics.summary")
    day = {"project": project, "period": Period(dt.date(2026, 3, 10), dt.date(2026, 3, 10))}
    assert summary.run(project.workspace, day).value["apdex"] == 1.0  # 300 ms within 500 ms
    assert summary.run(project.workspace, day).hit  # the rolled day is cached
    client.force_login(staff_user)
    form = {
        "workspace": project.workspace_id,
        "name": project.name,
        "key": project.key,
        "timezone": "Asia/Tokyo",  # buckets the metrics
        "retention_days": project.retention_days,
        "apdex_threshold_ms": 250,  # scores them
        "api_keys-TOTAL_FORMS": "1",
        "api_keys-INITIAL_FORMS": "1",
        "api_keys-0-id": api_key[0].pk,
        "api_keys-0-project": project.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/apimetrics/project/{project.pk}/change/", form)
    assert response.status_code == 302, response.content
    project.refresh_from_db()
    assert (project.timezone, project.apdex_threshold_ms) == ("Asia/Tokyo", 250)
    again = summary.run(project.workspace, day)
    assert not again.hit
    assert (again.value["apdex_threshold_ms"], again.value["apdex"]) == (250, 0.5)  # 300 ms now tolerating
