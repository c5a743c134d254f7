import datetime as dt

import pytest
import time_machine

from apimetrics import keys, rollups
from apimetrics.histogram import bucket_of, bucket_value
from apimetrics.models import ApiKey, Project, RequestEvent
from tests.apimetrics.factories import ProjectFactory, issue_key, make_event
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)
DAY = "date_from=2026-03-10&date_to=2026-03-10"
EVENT = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}


def bv(value: float) -> float:
    return round(bucket_value(bucket_of(value)), 2)


@pytest.fixture
def traffic(project):
    """Six requests on 10 March 2026 (hours 9 and 10 UTC), rolled up at noon."""
    RequestEvent.objects.bulk_create(
        [
            make_event(project, T0 + dt.timedelta(seconds=5), ms=10, consumer="app"),
            make_event(project, T0 + dt.timedelta(seconds=50), ms=20, status=404, consumer="app"),
            make_event(project, T0 + dt.timedelta(seconds=59), method="POST", endpoint="/orders", ms=300, status=201),
            make_event(project, T0 + dt.timedelta(minutes=1), ms=1000, status=503, consumer="app"),
            make_event(project, T0 + dt.timedelta(minutes=1, seconds=1), ms=5, status=302, consumer="web"),
            make_event(project, T0 + dt.timedelta(hours=1, minutes=30), ms=40, consumer="web"),
        ]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    return project


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- metrics ---------------------------------------------------------------------------------


def test_summary_has_exact_values(api_as, owner, traffic, frozen):
    response = api_as(owner).get(f"/api/v1/projects/shop/metrics/summary?{DAY}")
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("previous", "change_pct", "data_as_of")} == {
        "project": "shop",
        "date_from": "2026-03-10",
        "date_to": "2026-03-10",
        "apdex_threshold_ms": 500,
        "requests": 6,
        "errors_4xx": 1,
        "errors_5xx": 1,
        "error_rate_4xx": 16.67,
        "error_rate_5xx": 16.67,
        "avg_ms": 229.17,  # 1375 / 6
        "p50_ms": bv(20),  # nearest rank 3 of [5, 10, 20, 40, 300, 1000]
        "p95_ms": bv(1000),
        "p99_ms": bv(1000),
        "apdex": 0.833,  # 5 satisfied / 6: the 503 in 1,000 ms is frustrated, not tolerating
        "status_2xx": 3,
        "status_3xx": 1,
        "throughput_rpm": 0.008,  # 6 requests over the 720.5 minutes of the day so far
        "rolled_until": "2026-03-10T11:59:00Z",
    }
    assert body["previous"]["requests"] == 0
    assert body["change_pct"]["requests"] is None


def test_summary_compares_with_the_previous_period(api_as, owner, traffic, frozen):
    RequestEvent.objects.bulk_create([make_event(traffic, T0 - dt.timedelta(days=1), ms=10) for _ in range(4)])
    rollups.rollup_reset(project_id=traffic.pk)
    rollups.rollup_project(project_id=traffic.pk, now=NOW)
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/summary?{DAY}").json()
    assert body["previous"]["requests"] == 4
    assert body["previous"]["throughput_rpm"] == round(4 / 1440, 3)
    assert body["change_pct"]["requests"] == 50.0


def test_time_series_is_zero_filled_in_the_project_time_zone(api_as, owner, traffic, frozen):
    Project.objects.filter(pk=traffic.pk).update(timezone="Europe/Paris")
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/time-series?{DAY}&interval=hour").json()
    assert body["interval"] == "hour"
    assert body["timezone"] == "Europe/Paris"
    series = body["series"]
    assert len(series) == 24
    assert series[0]["bucket"] == "2026-03-10T00:00:00+01:00"
    by_hour = {row["bucket"][11:13]: row for row in series if row["requests"]}
    assert list(by_hour) == ["10", "11"]
    assert by_hour["10"]["requests"] == 5
    assert (by_hour["10"]["errors_4xx"], by_hour["10"]["errors_5xx"]) == (1, 1)
    assert by_hour["11"] == {
        "bucket": "2026-03-10T11:00:00+01:00",
        "requests": 1,
        "errors_4xx": 0,
        "errors_5xx": 0,
        "error_rate_4xx": 0.0,
        "error_rate_5xx": 0.0,
        "avg_ms": 40.0,
        "p50_ms": bv(40),
        "p95_ms": bv(40),
        "p99_ms": bv(40),
        "apdex": 1.0,
        "status_2xx": 1,
        "status_3xx": 0,
        "throughput_rpm": round(1 / 60, 3),
    }
    assert by_hour["10"]["throughput_rpm"] == round(5 / 60, 3)
    assert (by_hour["10"]["status_2xx"], by_hour["10"]["status_3xx"]) == (2, 1)
    assert series[0]["requests"] == 0
    assert series[0]["p50_ms"] is None


def test_time_series_by_day_and_minute(api_as, owner, traffic, frozen):
    client = api_as(owner)
    days = client.get("/api/v1/projects/shop/metrics/time-series?date_from=2026-03-08&date_to=2026-03-10&interval=day")
    assert [(row["bucket"], row["requests"]) for row in days.json()["series"]] == [
        ("2026-03-08", 0),
        ("2026-03-09", 0),
        ("2026-03-10", 6),
    ]
    minutes = client.get(f"/api/v1/projects/shop/metrics/time-series?{DAY}&interval=minute").json()["series"]
    assert len(minutes) == 1440
    assert [(row["bucket"], row["requests"], row["throughput_rpm"]) for row in minutes if row["requests"]] == [
        ("2026-03-10T09:00:00+00:00", 3, 3.0),
        ("2026-03-10T09:01:00+00:00", 2, 2.0),
        ("2026-03-10T10:30:00+00:00", 1, 1.0),
    ]
    # The day so far: 6 requests in the 720.5 minutes up to now, as the summary says.
    assert days.json()["series"][-1]["throughput_rpm"] == 0.008
    # Without a range: from the first to the last minute with data.
    whole = client.get("/api/v1/projects/shop/metrics/time-series?interval=hour").json()["series"]
    assert [(row["bucket"], row["requests"]) for row in whole] == [
        ("2026-03-10T09:00:00+00:00", 5),
        ("2026-03-10T10:00:00+00:00", 1),
    ]


def test_endpoints_are_sortable(api_as, owner, traffic, frozen):
    client = api_as(owner)
    body = client.get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}").json()
    assert body["total_endpoints"] == 2
    assert body["endpoints"][0] == {
        "method": "GET",
        "endpoint": "/items",
        "requests": 5,
        "errors_4xx": 1,
        "errors_5xx": 1,
        "error_rate_4xx": 20.0,
        "error_rate_5xx": 20.0,
        "avg_ms": 215.0,
        "p50_ms": bv(20),
        "p95_ms": bv(1000),
        "p99_ms": bv(1000),
        "errors_total": 2,
        "error_rate": 40.0,
        "traffic_share": 83.33,  # 5 of 6
        "apdex": 0.8,  # 10, 20 (the 404), 5 and 40 ms satisfied; the 503 frustrated
    }
    by_p95 = client.get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}&order_by=p95_ms").json()["endpoints"]
    assert [row["endpoint"] for row in by_p95] == ["/orders", "/items"]
    by_name = client.get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}&order_by=-endpoint").json()["endpoints"]
    assert [row["endpoint"] for row in by_name] == ["/orders", "/items"]
    bad = client.get("/api/v1/projects/shop/metrics/endpoints?order_by=drop table")
    assert bad.status_code == 400
    assert "order_by" in bad.json()["error"]["fields"]


def test_consumers(api_as, owner, traffic, frozen):
    rows = api_as(owner).get(f"/api/v1/projects/shop/metrics/consumers?{DAY}").json()["consumers"]
    assert [(row["consumer"], row["requests"], row["errors_total"]) for row in rows] == [
        ("app", 3, 2),
        ("web", 2, 0),
        (None, 1, 0),
    ]


def test_csv_for_each_metric(api_as, owner, traffic, frozen):
    client = api_as(owner)
    endpoints = client.get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}&format=csv")
    assert endpoints["Content-Type"].startswith("text/csv")
    lines = endpoints.content.decode().splitlines()
    assert lines[0].startswith("method,endpoint,requests,errors_4xx,errors_5xx")
    assert lines[1].startswith("GET,/items,5,1,1,20.0,20.0,215.0")
    series = client.get(f"/api/v1/projects/shop/metrics/time-series?{DAY}&interval=hour", HTTP_ACCEPT="text/csv")
    assert len(series.content.decode().splitlines()) == 25
    summary = client.get(f"/api/v1/projects/shop/metrics/summary?{DAY}&format=csv").content.decode().splitlines()
    assert len(summary) == 2
    assert "requests" in summary[0]
    consumers = client.get(f"/api/v1/projects/shop/metrics/consumers?{DAY}&format=csv").content.decode()
    assert consumers.splitlines()[1].startswith("app,3,")


ALL = ("summary", "time-series", "endpoints", "consumers")


@pytest.mark.parametrize(
    ("query", "refused_by"),
    [
        ("date_from=2026-03-10&date_to=2026-03-01", ALL),
        ("date_from=1900-01-01", ALL),
        ("date_to=2999-01-01", ALL),
        ("date_from=not-a-date", ALL),
        ("date_from=2026-01-01&date_to=2026-03-10&interval=minute", ("time-series",)),
        ("interval=second", ("time-series",)),
        ("limit=0", ("endpoints", "consumers")),
        ("limit=100000", ("endpoints", "consumers")),
        ("order_by=-", ("endpoints", "consumers")),
    ],
)
def test_absurd_queries_answer_400(api_as, owner, traffic, frozen, query, refused_by):
    client = api_as(owner)
    for name in ALL:
        response = client.get(f"/api/v1/projects/shop/metrics/{name}?{query}")
        assert response.status_code == (400 if name in refused_by else 200), (name, query)
        if response.status_code == 400:
            assert response.json()["error"]["code"] == "invalid"


def test_summary_query_count_is_pinned(api_as, owner, traffic, frozen, django_assert_num_queries):
    client = api_as(owner)
    # User (JWT) with membership, project, watermark, then counts and histograms for the period and
    # the previous one (reads run outside a request transaction); fully rolled ranges are cached.
    with django_assert_num_queries(7):
        assert client.get(f"/api/v1/projects/shop/metrics/summary?{DAY}").status_code == 200
    with django_assert_num_queries(5):  # the day is not wholly rolled yet: computed fresh
        assert client.get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}").status_code == 200
    with django_assert_num_queries(5):
        assert client.get("/api/v1/projects/shop/metrics/endpoints?date_to=2026-03-09").status_code == 200
    with django_assert_num_queries(3):
        assert client.get("/api/v1/projects/shop/metrics/endpoints?date_to=2026-03-09").status_code == 200


METRICS = ["summary", "time-series", "endpoints", "consumers"]


@pytest.mark.parametrize("name", METRICS)
def test_metrics_access(api_as, anon_api, owner, viewer, outsider, traffic, api_key, frozen, name):
    url = f"/api/v1/projects/shop/metrics/{name}"
    assert api_as(owner).get(url).status_code == 200
    assert api_as(viewer).get(url).status_code == 200
    assert api_as(outsider).get(url).status_code == 404  # their own workspace has no such project
    assert api_as(outsider, traffic.workspace).get(url).status_code == 404  # not a member
    assert anon_api.get(url).status_code == 401
    assert anon_api.get(url, HTTP_X_API_KEY=api_key[1]).status_code == 401  # a tracking key is no login


def test_another_workspaces_project_is_404(api_as, owner, other_project):
    for url in (
        "/api/v1/projects/globex-api/",
        "/api/v1/projects/globex-api/metrics/summary",
        "/api/v1/projects/globex-api/api-keys/",
    ):
        assert api_as(owner).get(url).status_code == 404


# --- projects ----------------------------------------------------------------------------------


def test_project_crud(api_as, owner, viewer, anon_api, outsider):
    client = api_as(owner)
    created = client.post(
        "/api/v1/projects/",
        {"name": "Billing API", "key": "billing", "timezone": "Europe/London", "apdex_threshold_ms": 250},
    )
    assert created.status_code == 201
    assert created.json() == {
        "key": "billing",
        "name": "Billing API",
        "timezone": "Europe/London",
        "retention_days": 90,
        "apdex_threshold_ms": 250,
        "active_keys": 0,
        "created_at": created.json()["created_at"],
    }
    assert client.post("/api/v1/projects/", {"name": "Again", "key": "billing"}).status_code == 409
    bad = client.post(
        "/api/v1/projects/", {"name": "X", "key": "bad key", "timezone": "Mars/Base", "retention_days": 1}
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"key", "timezone", "retention_days"}
    listed = client.get("/api/v1/projects/").json()
    assert [p["key"] for p in listed["results"]] == ["billing"]
    assert api_as(viewer).get("/api/v1/projects/billing/").status_code == 200
    assert api_as(viewer).post("/api/v1/projects/", {"name": "V", "key": "v"}).status_code == 403
    assert api_as(viewer).patch("/api/v1/projects/billing/", {"name": "V"}).status_code == 403
    assert api_as(outsider).get("/api/v1/projects/billing/").status_code == 404
    assert anon_api.get("/api/v1/projects/").status_code == 401
    patched = client.patch("/api/v1/projects/billing/", {"retention_days": 30, "timezone": "UTC"})
    assert patched.status_code == 200
    assert (patched.json()["retention_days"], patched.json()["timezone"]) == (30, "UTC")
    assert api_as(viewer).delete("/api/v1/projects/billing/").status_code == 403
    assert client.delete("/api/v1/projects/billing/").status_code == 204
    assert not Project.objects.filter(key="billing").exists()


def test_every_project_response_counts_active_keys_alike(api_as, owner, project, api_key, frozen):
    """Two working keys (one in its rotation grace), one revoked and one expired: list, detail and
    update answer 2; a new project has none."""
    keys.api_key_rotate(api_key=api_key[0], user=None)
    keys.api_key_revoke(api_key=issue_key(project, "spare")[0])
    expired, _ = issue_key(project, "old")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=NOW - dt.timedelta(minutes=1))
    client = api_as(owner)
    shop = {
        "key": "shop",
        "name": "Shop API",
        "timezone": "UTC",
        "retention_days": 90,
        "apdex_threshold_ms": 500,
        "active_keys": 2,
        "created_at": project.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert client.get("/api/v1/projects/").json()["results"] == [shop]
    assert client.get("/api/v1/projects/shop/").json() == shop
    assert client.patch("/api/v1/projects/shop/", {"name": "Shop"}).json() == {**shop, "name": "Shop"}
    created = client.post("/api/v1/projects/", {"name": "Billing API", "key": "billing"})
    assert created.status_code == 201
    assert created.json() == {
        **shop,
        "key": "billing",
        "name": "Billing API",
        "active_keys": 0,
        "created_at": "2026-03-10T12:00:30Z",
    }


def test_project_detail_query_count_is_pinned(api_as, owner, project, api_key, django_assert_num_queries):
    client = api_as(owner)
    # The request's savepoint and release, user (JWT) with membership, then the project with its
    # count.
    with django_assert_num_queries(4):
        assert client.get("/api/v1/projects/shop/").json()["active_keys"] == 1


# --- API keys ----------------------------------------------------------------------------------


def test_key_is_shown_once_and_stored_hashed(api_as, owner, project):
    created = api_as(owner).post("/api/v1/projects/shop/api-keys/", {"name": "server"})
    assert created.status_code == 201
    body = created.json()
    secret = body["key"]
    assert keys.KEY_RE.match(secret)
    row = ApiKey.objects.get(pk=body["id"])
    assert row.hashed_key == keys.digest(secret) != secret
    assert secret not in str(ApiKey.objects.filter(pk=row.pk).values().get())
    assert body["prefix"] == f"pk_{row.prefix}_"
    assert secret.startswith(body["prefix"])
    listed = api_as(owner).get("/api/v1/projects/shop/api-keys/").json()["results"]
    assert set(listed[0]) == {
        "id",
        "name",
        "prefix",
        "is_active",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
    }
    assert secret not in str(listed)
    assert api_as(owner).get(f"/api/v1/projects/shop/api-keys/{row.pk}/").json()["name"] == "server"


def test_the_key_list_is_paginated_newest_first(api_as, owner, project):
    client = api_as(owner)
    ids = [client.post("/api/v1/projects/shop/api-keys/", {"name": f"k{n}"}).json()["id"] for n in range(3)]
    first = client.get("/api/v1/projects/shop/api-keys/", {"page_size": 2}).json()
    assert (first["count"], [row["id"] for row in first["results"]]) == (3, [ids[2], ids[1]])
    assert first["next"] == "http://testserver/api/v1/projects/shop/api-keys/?page=2&page_size=2"
    second = client.get("/api/v1/projects/shop/api-keys/", {"page_size": 2, "page": 2}).json()
    assert ([row["id"] for row in second["results"]], second["next"]) == ([ids[0]], None)


def test_unverified_users_cannot_create_keys(api_as, project, workspace):
    unverified = UserFactory(is_verified=False)
    MembershipFactory(user=unverified, workspace=workspace, role="owner")
    response = api_as(unverified).post("/api/v1/projects/shop/api-keys/", {"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Confirm your email address before creating API keys."
    assert not ApiKey.objects.exists()


def test_key_access(api_as, anon_api, owner, admin_user, viewer, outsider, project, api_key):
    url = "/api/v1/projects/shop/api-keys/"
    assert api_as(admin_user).get(url).status_code == 200
    assert api_as(viewer).get(url).status_code == 403
    assert api_as(viewer).post(url, {"name": "v"}).status_code == 403
    assert api_as(viewer).get(f"{url}{api_key[0].pk}/").status_code == 403
    assert api_as(viewer).post(f"{url}{api_key[0].pk}/rotate").status_code == 403
    assert api_as(viewer).delete(f"{url}{api_key[0].pk}/").status_code == 403
    for path in (url, f"{url}{api_key[0].pk}/"):
        assert api_as(outsider).get(path).status_code == 404
        assert anon_api.get(path).status_code == 401
        assert anon_api.get(path, HTTP_X_API_KEY=api_key[1]).status_code == 401
    assert api_as(owner).get(f"{url}999999/").status_code == 404


def test_key_lifecycle(api_as, owner, project, track, django_capture_on_commit_callbacks):
    start = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        client = api_as(owner)  # access tokens last 15 minutes: one per point in time
        first = client.post("/api/v1/projects/shop/api-keys/", {"name": "main"}).json()
        assert track(EVENT, first["key"]).status_code == 202
        assert ApiKey.objects.get(pk=first["id"]).last_used_at == start
        # The only active key cannot be deleted.
        last = client.delete(f"/api/v1/projects/shop/api-keys/{first['id']}/")
        assert last.status_code == 409
        assert "last active key" in last.json()["error"]["message"]
        with django_capture_on_commit_callbacks(execute=True):
            rotated = client.post(f"/api/v1/projects/shop/api-keys/{first['id']}/rotate", {})
        assert rotated.status_code == 201
        second = rotated.json()
        assert second["name"] == "main"
        assert second["key"] != first["key"]
        assert second["previous_key_expires_at"] == "2026-03-11T12:00:00Z"
        # Both work during the grace period.
        assert track(EVENT, first["key"]).status_code == 202
        assert track(EVENT, second["key"]).status_code == 202
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        assert track(EVENT, first["key"]).status_code == 202
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        client = api_as(owner)
        assert track(EVENT, first["key"]).status_code == 401
        assert track(EVENT, second["key"]).status_code == 202
        # An expired key cannot be rotated again, and the remaining key is the last one.
        assert client.post(f"/api/v1/projects/shop/api-keys/{first['id']}/rotate", {}).status_code == 409
        assert client.delete(f"/api/v1/projects/shop/api-keys/{second['id']}/").status_code == 409
        with django_capture_on_commit_callbacks(execute=True):
            third = client.post(f"/api/v1/projects/shop/api-keys/{second['id']}/rotate", {"grace_hours": 0})
        assert third.status_code == 201, third.content
        third = third.json()
        assert track(EVENT, second["key"]).status_code == 401  # grace 0: revoked at once
        assert track(EVENT, third["key"]).status_code == 202
        with django_capture_on_commit_callbacks(execute=True):
            fourth = client.post("/api/v1/projects/shop/api-keys/", {"name": "spare"}).json()
            assert client.delete(f"/api/v1/projects/shop/api-keys/{third['id']}/").status_code == 204
        assert track(EVENT, third["key"]).status_code == 401  # revoked: the cached lookup was dropped
        assert track(EVENT, fourth["key"]).status_code == 202
    assert RequestEvent.objects.count() == 7


def test_a_key_in_its_rotation_grace_is_not_the_projects_last_active_key(
    api_as, owner, project, api_key, track, django_capture_on_commit_callbacks
):
    """Once key 1 is rotated, key 2 is the only key that keeps the project working past the grace:
    revoking it is refused; revoking key 1, which expires anyway, is not."""
    keys_url = "/api/v1/projects/shop/api-keys/"
    with time_machine.travel(NOW, tick=False):
        client = api_as(owner)
        with django_capture_on_commit_callbacks(execute=True):
            second = client.post(f"{keys_url}{api_key[0].pk}/rotate", {}).json()
        refused = client.delete(f"{keys_url}{second['id']}/")
        assert refused.status_code == 409
        assert refused.json() == {
            "error": {
                "code": "conflict",
                "message": "This is the project's last active key: create or rotate a key before deleting it.",
                "fields": {},
            }
        }
        with django_capture_on_commit_callbacks(execute=True):
            assert client.delete(f"{keys_url}{api_key[0].pk}/").status_code == 204
    with time_machine.travel(NOW + keys.default_grace() + dt.timedelta(seconds=1), tick=False):
        assert track(EVENT, second["key"]).status_code == 202
        assert track(EVENT, api_key[1]).status_code == 401
    assert list(ApiKey.objects.filter(project=project).order_by("pk").values_list("revoked_at", flat=True)) == [
        NOW,
        None,
    ]


def test_rotate_refuses_an_absurd_grace(api_as, owner, project, api_key):
    url = f"/api/v1/projects/shop/api-keys/{api_key[0].pk}/rotate"
    assert api_as(owner).post(url, {"grace_hours": -1}).status_code == 400
    assert api_as(owner).post(url, {"grace_hours": "soon"}).status_code == 400
    assert api_as(owner).post(url, {"grace_hours": 10**9}).status_code == 400


def test_project_key_from_another_project_cannot_read_or_write_here(track, project, other_project, api_as, owner):
    _, other_secret = issue_key(other_project)
    assert track(EVENT, other_secret).status_code == 202
    assert RequestEvent.objects.filter(project=project).count() == 0
    summary = api_as(owner).get("/api/v1/projects/shop/metrics/summary").json()
    assert summary["requests"] == 0


def test_projects_of_a_workspace_only(api_as, owner, project, other_project):
    ProjectFactory(workspace=project.workspace, key="b-api", name="B API")
    listed = api_as(owner).get("/api/v1/projects/").json()["results"]
    assert [p["key"] for p in listed] == ["b-api", "shop"]


def management_requests(key_id: int) -> list[tuple[str, str, dict | None]]:
    """Every project, key and metrics request on project ``shop``: (method, path, body)."""
    keys_url = "/api/v1/projects/shop/api-keys/"
    return [
        ("get", "/api/v1/projects/", None),
        ("post", "/api/v1/projects/", {"name": "Mine", "key": "mine"}),
        ("get", "/api/v1/projects/shop/", None),
        ("patch", "/api/v1/projects/shop/", {"name": "Taken"}),
        ("delete", "/api/v1/projects/shop/", None),
        ("get", keys_url, None),
        ("post", keys_url, {"name": "stolen"}),
        ("get", f"{keys_url}{key_id}/", None),
        ("post", f"{keys_url}{key_id}/rotate", {}),
        ("delete", f"{keys_url}{key_id}/", None),
        *(("get", f"/api/v1/projects/shop/metrics/{name}", None) for name in METRICS),
        *(("get", f"/api/v1/projects/shop/metrics/{name}?format=csv", None) for name in METRICS),
    ]


def unchanged(project, api_key):
    project.refresh_from_db()
    api_key.refresh_from_db()
    return (
        project.name,
        api_key.revoked_at,
        api_key.expires_at,
        ApiKey.objects.filter(project=project).count(),
        Project.objects.count(),
    ) == ("Shop API", None, None, 1, 2)


def test_no_outsider_anonymous_or_tracking_key_reaches_a_management_endpoint(
    api_as, anon_api, outsider, project, api_key, other_project
):
    """An outsider finds no project "shop" from their own workspace and no workspace "acme" (404),
    even writing; anonymous callers, with or without a tracking key of this project or another,
    are asked to log in (401); nothing changes."""
    key, secret = api_key
    _, other_secret = issue_key(other_project)
    at_home, posing = api_as(outsider, other_project.workspace), api_as(outsider, project.workspace)
    for method, path, body in management_requests(key.pk):
        if not path.endswith("/projects/"):  # listing and creating at home act on their own workspace
            response = getattr(at_home, method)(path, body, format="json")
            assert (response.status_code, set(response.json())) == (404, {"error"}), (method, path)
        response = getattr(posing, method)(path, body, format="json")
        assert (response.status_code, set(response.json())) == (404, {"error"}), (method, path)
        for headers in ({}, {"HTTP_X_API_KEY": secret}, {"HTTP_X_API_KEY": other_secret}):
            response = getattr(anon_api, method)(path, body, format="json", **headers)
            assert (response.status_code, set(response.json())) == (401, {"error"}), (method, path, headers)
    assert unchanged(project, key)


def test_csv_neutralises_tracked_text_a_spreadsheet_would_run(api_as, owner, project, api_key, track):
    """Anyone with a tracking key chooses the consumer and endpoint text: in CSV a formula is
    quoted, so a spreadsheet shows it instead of running it; numbers are left alone."""
    formula = '=HYPERLINK("http://evil.test","x")'
    event = {"method": "GET", "path": "/a", "endpoint": "/@x", "status_code": 200, "response_time_ms": 5}
    assert track({**event, "consumer": formula}, api_key[1]).status_code == 202
    client = api_as(owner)
    consumers = client.get("/api/v1/projects/shop/metrics/consumers?format=csv").content.decode().splitlines()
    assert consumers[1].startswith('"\'=HYPERLINK(""http://evil.test"",""x"")",1,')
    assert client.get("/api/v1/projects/shop/metrics/consumers").json()["consumers"][0]["consumer"] == formula
    endpoints = client.get("/api/v1/projects/shop/metrics/endpoints?format=csv").content.decode().splitlines()
    assert endpoints[1].startswith("GET,/@x,1,0,0,")  # starts with "/", not a formula


def test_time_series_without_an_interval_is_daily_when_hours_would_be_too_many(api_as, owner, project):
    """The default is hourly, but the whole history of 300 days is 7,201 hours: by day then.
    Asked for by the hour explicitly, the same range is refused."""
    last = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create([make_event(project, last - dt.timedelta(days=300)), make_event(project, last)])
    client = api_as(owner)
    body = client.get("/api/v1/projects/shop/metrics/time-series").json()
    assert body["interval"] == "day"
    assert (len(body["series"]), sum(row["requests"] for row in body["series"])) == (301, 2)
    short = client.get("/api/v1/projects/shop/metrics/time-series?date_from=2026-03-10&date_to=2026-03-10").json()
    assert (short["interval"], len(short["series"])) == ("hour", 24)
    hourly = client.get("/api/v1/projects/shop/metrics/time-series?interval=hour")
    assert hourly.status_code == 400
    assert list(hourly.json()["error"]["fields"]) == ["interval"]
