"""The endpoint and consumer drill-downs: their API and their pages, on the ``mix`` traffic
(see ``tests/apimetrics/test_breakdowns.py`` for the table of its nine requests)."""

import pytest
from django.urls import reverse

from apimetrics.histogram import bucket_of, bucket_value

pytestmark = pytest.mark.django_db

DAY = {"date_from": "2026-03-10", "date_to": "2026-03-10"}
METRICS = "/api/v1/projects/shop/metrics/"
ITEMS = {"method": "GET", "endpoint": "/items"}


def bv(value: float) -> float:
    return round(bucket_value(bucket_of(value)), 2)


def test_endpoint_detail_totals_codes_and_hours(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "endpoint", {**DAY, **ITEMS}).json()
    assert (body["method"], body["endpoint"], body["interval"]) == ("GET", "/items", "hour")
    assert body["totals"] == {
        "requests": 6,
        "errors_4xx": 1,
        "errors_5xx": 2,
        "error_rate_4xx": 16.67,
        "error_rate_5xx": 33.33,
        "avg_ms": 210.0,  # (50 + 150 + 30 + 20 + 1000 + 10) / 6
        "p50_ms": bv(30),  # rank 3 of 10, 20, 30, 50, 150, 1000
        "p95_ms": bv(1000),
        "p99_ms": bv(1000),
        "apdex": 0.417,
        "traffic_share": 66.67,
    }
    assert [(c["status_code"], c["requests"]) for c in body["codes"]] == [(200, 3), (404, 1), (500, 1), (503, 1)]
    assert len(body["series"]) == 24
    assert body["series"][9] == {
        "bucket": "2026-03-10T09:00:00+00:00",
        "requests": 4,
        "errors_4xx": 1,
        "errors_5xx": 1,
        "error_rate_4xx": 25.0,
        "error_rate_5xx": 25.0,
        "avg_ms": 62.5,
        "p50_ms": bv(30),  # rank 2 of 20, 30, 50, 150
        "p95_ms": bv(150),
        "p99_ms": bv(150),
        "apdex": 0.625,  # 50 and 30 satisfied, 150 tolerating, the 500 frustrated
        "codes": {"200": 2, "404": 1, "500": 1},
    }
    assert [(row["requests"], row["apdex"]) for row in body["series"][10:12]] == [(1, 0.0), (1, 0.0)]
    assert body["series"][12]["apdex"] is None


def test_consumer_detail_and_requests_without_one(mix, owner, api_as):
    client = api_as(owner)
    b = client.get(METRICS + "consumer", {**DAY, "consumer": "b", "interval": "day"}).json()
    assert (b["consumer"], b["interval"]) == ("b", "day")
    assert (b["totals"]["requests"], b["totals"]["apdex"], b["totals"]["traffic_share"]) == (3, 0.5, 33.33)
    assert [(c["status_code"], c["requests"]) for c in b["codes"]] == [(200, 1), (404, 1), (422, 1)]
    assert [(row["bucket"], row["requests"]) for row in b["series"]] == [("2026-03-10", 3)]
    nobody = client.get(METRICS + "consumer", {**DAY, "consumer": ""}).json()
    assert (nobody["totals"]["requests"], nobody["codes"][0]["status_code"]) == (1, 503)  # raw, after the rollups


def test_detail_csv_has_the_series_and_the_codes(mix, owner, api_as):
    client = api_as(owner)
    series = client.get(METRICS + "endpoint", {**DAY, **ITEMS, "interval": "day", "format": "csv"}).content.decode()
    lines = series.splitlines()
    assert lines[0].startswith("bucket,requests,errors_4xx,errors_5xx")
    assert lines[0].endswith("apdex,codes.200,codes.404,codes.500,codes.503,annotations")
    assert lines[1].startswith("2026-03-10,6,1,2,")
    assert lines[1].endswith("0.417,3,1,1,1,")  # no annotations
    codes = client.get(METRICS + "endpoint", {**DAY, **ITEMS, "format": "csv", "table": "codes"}).content.decode()
    assert codes.splitlines() == [
        "status_code,status_class,requests,share",
        "200,2xx,3,50.0",
        "404,4xx,1,16.67",
        "500,5xx,1,16.67",
        "503,5xx,1,16.67",
    ]


@pytest.mark.parametrize(
    ("endpoint", "params", "field"),
    [
        ("endpoint", {"method": "GET"}, "endpoint"),
        ("endpoint", {"endpoint": "/items"}, "method"),
        ("endpoint", {**ITEMS, "method": "G" * 11}, "method"),
        ("endpoint", {**ITEMS, "interval": "week"}, "interval"),
        ("consumer", {}, "consumer"),
        ("consumer", {"consumer": "a", "date_from": "2026-03-11", "date_to": "2026-03-10"}, "date_to"),
    ],
)
def test_detail_bad_input_answers_400(mix, owner, api_as, endpoint, params, field):
    response = api_as(owner).get(METRICS + endpoint, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(("endpoint", "params"), [("endpoint", ITEMS), ("consumer", {"consumer": "a"})])
def test_detail_api_for_members_only(mix, owner, admin_user, viewer, outsider, api_as, anon_api, endpoint, params):
    for user in (owner, admin_user, viewer):
        assert api_as(user).get(METRICS + endpoint, {**DAY, **params}).json()["totals"]["requests"] in (6, 5), user
    assert api_as(outsider).get(METRICS + endpoint, {**DAY, **params}).status_code == 404
    assert anon_api.get(METRICS + endpoint, {**DAY, **params}).status_code == 401


PAGES = [("apimetrics:endpoint", ITEMS, "GET /items"), ("apimetrics:consumer", {"consumer": "a"}, "Consumer a")]


@pytest.mark.parametrize(("name", "params", "title"), PAGES)
def test_detail_pages_for_members(mix, client, owner, admin_user, viewer, name, params, title):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        response = client.get(reverse(name, kwargs={"key": "shop"}), {**DAY, **params})
        assert response.status_code == 200
        html = response.content.decode()
        assert title in html
        assert html.count('class="pulse-chart"') == 3
        assert "/api/v1/projects/shop/metrics/" in html
        assert "format=csv" in html
    detail = response.context["detail"]
    assert detail["totals"]["requests"] == (6 if name == "apimetrics:endpoint" else 5)


@pytest.mark.parametrize(("name", "params", "title"), PAGES)
def test_detail_pages_refuse_outsiders_and_anonymous(mix, client, outsider, name, params, title):
    url = reverse(name, kwargs={"key": "shop"})
    response = client.get(url, params)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(url, params).status_code == 404


def test_detail_page_without_a_name_or_of_another_project_is_404(mix, client, owner):
    client.force_login(owner)
    url = reverse("apimetrics:endpoint", kwargs={"key": "shop"})
    assert client.get(url, {"method": "GET"}).status_code == 404
    assert client.get(reverse("apimetrics:endpoint", kwargs={"key": "nope"}), ITEMS).status_code == 404


def test_project_page_links_rows_to_their_detail_pages(mix, client, owner):
    client.force_login(owner)
    html = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), DAY).content.decode()
    day = "date_from=2026-03-10&amp;date_to=2026-03-10"
    assert f"/api-metrics/shop/endpoint?{day}&amp;method=GET&amp;endpoint=%2Fitems" in html
    assert f"/api-metrics/shop/consumer?{day}&amp;consumer=b" in html
    assert f'/api-metrics/shop/consumer?{day}&amp;consumer="' in html  # the requests without one
    assert '<td class="num">0.417</td>' in html  # the Apdex of /items
    assert '<td class="num">66.67 %</td>' in html  # its share of the traffic
    assert "2xx 5 · 3xx 0 · 4xx 2 · 5xx 2" in html


@pytest.mark.browser
def test_clicking_an_endpoint_row_opens_its_page_with_its_figures(mix, browser_page, owner):
    page = browser_page(owner)
    page.goto("/api-metrics/shop/?date_from=2026-03-10&date_to=2026-03-10")
    page.click("#endpoints a:has-text('/orders')")
    page.wait_for_url("**/api-metrics/shop/endpoint?*endpoint=%2Forders*")
    page.wait_for_selector("#latency-chart .plot-container")
    assert "POST /orders" in page.locator("h1").inner_text()
    assert page.locator("[data-kpi=requests] .value").inner_text() == "3"
    assert page.locator("[data-kpi=apdex] .value").inner_text() == "0.833"
    assert page.locator("#status-codes tbody tr").all_inner_texts() == ["201\t2xx\t2\t66.67 %", "422\t4xx\t1\t33.33 %"]
    assert page.locator("input[name=date_from]").input_value() == "2026-03-10"
    page.pulse_screenshot("apimetrics-endpoint")
