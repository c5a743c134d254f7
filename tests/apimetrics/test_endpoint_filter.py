"""The summary of one endpoint (``?endpoint=GET /items``): what alerts on one endpoint read, from
the endpoint rollups and the raw events past the watermark, for every role; bad values answer 400.

Traffic of 10 March 2026 (UTC), rolled up at 12:00:30, and one raw event after the watermark:
| at        | endpoint     | status | ms   |
| 09:00:05  | GET /items   | 200    |   10 |
| 09:00:50  | GET /items   | 404    |   20 |
| 09:00:59  | POST /orders | 201    |  300 |
| 09:01:00  | GET /items   | 503    | 1000 |
| 09:01:01  | GET /items   | 302    |    5 |
| 10:30:00  | GET /items   | 200    |   40 |
| 12:00:10  | GET /items   | 200    |   50 |  (raw: after the watermark, 11:59)
"""

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine

from apimetrics import rollups
from apimetrics.histogram import bucket_of, bucket_value
from apimetrics.models import RequestEvent
from tests.apimetrics.factories import make_event

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)
URL = "/api/v1/projects/shop/metrics/summary?date_from=2026-03-10&date_to=2026-03-10&endpoint="
KEYS = ("requests", "errors_4xx", "errors_5xx", "error_rate_4xx", "error_rate_5xx", "avg_ms", "p95_ms", "apdex")


@pytest.fixture
def traffic(project):
    seconds = dt.timedelta(seconds=1)
    RequestEvent.objects.bulk_create(
        [
            make_event(project, T0 + 5 * seconds, ms=10),
            make_event(project, T0 + 50 * seconds, ms=20, status=404),
            make_event(project, T0 + 59 * seconds, method="POST", endpoint="/orders", ms=300, status=201),
            make_event(project, T0 + 60 * seconds, ms=1000, status=503),
            make_event(project, T0 + 61 * seconds, ms=5, status=302),
            make_event(project, T0 + dt.timedelta(hours=1, minutes=30), ms=40),
            make_event(project, NOW - 20 * seconds, ms=50),
        ]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    with time_machine.travel(NOW, tick=False):
        yield project


def _figures(client, endpoint: str) -> dict:
    response = client.get(URL + quote(endpoint))
    assert response.status_code == 200
    return {key: response.json()[key] for key in KEYS}


def bv(value: float) -> float:
    return round(bucket_value(bucket_of(value)), 2)


def test_members_read_one_endpoints_figures(traffic, api_as, owner, admin_user, viewer):
    for user in (owner, admin_user, viewer):
        # GET /items: six calls (one raw), 1125 ms in all; the 503 is frustrated, the rest satisfied.
        assert _figures(api_as(user), "GET /items") == {
            "requests": 6,
            "errors_4xx": 1,
            "errors_5xx": 1,
            "error_rate_4xx": 16.67,
            "error_rate_5xx": 16.67,
            "avg_ms": 187.5,
            "p95_ms": bv(1000),
            "apdex": 0.833,
        }
    assert _figures(api_as(owner), "POST /orders") == {
        "requests": 1,
        "errors_4xx": 0,
        "errors_5xx": 0,
        "error_rate_4xx": 0.0,
        "error_rate_5xx": 0.0,
        "avg_ms": 300.0,
        "p95_ms": bv(300),
        "apdex": 1.0,
    }
    # An endpoint the project never had is not a row of zeros but the one error shape's 404.
    unknown = api_as(owner).get(URL + quote("DELETE /items"))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"


def test_outsiders_and_anonymous_read_no_endpoint(traffic, api_as, anon_api, outsider, workspace, other_workspace):
    assert api_as(outsider, workspace).get(URL + quote("GET /items")).status_code == 404
    assert api_as(outsider, other_workspace).get(URL + quote("GET /items")).status_code == 404  # no "shop" there
    assert anon_api.get(URL + quote("GET /items")).status_code == 401


@pytest.mark.parametrize(
    "endpoint", ["GET", "get /items", "GET items", "GET /a b", "GETTINGLONGER /x", "GET /" + "x" * 255, "'; DROP"]
)
def test_a_malformed_endpoint_answers_400(traffic, api_as, owner, endpoint):
    response = api_as(owner).get(URL + quote(endpoint))
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["endpoint"]


def test_what_only_the_hour_rollups_still_hold_is_known(project, api_as, owner):
    """Once retention has dropped the raw events, the hour rollups alone say which endpoints and
    consumers the project had (each kind of row matched on its whole dimension)."""
    RequestEvent.objects.bulk_create([make_event(project, T0, ms=10, consumer="app")])
    rollups.rollup_project(project_id=project.pk, now=NOW)
    RequestEvent.objects.all().delete()
    consumer = URL.replace("&endpoint=", "&consumer=")
    with time_machine.travel(NOW, tick=False):
        client = api_as(owner)
        assert client.get(URL + quote("GET /items")).json()["requests"] == 1
        assert client.get(consumer + "app").json()["requests"] == 1
        assert client.get(URL + quote("GET /orders")).status_code == 404
        assert client.get(consumer + "web").status_code == 404
