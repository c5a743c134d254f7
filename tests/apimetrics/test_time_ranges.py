"""API metrics over date-times: ranges of instants in the API, the live presets of the pages, and
the interval chosen when none is asked, on the ``mix`` traffic (the table of its nine requests
is in ``tests/apimetrics/test_breakdowns.py``: seven between 09:00 and 09:03 UTC on 10 March 2026,
one at 10:00, one at 11:59:30)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

METRICS = "/api/v1/projects/shop/metrics/"
NINE_TO_FIVE_PAST = {"date_from": "2026-03-10T09:00:00Z", "date_to": "2026-03-10T09:05:00Z"}


def test_summary_of_a_range_of_instants_and_the_one_before(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "summary", NINE_TO_FIVE_PAST).json()
    assert (body["date_from"], body["date_to"]) == ("2026-03-10T09:00:00Z", "2026-03-10T09:05:00Z")
    # 09:00 x4, 09:01 (500), 09:02 (201), 09:03 (422); the 10:00 request is after the end.
    assert (body["requests"], body["errors_4xx"], body["errors_5xx"]) == (7, 2, 1)
    assert body["throughput_rpm"] == 1.4  # 7 requests over 5 minutes
    assert body["previous"]["requests"] == 0  # 08:55 to 09:00
    assert body["change_pct"]["requests"] is None


def test_an_offset_names_the_same_instants_and_seconds_are_dropped(mix, owner, api_as):
    client = api_as(owner)
    paris = client.get(
        METRICS + "summary", {"date_from": "2026-03-10T10:00:59+01:00", "date_to": "2026-03-10T10:01:30+01:00"}
    ).json()
    # Read to the minute: 09:00 up to 09:01 UTC, the four requests of minute 09:00.
    assert (paris["date_from"], paris["date_to"], paris["requests"]) == (
        "2026-03-10T09:00:00Z",
        "2026-03-10T09:01:00Z",
        4,
    )


def test_time_series_by_the_minute_over_instants(mix, owner, api_as):
    body = api_as(owner).get(METRICS + "time-series", {**NINE_TO_FIVE_PAST, "interval": "minute"}).json()
    assert [(row["bucket"], row["requests"]) for row in body["series"]] == [
        ("2026-03-10T09:00:00+00:00", 4),
        ("2026-03-10T09:01:00+00:00", 1),
        ("2026-03-10T09:02:00+00:00", 1),
        ("2026-03-10T09:03:00+00:00", 1),
        ("2026-03-10T09:04:00+00:00", 0),
    ]


def test_tables_and_details_over_instants_read_rollups_and_raw_events(mix, owner, api_as):
    client = api_as(owner)
    window = {"date_from": "2026-03-10T09:59:00Z", "date_to": "2026-03-10T12:00:00Z"}
    endpoints = client.get(METRICS + "endpoints", window).json()["endpoints"]
    # 10:00 from the hour rollups, 11:59 from the raw events written after the rollup.
    assert [(row["method"], row["endpoint"], row["requests"]) for row in endpoints] == [("GET", "/items", 2)]
    codes = client.get(METRICS + "status-codes", window).json()["classes"]
    assert codes == {"2xx": 1, "3xx": 0, "4xx": 0, "5xx": 1}
    detail = client.get(METRICS + "consumer", {**window, "consumer": "b", "interval": "hour"}).json()
    assert [(row["bucket"], row["requests"]) for row in detail["series"]] == [
        ("2026-03-10T09:00:00+00:00", 0),
        ("2026-03-10T10:00:00+00:00", 1),
        ("2026-03-10T11:00:00+00:00", 0),
    ]


def test_date_time_csv_names_its_range(mix, owner, api_as):
    csv = api_as(owner).get(METRICS + "summary", {**NINE_TO_FIVE_PAST, "format": "csv"}).content.decode()
    header, row = csv.splitlines()[:2]
    assert header.startswith("project,date_from,date_to,")
    assert row.startswith("shop,2026-03-10 09:00:00+00:00,2026-03-10 09:05:00+00:00,")  # as rolled_until


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-03-10T09:00:00"}, "date_from"),  # no offset
        ({"date_from": "2026-03-10 09:00"}, "date_from"),  # no offset either
        ({"date_from": "2026-13-10T09:00:00Z"}, "date_from"),
        ({"date_from": "2026-03-10T24:30:00Z"}, "date_from"),
        ({"date_from": "2026-03-10T09:00:00+25:00"}, "date_from"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-03-10T09:00:00Z" + "0" * 500}, "date_from"),
        ({"date_to": "0001-01-01T00:00:00+14:00"}, "date_to"),
        ({"date_to": "9999-12-31T23:59:00-14:00"}, "date_to"),
        ({"date_from": "1969-12-31T23:59:00Z"}, "date_from"),
        ({"date_from": "2026-03-10", "date_to": "2026-03-10T10:00:00Z"}, "date_to"),
        ({"date_from": "2026-03-10T10:00:00Z", "date_to": "2026-03-10T10:00:00Z"}, "date_to"),
        ({"date_from": "2026-03-10T10:00:10Z", "date_to": "2026-03-10T10:00:50Z"}, "date_to"),  # one minute
        ({"date_from": "2026-03-10T10:00:00Z", "date_to": "2026-03-10T09:00:00Z"}, "date_to"),
        ({"date_from": "2026-03-01T00:00:00Z", "date_to": "2026-03-10T00:00:00Z", "interval": "minute"}, "interval"),
    ],
)
@pytest.mark.parametrize("endpoint", ["summary", "time-series", "endpoints", "status-codes"])
def test_bad_date_times_answer_400_in_the_error_shape(mix, owner, api_as, endpoint, params, field):
    if "interval" in params and endpoint != "time-series":
        pytest.skip("only series have an interval")
    response = api_as(owner).get(METRICS + endpoint, params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid"
    assert list(body["error"]["fields"]) == [field]


def test_date_time_ranges_for_members_only(mix, owner, admin_user, viewer, outsider, api_as, anon_api):
    for user in (owner, admin_user, viewer):
        assert api_as(user).get(METRICS + "summary", NINE_TO_FIVE_PAST).json()["requests"] == 7, user
    assert api_as(outsider).get(METRICS + "summary", NINE_TO_FIVE_PAST).status_code == 404
    assert anon_api.get(METRICS + "summary", NINE_TO_FIVE_PAST).status_code == 401


LIVE_NOW = dt.datetime(2026, 3, 10, 9, 3, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("preset", "requests"),
    [("15m", 7), ("1h", 7), ("24h", 7)],
)
def test_live_presets_end_with_the_current_minute(mix, client, owner, preset, requests):
    client.force_login(owner)
    with time_machine.travel(LIVE_NOW, tick=False):
        page = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), {"preset": preset})
    assert page.status_code == 200
    period = page.context["period"]
    assert period.date_to == dt.datetime(2026, 3, 10, 9, 4, tzinfo=dt.UTC)  # the end of 09:03
    assert period.date_to - period.date_from == {"15m": dt.timedelta(minutes=15), "1h": dt.timedelta(hours=1)}.get(
        preset, dt.timedelta(hours=24)
    )
    assert page.context["summary"]["requests"] == requests
    assert page.context["time"].description.endswith(", up to now")
    html = page.content.decode()
    assert f'<option value="{preset}" selected>' in html
    assert "date_from=" + period.date_from.isoformat().replace(":", "%3A").replace("+", "%2B") in html


def test_live_presets_only_on_the_api_metrics_pages_and_ignored_elsewhere(mix, client, owner):
    client.force_login(owner)
    api = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}))
    sales = client.get("/sales/", {"preset": "15m"})
    assert '<option value="15m"' in api.content.decode()
    assert '<option value="15m"' not in sales.content.decode()
    # Carried there by the nav links: the page of daily data shows its default range, no error.
    assert (sales.context["form_errors"], sales.context["time"].preset) == ("", "30d")
    projects = client.get(reverse("apimetrics:projects"), {"preset": "15m"})
    assert (projects.context["form_errors"], projects.context["time"].preset) == ("", "15m")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("apimetrics:project", {}),
        ("apimetrics:endpoint", {"method": "GET", "endpoint": "/items"}),
        ("apimetrics:consumer", {"consumer": "a"}),
    ],
)
def test_live_pages_for_members_only(mix, client, owner, admin_user, viewer, outsider, name, params):
    url = reverse(name, kwargs={"key": "shop"})
    with time_machine.travel(LIVE_NOW, tick=False):
        for user in (owner, admin_user, viewer):
            client.force_login(user)
            assert client.get(url, {**params, "preset": "1h"}).status_code == 200, user
        client.force_login(outsider)
        assert client.get(url, {**params, "preset": "1h"}).status_code == 404
        client.logout()
        assert client.get(url, {**params, "preset": "1h"}).status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        # Wall-clock times of the workspace (UTC here) are read, but must still end after they start.
        {"preset": "custom", "date_from": "2026-03-10T09:00", "date_to": "2026-03-10T08:00"},
        {"preset": "custom", "date_from": "2026-03-10T09:00:00Z", "date_to": "2026-03-10"},
        {"preset": "5m"},
    ],
)
def test_live_pages_show_bad_input_above_the_page(mix, client, owner, query):
    client.force_login(owner)
    page = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), query)
    assert page.status_code == 200
    assert page.context["form_errors"]
    assert page.context["time"].preset == "30d"


def _span(start: str, **length: int) -> dict[str, str]:
    begin = dt.datetime.fromisoformat(start)
    return {"date_from": start, "date_to": (begin + dt.timedelta(**length)).isoformat()}


@pytest.mark.parametrize(
    ("params", "interval", "buckets"),
    [
        (_span("2026-03-10T09:00:00+00:00", minutes=500), "minute", 500),
        (_span("2026-03-10T09:00:00+00:00", minutes=501), "hour", 9),  # 09:00 to 17:20
        (_span("2026-03-10T09:30:00+00:00", minutes=500), "minute", 500),
        (_span("2026-03-01T00:00:00+00:00", hours=500), "hour", 500),
        (_span("2026-03-01T00:00:00+00:00", hours=501), "day", 21),  # 1 to 21 March, 21:00
        ({"date_from": "2026-03-10", "date_to": "2026-03-10"}, "hour", 24),
        ({"date_from": "2026-03-01", "date_to": "2026-03-20"}, "hour", 480),
        ({"date_from": "2026-03-01", "date_to": "2026-03-21"}, "day", 21),  # 504 hours
        ({"date_from": "2020-01-01", "date_to": "2026-03-21"}, "day", 2272),  # past 500: still by day
        ({}, "minute", 180),  # the whole history: its minutes, 09:00 to 11:59
    ],
)
@pytest.mark.parametrize("endpoint", ["time-series", "status-codes/time-series", "endpoint"])
def test_the_interval_left_to_the_server_keeps_500_buckets_at_most(
    mix, owner, api_as, endpoint, params, interval, buckets
):
    query = {**params, "method": "GET", "endpoint": "/items"} if endpoint == "endpoint" else params
    body = api_as(owner).get(METRICS + endpoint, query).json()
    assert (body["interval"], len(body["series"])) == (interval, buckets)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({**_span("2026-03-01T00:00:00+00:00", minutes=5000), "interval": "minute"}, 200),
        ({**_span("2026-03-01T00:00:00+00:00", minutes=5001), "interval": "minute"}, 400),
        ({**_span("2026-03-01T00:00:00+00:00", hours=5001), "interval": "hour"}, 400),
    ],
)
def test_an_interval_asked_beyond_the_bucket_cap_answers_400(mix, owner, api_as, params, status):
    response = api_as(owner).get(METRICS + "time-series", params)
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["error"]["fields"]) == ["interval"]
    else:
        assert len(response.json()["series"]) == 5000


@pytest.mark.parametrize(
    ("query", "interval"),
    [
        ({"preset": "15m"}, "minute"),
        ({"preset": "1h"}, "minute"),
        ({"preset": "24h"}, "hour"),
        ({"preset": "7d"}, "hour"),  # 168 hours
        ({"preset": "30d"}, "day"),  # 720 hours
        ({"preset": "15m", "interval": "hour"}, "hour"),  # as asked
        ({"preset": "30d", "interval": "minute"}, "day"),  # too many minutes: the auto one
    ],
)
def test_the_dashboard_picks_its_interval_by_the_same_rule(mix, client, owner, query, interval):
    client.force_login(owner)
    with time_machine.travel(LIVE_NOW, tick=False):
        page = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), query)
    assert page.status_code == 200
    assert page.context["interval"] == interval
    assert f"&amp;interval={interval}" in page.content.decode()  # the series' CSV link


def test_drill_down_links_carry_a_live_preset_or_the_instants(mix, client, owner):
    client.force_login(owner)
    project = reverse("apimetrics:project", kwargs={"key": "shop"})
    endpoint = reverse("apimetrics:endpoint", kwargs={"key": "shop"})
    with time_machine.travel(LIVE_NOW, tick=False):
        live = client.get(project, {"preset": "15m"}).content.decode()
        custom = client.get(endpoint, {**NINE_TO_FIVE_PAST, "method": "GET", "endpoint": "/items"}).content.decode()
    # The preset, whose end moves on, not the instants of this reading.
    assert f"{endpoint}?preset=15m&amp;method=GET&amp;endpoint=%2Fitems" in live
    instants = "date_from=2026-03-10T09%3A00%3A00%2B00%3A00&amp;date_to=2026-03-10T09%3A05%3A00%2B00%3A00"
    assert f'/api-metrics/shop/consumer?{instants}&amp;consumer=a"' in custom
