"""The Sales dashboard (server-rendered) and its charts as pure functions."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from sales import charts
from tests.charts import chart_spec
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_dashboard_needs_a_login():
    response = Client().get(reverse("sales:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_shows_kpis_with_deltas_tables_and_csv_links(owner, sales_data, stores):
    response = logged_in(owner).get(reverse("sales:dashboard"), {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    context = response.context
    assert context["interval"] == "day"
    assert [(kpi["label"], kpi["value"], kpi["exact"], kpi["pct"]) for kpi in context["kpis"]] == [
        ("Revenue", "$400.00", "$400.00", 400.0),
        ("Ad spend", "$100.00", "$100.00", 400.0),
        ("ROAS", "4.00", "4.00", 0.0),
        ("Records", "4", "4", 300.0),
        ("Stores selling", "2", "2", None),
    ]
    html = response.content.decode()
    assert "▲ +400.0%" in html
    assert "/api/v1/sales/series?date_from=2026-03-01&amp;date_to=2026-03-31&amp;interval=day&amp;format=csv" in html
    assert "/api/v1/sales/by-store?date_from=2026-03-01&amp;date_to=2026-03-31&amp;format=csv" in html
    assert html.count('<div class="pulse-chart" role="figure" aria-label="Chart of ') == 3
    # The stores' bars, a click away from each store's filter in the same range.
    bars = chart_spec(html, "Revenue by store")
    north, south = (store.pk for store in stores)
    assert bars["links"] == {
        f"North (#{north})": f"/sales/?preset=custom&date_from=2026-03-01&date_to=2026-03-31&store={north}",
        f"South (#{south})": f"/sales/?preset=custom&date_from=2026-03-01&date_to=2026-03-31&store={south}",
    }
    assert "South" in html
    assert "admin@acme.test" in html
    assert "Data as of" in html


def test_dashboard_of_the_whole_history_picks_the_interval_and_shows_reports(owner, workspace, sales_data):
    from sales.etl import insights_generate
    from sales.quality import quality_check_run

    insights_generate(workspace_id=workspace.pk)
    quality_check_run(workspace_id=workspace.pk)
    response = logged_in(owner).get(reverse("sales:dashboard"), {"preset": "all"})
    assert response.context["interval"] == "day"  # 33 days of data
    html = response.content.decode()
    assert "ROAS above 3: excellent (4.00)." in html
    assert 'id="quality"' in html
    assert "status-" in html
    weekly = logged_in(owner).get(reverse("sales:dashboard"), {"interval": "week"})
    assert weekly.context["interval"] == "week"


def test_dashboard_query_count_does_not_grow_with_the_data(owner, workspace, sales_data, django_assert_num_queries):
    from tests.sales.factories import SalesRecordFactory

    client = logged_in(owner)
    client.get(reverse("sales:dashboard"))  # the session and caches are warm after this
    # Cached analytics. SAVEPOINT + RELEASE (ATOMIC_REQUESTS in the test's transaction), session,
    # user, active membership (2: no personal workspace here, then the first membership), latest
    # insights, latest quality report, the switcher's memberships, the charts' annotations; nothing
    # per store or record.
    with django_assert_num_queries(10):
        client.get(reverse("sales:dashboard"))
    # Uncached: 5 more, one per figure (summary, series, top sellers, stores) and the summary of
    # the whole history, whose last day the default range (last 30 days of data) ends on.
    SalesRecordFactory.create_batch(30, store=sales_data[0].store, recorded_by=owner)
    cache.clear()
    with django_assert_num_queries(15):
        client.get(reverse("sales:dashboard"))
    assert client.get(reverse("sales:dashboard"), {"preset": "all"}).context["summary"]["records"] == 35


def test_dashboard_reports_bad_dates_and_falls_back_to_the_default_range(owner, sales_data):
    response = logged_in(owner).get(reverse("sales:dashboard"), {"date_from": "2026-99-01"})
    assert response.status_code == 200
    assert "date_from" in response.context["form_errors"]
    # The last 30 days of data, as without a query: 4 of the 5 records.
    assert response.context["time"].preset == "30d"
    assert response.context["summary"]["records"] == 4


def test_dashboard_of_an_empty_workspace(owner):
    response = logged_in(owner).get(reverse("sales:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h2>No stores yet</h2>" in html  # what to do next (tests/config/test_onboarding.py)
    assert 'class="pulse-chart"' not in html


def test_a_viewer_sees_the_dashboard_of_their_workspace_only(viewer, outsider, sales_data):
    everything = {"preset": "all"}
    assert logged_in(viewer).get(reverse("sales:dashboard"), everything).context["summary"]["records"] == 5
    assert logged_in(outsider).get(reverse("sales:dashboard"), everything).context["summary"]["records"] == 0


def test_charts_are_pure_functions_of_the_series():
    series = {
        "buckets": [
            {"bucket": "2026-03-01", "revenue": "100.00", "ad_spend": "40.00", "roas": 2.5, "records": 1},
            {"bucket": "2026-03-02", "revenue": "0.00", "ad_spend": "0.00", "roas": None, "records": 0},
        ]
    }
    bars = charts.revenue_vs_ad_spend_figure(series, "GBP")
    assert [trace.name for trace in bars.data] == ["Revenue", "Ad spend"]
    assert list(bars.data[0].y) == [100.0, 0.0]
    assert list(bars.data[1].y) == [40.0, 0.0]
    roas = charts.roas_trend_figure(series)
    assert list(roas.data[0].y) == [2.5, None]
    assert [shape.y0 for shape in roas.layout.shapes] == [1, 3]
    assert bars.layout.yaxis.tickprefix == "£"
    assert bars.data[0].hovertemplate == "£%{y:,.2f}"
    empty = charts.roas_trend_figure({"buckets": []})
    assert not empty.data
    assert str(charts.to_html(empty)) == '<p class="chart-empty">No ROAS in this period: no ad spend was recorded.</p>'
