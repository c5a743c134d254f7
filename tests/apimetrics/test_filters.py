"""API metrics narrowed to one endpoint, one consumer, one status class: in the API and as the
project dashboard's chips, for every role; bad values answer 400, unknown ones 404.

The ``mix`` fixture (tests/apimetrics/conftest.py; Apdex threshold 100 ms: satisfied ≤ 100,
tolerating ≤ 400, a 5xx always frustrated), 10 March 2026, rolled up at 12:00:30:

| time     | call          | status | ms   | consumer |
|----------|---------------|--------|------|----------|
| 09:00:05 | GET /items    | 200    | 50   | a        |
| 09:00:10 | GET /items    | 200    | 150  | a        |
| 09:00:20 | GET /items    | 404    | 30   | b        |
| 09:00:30 | POST /orders  | 201    | 80   | a        |
| 09:01:00 | GET /items    | 500    | 20   | a        |
| 09:02:00 | POST /orders  | 201    | 90   | a        |
| 09:03:00 | POST /orders  | 422    | 120  | b        |
| 10:00:00 | GET /items    | 200    | 1000 | b        |
| 11:59:30 | GET /items    | 503    | 10   | (none)   | raw: after the watermark
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from tests.apimetrics.conftest import NOW
from tests.charts import chart_spec

pytestmark = pytest.mark.django_db

DAY = {"date_from": "2026-03-10", "date_to": "2026-03-10"}
METRICS = "/api/v1/projects/shop/metrics/"
KEYS = ("requests", "errors_4xx", "errors_5xx", "error_rate_4xx", "error_rate_5xx", "avg_ms", "apdex")


@pytest.fixture
def now():
    # Raw events answer a status class only within the project's retention: read "today".
    with time_machine.travel(NOW, tick=False):
        yield


def _summary(client, **filters) -> tuple:
    response = client.get(METRICS + "summary", {**DAY, **filters})
    assert response.status_code == 200, response.content
    body = response.json()
    return tuple(body[key] for key in KEYS)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # Events 1, 2, 4, 5, 6: 390 ms; 3 satisfied, 150 ms tolerating, the 500 frustrated.
        ({"consumer": "a"}, (5, 0, 1, 0.0, 20.0, 78.0, 0.7)),
        # Events 4, 6, 7: 290 ms; 120 ms tolerating.
        ({"endpoint": "POST /orders"}, (3, 1, 0, 33.33, 0.0, 96.67, 0.833)),
        # Both (the rollups of each endpoint's consumers): events 3 and 8, 1030 ms; 1000 ms frustrated.
        ({"endpoint": "GET /items", "consumer": "b"}, (2, 1, 0, 50.0, 0.0, 515.0, 0.5)),
        # Raw events: the 404 (30 ms, satisfied) and the 422 (120 ms, tolerating).
        ({"status_class": "4xx"}, (2, 2, 0, 100.0, 0.0, 75.0, 0.75)),
        # The 500 (rolled up) and the 503 (after the watermark) read alike from the raw events.
        ({"status_class": "5xx"}, (2, 0, 2, 0.0, 100.0, 15.0, 0.0)),
        ({"status_class": "4xx", "endpoint": "GET /items"}, (1, 1, 0, 100.0, 0.0, 30.0, 1.0)),
        ({"status_class": "2xx", "consumer": "b"}, (1, 0, 0, 0.0, 0.0, 1000.0, 0.0)),
    ],
)
def test_filtered_summary_for_members(mix, now, api_as, owner, admin_user, viewer, filters, expected):
    for user in (owner, admin_user, viewer):
        assert _summary(api_as(user), **filters) == expected


def test_filtered_series_status_series_and_tables(mix, now, api_as, owner):
    client = api_as(owner)
    hourly = {**DAY, "interval": "hour"}

    def by_hour(path: str, key: str, **filters) -> dict:
        series = client.get(METRICS + path, {**hourly, **filters}).json()["series"]
        assert len(series) == 24
        return {row["bucket"][11:13]: row[key] for row in series if row["requests"]}

    # GET /items: four requests at 9, the 1000 ms one at 10, the raw 503 at 11.
    assert by_hour("time-series", "requests", endpoint="GET /items") == {"09": 4, "10": 1, "11": 1}
    assert by_hour("time-series", "apdex", consumer="a") == {"09": 0.7}
    assert by_hour("time-series", "requests", status_class="4xx") == {"09": 2}
    assert by_hour("status-codes/time-series", "codes", consumer="b") == {"09": {"404": 1, "422": 1}, "10": {"200": 1}}

    endpoints = client.get(METRICS + "endpoints", {**DAY, "consumer": "a"}).json()["endpoints"]
    assert [(r["endpoint"], r["requests"], r["traffic_share"]) for r in endpoints] == [
        ("/items", 3, 60.0),
        ("/orders", 2, 40.0),
    ]
    consumers = client.get(METRICS + "consumers", {**DAY, "endpoint": "POST /orders"}).json()["consumers"]
    assert [(r["consumer"], r["requests"], r["traffic_share"]) for r in consumers] == [("a", 2, 66.67), ("b", 1, 33.33)]
    status = client.get(METRICS + "status-codes", {**DAY, "endpoint": "GET /items"}).json()
    assert status["classes"] == {"2xx": 3, "3xx": 0, "4xx": 1, "5xx": 2}
    assert [(c["status_code"], c["requests"]) for c in status["codes"]] == [(200, 3), (404, 1), (500, 1), (503, 1)]
    slowest = client.get(METRICS + "slowest-endpoints", {**DAY, "status_class": "5xx"}).json()["endpoints"]
    assert [(r["endpoint"], r["requests"]) for r in slowest] == [("/items", 2)]


def test_filtered_csv_carries_the_filter(mix, now, api_as, owner):
    response = api_as(owner).get(METRICS + "consumers", {**DAY, "endpoint": "POST /orders", "format": "csv"})
    lines = response.content.decode().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["a", "b"]


def test_outsiders_and_anonymous_read_no_filtered_figures(mix, api_as, anon_api, outsider, workspace, other_workspace):
    url = METRICS + "summary"
    params = {**DAY, "consumer": "a"}
    assert api_as(outsider, workspace).get(url, params).status_code == 404
    assert api_as(outsider, other_workspace).get(url, params).status_code == 404
    assert anon_api.get(url, params).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status_class": "6xx"}, "status_class"),
        ({"status_class": "4XX"}, "status_class"),
        ({"endpoint": "get /items"}, "endpoint"),
        ({"consumer": "x" * 129}, "consumer"),
        # A status class over the whole history, or over more than a week: no raw read that long.
        ({"status_class": "4xx", "date_from": "", "date_to": ""}, "status_class"),
        ({"status_class": "4xx", "date_from": "2026-03-02", "date_to": "2026-03-10"}, "status_class"),
    ],
)
@pytest.mark.parametrize("path", ["summary", "time-series", "endpoints", "status-codes"])
def test_bad_filters_answer_400(mix, now, api_as, owner, params, field, path):
    query = {**DAY, **params}
    response = api_as(owner).get(METRICS + path, {k: v for k, v in query.items() if v})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_a_status_class_past_retention_answers_400(mix, api_as, owner):
    # Today (no time travel) is months after the events: their raw rows are past 90 days' retention.
    response = api_as(owner).get(METRICS + "summary", {**DAY, "status_class": "4xx"})
    assert response.status_code == 400
    assert "retention" in response.json()["error"]["fields"]["status_class"][0]


@pytest.mark.parametrize("params", [{"consumer": "zed"}, {"endpoint": "DELETE /items"}, {"endpoint": "GET /orders"}])
@pytest.mark.parametrize("path", ["summary", "time-series", "consumers", "status-codes/time-series"])
def test_unknown_endpoint_or_consumer_answers_404(mix, now, api_as, owner, params, path):
    response = api_as(owner).get(METRICS + path, {**DAY, **params})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- the dashboard -------------------------------------------------------------------------


def _kpi(html: str, label: str) -> str:
    return re.search(rf'<div class="label">{label}</div><div class="value">([^<]*)</div>', html).group(1)


def test_dashboard_filters_are_chips_its_figures_follow(mix, now, client, owner, admin_user, viewer):
    url = reverse("apimetrics:project", kwargs={"key": "shop"})
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        response = client.get(url, {**DAY, "endpoint": "GET /items", "consumer": "b"})
        assert response.status_code == 200
        html = response.content.decode()
        assert (_kpi(html, "Requests"), _kpi(html, "Average"), _kpi(html, "4xx rate")) == ("2", "515.0 ms", "50.00 %")
        chips = response.context["filter_chips"]
        assert [(chip["label"], chip["shown"]) for chip in chips] == [("Endpoint", "GET /items"), ("Consumer", "b")]
        day = "preset=custom&date_from=2026-03-10&date_to=2026-03-10"
        assert chips[1]["remove_url"] == f"{url}?{day}&endpoint=GET+%2Fitems"
        assert [row["consumer"] for row in response.context["consumers"]] == ["b"]
        # The time controls' form and the CSV links carry the filters.
        assert '<input type="hidden" name="consumer" value="b">' in html
        assert "/api/v1/projects/shop/metrics/endpoints?date_from=2026-03-10&amp;date_to=2026-03-10" in html
        assert "consumer=b&amp;format=csv" in html


def test_dashboard_status_class_and_row_and_bar_links(mix, now, client, owner):
    client.force_login(owner)
    url = reverse("apimetrics:project", kwargs={"key": "shop"})
    response = client.get(url, {**DAY, "status_class": "5xx"})
    html = response.content.decode()
    assert (_kpi(html, "Requests"), _kpi(html, "5xx rate")) == ("2", "100.00 %")
    assert [(row["label"], row["requests"]) for row in response.context["endpoints"]] == [("GET /items", 2)]
    # Each row applies its filter beside the current ones, and links to its page.
    row = response.context["endpoints"][0]
    assert (
        row["filter_url"]
        == f"{url}?preset=custom&date_from=2026-03-10&date_to=2026-03-10&status_class=5xx&endpoint=GET+%2Fitems"
    )
    assert row["detail_url"].startswith("/api-metrics/shop/endpoint?date_from=2026-03-10&")
    # The bars hold the same links: a click on a bar applies the filter.
    assert row["filter_url"].replace("&", "\\u0026") in html
    classes = chart_spec(html, "Requests by status class")
    assert classes["figure"]["data"][0]["y"] == ["5xx", "4xx", "3xx", "2xx"]
    assert classes["links"]["4xx"] == f"{url}?preset=custom&date_from=2026-03-10&date_to=2026-03-10&status_class=4xx"
    none = [row for row in response.context["consumers"] if row["label"] == "(none)"]
    assert none[0]["filter_url"] is None  # no chip names the requests without a consumer


def test_filter_links_keep_the_interval_and_the_auto_refresh(mix, now, client, owner):
    client.force_login(owner)
    url = reverse("apimetrics:project", kwargs={"key": "shop"})
    response = client.get(url, {**DAY, "interval": "hour", "live": "1", "endpoint": "GET /items"})
    day = "preset=custom&date_from=2026-03-10&date_to=2026-03-10"
    assert response.context["filter_chips"][0]["remove_url"] == f"{url}?{day}&interval=hour&live=1"
    row = response.context["consumers"][0]
    assert row["filter_url"] == f"{url}?{day}&interval=hour&live=1&endpoint=GET+%2Fitems&consumer={row['consumer']}"
    # Anything else than the choices offered is not carried on.
    response = client.get(url, {**DAY, "interval": "week", "live": "yes", "endpoint": "GET /items"})
    assert response.context["filter_chips"][0]["remove_url"] == f"{url}?{day}"


def test_status_bars_link_nowhere_when_raw_events_cannot_answer(mix, client, owner):
    # Today is months after the events, past their retention: a class filter would be refused.
    client.force_login(owner)
    html = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), DAY).content.decode()
    assert chart_spec(html, "Requests by status class")["links"] == {}
    assert chart_spec(html, "Requests by endpoint")["links"]["POST /orders"].endswith("&endpoint=POST+%2Forders")


def test_dashboard_bad_and_unknown_filters_are_left_out_with_an_error(mix, now, client, owner):
    client.force_login(owner)
    url = reverse("apimetrics:project", kwargs={"key": "shop"})
    response = client.get(url, {**DAY, "consumer": "zed", "status_class": "9xx"})
    assert response.status_code == 200
    assert response.context["filter_chips"] == []
    errors = response.context["form_errors"]
    assert "consumer: no consumer 'zed' in this workspace." in errors
    assert "status_class:" in errors
    assert _kpi(response.content.decode(), "Requests") == "9"
    week = {"date_from": "2026-03-01", "date_to": "2026-03-10", "status_class": "4xx"}
    response = client.get(url, week)
    assert response.context["filter_chips"] == []
    assert "at most 7 days" in response.context["form_errors"]


def test_dashboard_refuses_outsiders_and_anonymous(mix, client, outsider):
    url = reverse("apimetrics:project", kwargs={"key": "shop"})
    response = client.get(url, {**DAY, "consumer": "a"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(url, {**DAY, "consumer": "a"}).status_code == 404


def test_a_status_class_covers_a_week_within_retention(mix, now, api_as, owner):
    week = {"date_from": "2026-03-04", "date_to": "2026-03-10", "status_class": "4xx"}
    assert api_as(owner).get(METRICS + "summary", week).json()["requests"] == 2
    hours = {"date_from": (NOW - dt.timedelta(hours=4)).isoformat(), "date_to": NOW.isoformat(), "status_class": "5xx"}
    assert api_as(owner).get(METRICS + "summary", hours).json()["requests"] == 2
