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
    page.click("#endpoints tr:has-text('/orders') a.detail-link")
    page.wait_for_url("**/api-metrics/shop/endpoint?*endpoint=%2Forders*")
    page.wait_for_selector("#latency-chart .plot-container")
    assert "POST /orders" in page.locator("h1").inner_text()
    assert page.locator("[data-kpi=requests] .value").inner_text() == "3"
    assert page.locator("[data-kpi=apdex] .value").inner_text() == "0.833"
    assert page.locator("#status-codes tbody tr").all_inner_texts() == ["201\t2xx\t2\t66.67 %", "422\t4xx\t1\t33.33 %"]
    assert page.locator("input[name=date_from]").input_value() == "2026-03-10T00:00"  # the workspace's UTC
    page.pulse_screenshot("apimetrics-endpoint")


def _consumer_row(consumer, requests, e4, e5, avg, p50, p95, p99, apdex, share):
    errors = e4 + e5
    return {
        "consumer": consumer,
        "requests": requests,
        "errors_4xx": e4,
        "errors_5xx": e5,
        "error_rate_4xx": round(e4 / requests * 100, 2),
        "error_rate_5xx": round(e5 / requests * 100, 2),
        "avg_ms": avg,
        "p50_ms": bv(p50),
        "p95_ms": bv(p95),
        "p99_ms": bv(p99),
        "apdex": apdex,
        "traffic_share": share,
        "errors_total": errors,
        "error_rate": round(errors / requests * 100, 2),
    }


# GET /items by consumer: a 50, 150, 20 (a 500); b 30 (a 404), 1000; none 10 (a 503, raw).
SLOWEST_OF_ITEMS = [
    _consumer_row("b", 2, 1, 0, 515.0, 30, 1000, 1000, 0.5, 33.33),  # 1000 ms frustrated
    _consumer_row("a", 3, 0, 1, 73.33, 50, 150, 150, 0.5, 50.0),  # 150 tolerating, the 500 frustrated
    _consumer_row(None, 1, 0, 1, 10.0, 10, 10, 10, 0.0, 16.67),
]


def test_endpoint_detail_lists_its_slowest_consumers_with_their_share(mix, owner, api_as):
    client = api_as(owner)
    body = client.get(METRICS + "endpoint", {**DAY, **ITEMS}).json()
    assert body["consumers"] == SLOWEST_OF_ITEMS
    assert body["total_consumers"] == 3
    one = client.get(METRICS + "endpoint", {**DAY, **ITEMS, "limit": 1}).json()
    assert (one["consumers"], one["total_consumers"]) == (SLOWEST_OF_ITEMS[:1], 3)
    # POST /orders: a 80, 90; b 120 (a 422).
    orders = client.get(METRICS + "endpoint", {**DAY, "method": "POST", "endpoint": "/orders"}).json()
    assert [(row["consumer"], row["requests"], row["traffic_share"]) for row in orders["consumers"]] == [
        ("b", 1, 33.33),
        ("a", 2, 66.67),
    ]


def test_slowest_consumers_over_instants_read_minute_rollups_and_raw_events(mix, owner, api_as):
    window = {"date_from": "2026-03-10T09:00:00Z", "date_to": "2026-03-10T09:01:00Z"}
    body = api_as(owner).get(METRICS + "endpoint", {**window, **ITEMS}).json()
    assert [(row["consumer"], row["requests"], row["traffic_share"]) for row in body["consumers"]] == [
        ("a", 2, 66.67),  # 150 ms
        ("b", 1, 33.33),  # 30 ms
    ]
    late = {"date_from": "2026-03-10T11:00:00Z", "date_to": "2026-03-10T12:00:00Z"}
    raw = api_as(owner).get(METRICS + "endpoint", {**late, **ITEMS}).json()
    assert raw["consumers"] == [SLOWEST_OF_ITEMS[2] | {"traffic_share": 100.0}]


def test_slowest_consumers_csv(mix, owner, api_as):
    csv = api_as(owner).get(METRICS + "endpoint", {**DAY, **ITEMS, "format": "csv", "table": "consumers"})
    lines = csv.content.decode().splitlines()
    assert lines[0] == (
        "consumer,requests,errors_4xx,errors_5xx,error_rate_4xx,error_rate_5xx,avg_ms,p50_ms,p95_ms,p99_ms,"
        "apdex,traffic_share,errors_total,error_rate"
    )
    assert [line.split(",")[:2] + line.split(",")[-3:] for line in lines[1:]] == [
        ["b", "2", "33.33", "1", "50.0"],
        ["a", "3", "50.0", "1", "33.33"],
        ["", "1", "16.67", "1", "100.0"],
    ]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"limit": "ten"}, {"limit": "1e3"}, {"table": "consumer"}],
)
def test_slowest_consumers_bad_input_answers_400(mix, owner, api_as, params):
    response = api_as(owner).get(METRICS + "endpoint", {**DAY, **ITEMS, **params, "format": "csv"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [next(iter(params))]


def test_slowest_consumers_for_members_only(mix, owner, admin_user, viewer, outsider, api_as, anon_api):
    for user in (owner, admin_user, viewer):
        assert api_as(user).get(METRICS + "endpoint", {**DAY, **ITEMS}).json()["consumers"] == SLOWEST_OF_ITEMS
    assert api_as(outsider).get(METRICS + "endpoint", {**DAY, **ITEMS, "format": "csv"}).status_code == 404
    assert anon_api.get(METRICS + "endpoint", {**DAY, **ITEMS, "table": "consumers"}).status_code == 401


def test_endpoint_page_shows_its_slowest_consumers_linked_to_their_pages(mix, client, owner, viewer, outsider):
    url = reverse("apimetrics:endpoint", kwargs={"key": "shop"})
    for user in (owner, viewer):
        client.force_login(user)
        html = client.get(url, {**DAY, **ITEMS}).content.decode()
        table = html.split('id="slowest-consumers"')[1].split("</table>")[0]
        day = "date_from=2026-03-10&amp;date_to=2026-03-10"
        assert [row.split("consumer=")[1].split('"')[0] for row in table.split("<tr>")[2:]] == ["b", "a", ""]
        assert f'/api-metrics/shop/consumer?{day}&amp;consumer=b">b</a>' in table
        assert f'<td class="num">{bv(1000)}</td><td class="num">2</td><td class="num">33.33 %</td>' in table
        assert "By p95 latency, 3 of 3." in html
        assert "table=consumers" in html
    client.force_login(outsider)
    assert client.get(url, {**DAY, **ITEMS}).status_code == 404
    client.logout()
    assert client.get(url, {**DAY, **ITEMS}).status_code == 302
    client.force_login(owner)
    consumer_page = client.get(reverse("apimetrics:consumer", kwargs={"key": "shop"}), {**DAY, "consumer": "a"})
    assert 'id="slowest-consumers"' not in consumer_page.content.decode()
