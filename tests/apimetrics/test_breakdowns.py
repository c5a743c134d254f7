"""Apdex per endpoint and consumer, share of traffic, the slowest endpoints, and requests by
status code and class per endpoint and over time, from the rollups and the raw events after them.

Project ``shop`` (UTC, Apdex threshold 100 ms: satisfied ≤ 100, tolerating ≤ 400, a 5xx always
frustrated), 10 March 2026, rolled up at 12:00:30 (watermark 11:59):

| time     | call          | status | ms   | consumer | Apdex       |
|----------|---------------|--------|------|----------|-------------|
| 09:00:05 | GET /items    | 200    | 50   | a        | satisfied   |
| 09:00:10 | GET /items    | 200    | 150  | a        | tolerating  |
| 09:00:20 | GET /items    | 404    | 30   | b        | satisfied   |
| 09:00:30 | POST /orders  | 201    | 80   | a        | satisfied   |
| 09:01:00 | GET /items    | 500    | 20   | a        | frustrated  |
| 09:02:00 | POST /orders  | 201    | 90   | a        | satisfied   |
| 09:03:00 | POST /orders  | 422    | 120  | b        | tolerating  |
| 10:00:00 | GET /items    | 200    | 1000 | b        | frustrated  |
| 11:59:30 | GET /items    | 503    | 10   | (none)   | frustrated, raw: after the watermark |

GET /items: 6 requests (66.67 % of 9), Apdex (2 + 1/2) / 6 = 0.417; POST /orders: 3 (33.33 %),
(2 + 1/2) / 3 = 0.833. Consumer a: 5, (3 + 1/2) / 5 = 0.7; b: 3, (1 + 1/2) / 3 = 0.5; none: 1, 0.
"""

import pytest

from apimetrics.histogram import bucket_of, bucket_value
from tests.apimetrics.conftest import at

pytestmark = pytest.mark.django_db

DAY = {"date_from": "2026-03-10", "date_to": "2026-03-10"}
METRICS = "/api/v1/projects/shop/metrics/"


def bv(value: float) -> float:
    return round(bucket_value(bucket_of(value)), 2)


def test_endpoints_carry_apdex_and_share_of_traffic(mix, owner, api_as):
    rows = api_as(owner).get(METRICS + "endpoints", DAY).json()["endpoints"]
    assert [(r["method"], r["endpoint"], r["requests"], r["traffic_share"], r["apdex"]) for r in rows] == [
        ("GET", "/items", 6, 66.67, 0.417),
        ("POST", "/orders", 3, 33.33, 0.833),
    ]
    by_apdex = api_as(owner).get(METRICS + "endpoints", {**DAY, "order_by": "apdex"}).json()["endpoints"]
    assert [r["endpoint"] for r in by_apdex] == ["/items", "/orders"]


def test_consumers_carry_apdex_and_share_of_traffic(mix, owner, api_as):
    rows = api_as(owner).get(METRICS + "consumers", DAY).json()["consumers"]
    assert [(r["consumer"], r["requests"], r["traffic_share"], r["apdex"]) for r in rows] == [
        ("a", 5, 55.56, 0.7),
        ("b", 3, 33.33, 0.5),
        (None, 1, 11.11, 0.0),
    ]


def test_slowest_endpoints_by_p95(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "slowest-endpoints", {**DAY, "limit": 1}).json()
    assert body["order_by"] == "-p95_ms"
    assert body["total_endpoints"] == 2
    assert [(r["endpoint"], r["p95_ms"], r["traffic_share"], r["apdex"]) for r in body["endpoints"]] == [
        ("/items", bv(1000), 66.67, 0.417)  # rank 6 of 6 (10, 20, 30, 50, 150, 1000)
    ]
    rows = api_as(owner).get(METRICS + "slowest-endpoints", DAY).json()["endpoints"]
    assert [(r["endpoint"], r["p95_ms"]) for r in rows] == [("/items", bv(1000)), ("/orders", bv(120))]


def test_status_codes_overall_and_per_endpoint(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "status-codes", DAY).json()
    assert body["requests"] == 9
    assert body["classes"] == {"2xx": 5, "3xx": 0, "4xx": 2, "5xx": 2}
    assert body["codes"] == [
        {"status_code": 200, "status_class": "2xx", "requests": 3, "share": 33.33},
        {"status_code": 201, "status_class": "2xx", "requests": 2, "share": 22.22},
        {"status_code": 404, "status_class": "4xx", "requests": 1, "share": 11.11},
        {"status_code": 422, "status_class": "4xx", "requests": 1, "share": 11.11},
        {"status_code": 500, "status_class": "5xx", "requests": 1, "share": 11.11},
        {"status_code": 503, "status_class": "5xx", "requests": 1, "share": 11.11},
    ]
    assert [(r["method"], r["endpoint"], r["status_code"], r["requests"], r["share"]) for r in body["rows"]] == [
        ("GET", "/items", 200, 3, 50.0),
        ("GET", "/items", 404, 1, 16.67),
        ("GET", "/items", 500, 1, 16.67),
        ("GET", "/items", 503, 1, 16.67),
        ("POST", "/orders", 201, 2, 66.67),
        ("POST", "/orders", 422, 1, 33.33),
    ]
    csv = api_as(owner).get(METRICS + "status-codes", {**DAY, "format": "csv"}).content.decode().splitlines()
    assert csv[0] == "method,endpoint,status_code,status_class,requests,share"
    assert csv[1:3] == ["GET,/items,200,2xx,3,50.0", "GET,/items,404,4xx,1,16.67"]


def test_status_codes_over_time_by_hour(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "status-codes/time-series", {**DAY, "interval": "hour"}).json()
    series = body["series"]
    assert len(series) == 24
    assert series[9] == {
        "bucket": "2026-03-10T09:00:00+00:00",
        "requests": 7,
        "status_2xx": 4,
        "status_3xx": 0,
        "status_4xx": 2,
        "status_5xx": 1,
        "codes": {"200": 2, "201": 2, "404": 1, "422": 1, "500": 1},
    }
    assert [(row["requests"], row["codes"]) for row in series[10:12]] == [(1, {"200": 1}), (1, {"503": 1})]
    assert series[0]["codes"] == {}
    assert sum(row["requests"] for row in series) == 9


def test_status_codes_come_from_the_rollups(mix):
    """Every rolled minute of /items and /orders holds its counts by code."""
    from apimetrics.models import HourRollup

    nine = HourRollup.objects.get(project=mix, kind="e", endpoint="/items", hour=at(9, 0, 0))
    assert nine.status_codes == {"200": 2, "404": 1, "500": 1}
    consumer = HourRollup.objects.get(project=mix, kind="c", consumer="b", hour=at(9, 0, 0))
    assert consumer.status_codes == {"404": 1, "422": 1}


@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("slowest-endpoints", {"limit": 0}, "limit"),
        ("status-codes/time-series", {"interval": "week"}, "interval"),
        ("status-codes", {"date_from": "2026-03-11", "date_to": "2026-03-10"}, "date_to"),
        ("endpoints", {"order_by": "-apdex;"}, "order_by"),
    ],
)
def test_bad_input_answers_400(mix, owner, api_as, endpoint, params, field):
    response = api_as(owner).get(METRICS + endpoint, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("endpoint", ["slowest-endpoints", "status-codes", "status-codes/time-series"])
def test_members_read_and_nobody_else(mix, owner, admin_user, viewer, outsider, api_as, anon_api, endpoint):
    for user in (owner, admin_user, viewer):
        response = api_as(user).get(METRICS + endpoint, DAY)
        assert response.status_code == 200, user
        body = response.json()
        total = body.get("requests") or sum(row["requests"] for row in body.get("endpoints") or body["series"])
        assert total == 9
    assert api_as(outsider).get(METRICS + endpoint, DAY).status_code == 404
    response = anon_api.get(METRICS + endpoint, DAY)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
