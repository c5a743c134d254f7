import io

import pytest

from apimetrics import charts, demo
from apimetrics.models import Project, RequestEvent, RollupState


@pytest.mark.django_db
def test_demo_loads_traffic_once(workspace, owner):
    summary = demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    assert "tracking key (shown once): pk_" in summary
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
    assert "plotly" in charts.to_html(charts.error_rate_figure(rows))


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
