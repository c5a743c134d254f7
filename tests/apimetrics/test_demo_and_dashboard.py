import datetime as dt
import io

import pytest
import time_machine

from apimetrics import charts, demo, rollups
from apimetrics.models import Project, RequestEvent, RollupState
from config.periods import Period
from tests.apimetrics.factories import ProjectFactory, make_event


@pytest.mark.django_db
def test_demo_loads_traffic_once(workspace, owner):
    terminal = io.StringIO()
    summary = demo.load(workspace=workspace, user=owner, stdout=terminal)
    assert "tracking key of 'demo-shop-api' (shown once): pk_" in terminal.getvalue()
    assert "pk_" not in summary  # the summary is logged for a sample workspace
    project = Project.objects.get(workspace=workspace, key="demo-shop-api")
    count = RequestEvent.objects.filter(project=project).count()
    assert count > 10_000
    assert RollupState.objects.get(project=project).rolled_until is not None
    again = demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    assert "already" in again
    assert RequestEvent.objects.filter(project=project).count() == count


def test_charts_are_pure_functions_of_rows():
    rows = [
        {
            "bucket": "2026-03-10",
            "requests": 10,
            "errors_4xx": 2,
            "errors_5xx": 1,
            "error_rate_4xx": 20.0,
            "error_rate_5xx": 10.0,
            "p50_ms": 5.0,
            "p95_ms": 50.0,
            "p99_ms": 90.0,
        },
        {
            "bucket": "2026-03-11",
            "requests": 0,
            "errors_4xx": 0,
            "errors_5xx": 0,
            "error_rate_4xx": 0.0,
            "error_rate_5xx": 0.0,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
        },
    ]
    requests = charts.requests_figure(rows)
    assert [list(trace.y) for trace in requests.data] == [[7, 0], [2, 0], [1, 0]]
    latency = charts.latency_figure(rows)
    assert [trace.name for trace in latency.data] == ["p50", "p95", "p99"]
    assert list(latency.data[2].y) == [90.0, None]
    html = charts.to_html(charts.error_rate_figure(rows))
    summary = "Chart of 4xx %, 5xx %, 2 points from 2026-03-10 to 2026-03-11."
    assert html.startswith(f'<div class="pulse-chart" role="figure" aria-label="{summary}')
    assert '<script type="application/json">{"figure": {"data":' in html
    assert str(charts.to_html(charts.error_rate_figure([]))) == f'<p class="chart-empty">{charts.EMPTY}</p>'


@pytest.mark.django_db
def test_dashboard_pages(client, owner, viewer, outsider, workspace):
    demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    client.force_login(viewer)
    listing = client.get("/api-metrics/")
    assert listing.status_code == 200
    assert b"Demo Shop API" in listing.content
    page = client.get("/api-metrics/demo-shop-api/?interval=hour")
    assert page.status_code == 200
    for marker in (b'id="kpis"', b'id="endpoints"', b'id="consumers"', b"/checkout", b"format=csv", b"Data as of"):
        assert marker in page.content
    assert client.get("/api-metrics/demo-shop-api/?date_from=2026-99-01").status_code == 200  # error shown
    client.force_login(outsider)
    assert client.get("/api-metrics/demo-shop-api/").status_code == 404
    client.logout()
    assert client.get("/api-metrics/").status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_in_a_browser(browser_page, owner, workspace):
    demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    page = browser_page(owner)
    page.goto("/api-metrics/")
    page.click("text=Demo Shop API")
    page.wait_for_selector("#requests-chart .plot-container")
    page.wait_for_selector("#latency-chart .plot-container")
    assert page.locator("#endpoints tbody tr").count() == 8
    assert page.locator("#consumers tbody tr").count() == 5
    assert page.pulse_screenshot("apimetrics-project").stat().st_size > 30_000


@pytest.mark.django_db
def test_dashboard_date_filter_shows_only_the_range(client, owner, workspace):
    """Four requests on 9 March and two on 10 March 2026: each day's page counts its own."""
    project = ProjectFactory(workspace=workspace, key="shop", name="Shop API")
    day9, day10 = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create(
        [make_event(project, day9 + dt.timedelta(minutes=i), ms=10, status=200) for i in range(3)]
        + [make_event(project, day9 + dt.timedelta(hours=2), ms=30, status=503)]
        + [make_event(project, day10 + dt.timedelta(minutes=i), ms=20, status=404) for i in range(2)]
    )
    now = dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC)
    rollups.rollup_project(project_id=project.pk, now=now)
    client.force_login(owner)
    with time_machine.travel(now, tick=False):
        page = client.get("/api-metrics/shop/?date_from=2026-03-09&date_to=2026-03-09")
        everything = client.get("/api-metrics/shop/")
    assert page.status_code == 200
    summary = page.context["summary"]
    assert (summary["requests"], summary["errors_5xx"], summary["errors_4xx"]) == (4, 1, 0)
    assert summary["previous"]["requests"] == 0  # 8 March
    assert page.context["interval"] == "hour"
    assert [row["requests"] for row in page.context["endpoints"]] == [4]
    assert "date_from=2026-03-09&amp;date_to=2026-03-09&amp;format=csv" in page.content.decode()
    assert (everything.context["summary"]["requests"], everything.context["summary"]["errors_4xx"]) == (6, 2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "date_from=1970-01-01&date_to=2100-12-31",
        "interval=minute&date_from=2000-01-01&date_to=2020-01-01",
    ],
)
def test_dashboard_refuses_a_range_too_long_to_chart_above_the_page(client, owner, workspace, query):
    """More than 5,000 days, too many buckets even by day: the error is shown above the page,
    which falls back to the whole history, as for any bad range."""
    project = ProjectFactory(workspace=workspace, key="shop", name="Shop API")
    day9 = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create([make_event(project, day9 + dt.timedelta(hours=i), ms=10) for i in range(3)])
    now = dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC)
    rollups.rollup_project(project_id=project.pk, now=now)
    client.force_login(owner)
    with time_machine.travel(now, tick=False):
        page = client.get(f"/api-metrics/shop/?{query}")
    assert page.status_code == 200
    message = "The range has more than 5,000 days, too many to chart: narrow it. Showing the whole history."
    assert page.context["form_errors"] == message
    assert f'<li class="error" role="alert">{message}</li>' in page.content.decode()
    assert page.context["period"] == Period()
    assert page.context["summary"]["requests"] == 3
    # The one asked, else the auto one for the 121 minutes from 08:00 to 10:00: by the minute too.
    interval = "minute"
    assert page.context["interval"] == interval
    csv = page.context["csv"]["time_series"]
    assert csv == f"/api/v1/projects/shop/metrics/time-series?format=csv&interval={interval}"  # no dates
