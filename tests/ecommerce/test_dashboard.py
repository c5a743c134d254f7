"""The e-commerce HTML pages and their charts (pure functions), plus a real-browser check."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from config.insights import all_insights
from config.numbers import format_compact, format_money
from config.periods import Period
from ecommerce import analytics, charts, forecast_models, tasks
from tests.ecommerce.conftest import replace_compute
from tests.ecommerce.factories import SalesLineFactory, generate_shop

pytestmark = pytest.mark.django_db

PAGES = ["ecommerce:dashboard", "ecommerce:customers", "ecommerce:products", "ecommerce:forecast"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_owner_and_viewer(shop, owner, viewer, client, page):
    for user in (owner, viewer):
        client.force_login(user)
        response = client.get(reverse(page))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Data as of" in html
        assert "format=csv" in html


def test_overview_shows_kpis_with_deltas_and_charts(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard"), {"date_from": "2011-02-01", "date_to": "2011-02-28"}).content
    html = html.decode()
    assert 'data-kpi="revenue"' in html
    assert "32.75" in html  # February's revenue
    assert '▼ -29.9% <span class="muted">vs previous</span>' in html  # against 46.75 in the 28 days before
    assert html.count('class="pulse-chart"') >= 3  # series, map, heat map
    assert (
        '<a href="/ecommerce/countries/France/?preset=custom&amp;date_from=2011-02-01&amp;date_to=2011-02-28' in html
    )  # the only country in February
    assert (
        "/api/v1/ecommerce/countries?date_from=2011-02-01&amp;date_to=2011-02-28&amp;limit=250&amp;format=csv" in html
    )


def test_the_forecast_page_says_which_model_won_and_which_days_are_closed(workspace, owner, client):
    # Ten weeks of the same week, closed on Saturdays: last week's value is exact, so the
    # seasonal naive wins on its MAE of 0 (without an in-sample error, no MASE can be scaled).
    pattern = [100, 120, 140, 160, 90, 0, 60]
    start = dt.datetime(2011, 1, 3, 12, tzinfo=dt.UTC)  # a Monday
    for day in range(70):
        if pattern[day % 7]:
            SalesLineFactory(
                workspace=workspace,
                invoice_date=start + dt.timedelta(days=day),
                quantity=1,
                unit_price=Decimal(pattern[day % 7]),
            )
    client.force_login(owner)
    html = client.get(reverse("ecommerce:forecast")).content.decode()
    assert (
        "Chosen by the backtest: <b>Seasonal naive (same weekday last week)</b>, MASE – against – for the "
        "seasonal-naive model (ratio –); its 80 % and 95 % intervals held 100.0 % and 100.0 % of the open days."
    ) in html
    # 70 days leave room for (70 − 28 − 30) // 7 + 1 = 2 origins, the last 30 days before the end.
    assert "Rolling origin: 2 origins a week apart from 2011-02-05, 30-day horizon each." in html
    assert html.count('</td><td class="num">0.0</td>') >= 1  # the baseline's MAE
    assert "Closed, forecast as 0: Saturday." in html
    for label in forecast_models.LABELS.values():
        assert label in html


def test_the_customers_page_shows_the_calibrated_holdout_check(repeat_customers, owner, client):
    holdout = analytics.lifetime_value(repeat_customers, Period())["predicted"]["holdout"]
    client.force_login(owner)
    html = client.get(reverse("ecommerce:customers")).content.decode()
    total = format_compact(holdout["predicted_total"], "USD")
    actual = format_money(holdout["actual_total"], "USD")
    assert (
        f'<span title="{format_money(holdout["predicted_total"], "USD")}">{total}</span></b>'
        f"<span>predicted holdout total (actual {actual}, "
        f"error {holdout['total_error_pct']} %), calibrated ×{holdout['scale']} on the earlier origins</span>"
    ) in html


def test_bad_dates_show_an_error_and_the_default_range(shop, owner, client):
    client.force_login(owner)
    response = client.get(reverse("ecommerce:dashboard"), {"date_from": "2011-03-01", "date_to": "2011-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Must be on or after date_from" in html
    # Falls back to the default range: the last 30 days of data, as without a query.
    assert response.context["kpis"] == client.get(reverse("ecommerce:dashboard")).context["kpis"]
    assert response.context["time"].preset == "30d"
    assert response.context["kpis"]["revenue"] == "32.75"  # 10 Jan to 8 Feb 2011: invoices 1004 and 1005


def test_a_century_wide_range_draws_the_series_by_month(shop, owner, client):
    # By week it would take 6,836 buckets, over the limit of 5,000: the page answered 500.
    client.force_login(owner)
    response = client.get(reverse("ecommerce:dashboard"), {"date_from": "1970-01-01", "date_to": "2100-12-31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Revenue per month" in html
    csv = "/api/v1/ecommerce/series?date_from=1970-01-01&amp;date_to=2100-12-31&amp;interval=month&amp;format=csv"
    assert csv in html
    assert 'class="error"' not in html
    assert "112.80" in html


def test_outsider_sees_their_own_workspace(shop, other_shop, outsider, client):
    client.force_login(outsider)
    html = client.get(reverse("ecommerce:dashboard")).content.decode()
    assert "100,000.00" in html
    assert "112.80" not in html


def test_pages_after_warming_only_read_the_cache(workspace, owner, client, monkeypatch):
    generate_shop(workspace, days=60)
    tasks.warm_workspace_caches(workspace.id)
    for insight in all_insights():
        if insight.app == "ecommerce":
            replace_compute(monkeypatch, insight.name, lambda *a, **k: pytest.fail("computed on the page"))
    client.force_login(owner)
    for page in PAGES:
        assert client.get(reverse(page)).status_code == 200


def test_chart_functions_are_pure():
    rows = [
        {"start": "2011-01-03", "revenue": "10.00", "orders": 1, "units": 2},
        {"start": "2011-01-04", "revenue": "0.00", "orders": 0, "units": 0},
    ]
    fig = charts.revenue_series_figure(rows, [{"start": "2010-12-31", "revenue": "4.00", "orders": 1, "units": 1}])
    assert [trace.name for trace in fig.data] == ["Revenue", "Comparison period"]
    assert list(fig.data[0].y) == [10.0, 0.0]
    assert list(fig.data[1].x) == ["2011-01-03"]
    world = charts.countries_map_figure([{"label": "Ireland", "revenue": "25.50"}])
    assert world.data[0].locationmode == "country names"
    assert list(world.data[0].locations) == ["Ireland"]
    heat = charts.weekday_hour_heatmap_figure(
        [{"name": "Monday", "hour": 9, "revenue": "12.50"}, {"name": "Tuesday", "hour": 0, "revenue": "1.00"}]
    )
    assert heat.data[0].y == ("Monday", "Tuesday")
    assert heat.data[0].z[0][9] == 12.5
    cohort = charts.cohort_heatmap_figure(
        [{"cohort": "2011-01", "customers": 2, "retention_pct": [100.0, 50.0], "revenue": ["1", "2"]}]
    )
    assert list(cohort.data[0].z[0]) == [100.0, 50.0]
    assert charts.revenue_series_figure([]).layout.meta == {"empty": "No orders in this range: pick a longer one."}
    html = charts.to_html(world)
    assert "ecommerce/topojson/" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_in_a_real_browser(browser_page, live_server, workspace, owner):
    generate_shop(workspace, days=200)
    tasks.warm_workspace_caches(workspace.id)
    page = browser_page(owner)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    # Each chart as first drawn (its script runs while the page is parsed): as wide as its panel.
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => { window.drawnWidths ="
        " Array.from(document.querySelectorAll('.js-plotly-plot'),"
        " (plot) => [plot._fullLayout.width, plot.parentElement.clientWidth]); });"
    )
    page.goto(reverse("ecommerce:dashboard"))
    page.wait_for_selector(".js-plotly-plot")
    page.wait_for_selector("#countries-map path.choroplethlocation")
    assert page.locator(".js-plotly-plot").count() == 4  # series, map, the countries' bars, heat map
    assert page.locator("#kpis .kpi").count() == 9
    assert page.locator("#kpis [data-kpi=revenue] .value").get_attribute("title").startswith("$")
    assert page.locator("#countries-map path.choroplethlocation").count() >= 5
    # One plotly.js bundle draws every chart, the map too, whose outlines come from our own files.
    assert [url for url in requests if "plotly" in url] == [f"{live_server.url}/static/vendor/plotly/plotly.min.js"]
    assert f"{live_server.url}/static/ecommerce/topojson/world_110m.json" in requests
    assert all(url.startswith(live_server.url) for url in requests)
    assert all(drawn == panel for drawn, panel in page.evaluate("window.drawnWidths"))
    page.pulse_screenshot("ecommerce-dashboard")
    # The date-range filter: the KPIs of February alone, as the analytics compute them.
    february = Period(dt.date(2011, 2, 1), dt.date(2011, 2, 28))
    revenue = Decimal(analytics.kpis(workspace, february)["revenue"])
    page.fill("#date-filter input[name=date_from]", "2011-02-01")
    page.fill("#date-filter input[name=date_to]", "2011-02-28")
    page.click("#date-filter button[type=submit]")
    page.wait_for_url("**?preset=custom&date_from=2011-02-01&date_to=2011-02-28&compare=previous")
    assert page.locator("#kpis [data-kpi=revenue] .value").get_attribute("title") == f"${revenue:,.2f}"
    assert page.locator("#date-filter input[name=date_from]").input_value() == "2011-02-01"
    for name, selector, count in (
        ("customers", "#cohorts .js-plotly-plot", 4),  # the top customers' bars among them
        ("products", ".js-plotly-plot", 2),
        ("forecast", ".js-plotly-plot", 1),
    ):
        # The whole history: cohorts count a customer in the month of their first purchase ever,
        # and a short range of this generated shop acquires no one.
        page.goto(reverse(f"ecommerce:{name}") + "?preset=all")
        page.wait_for_selector(selector)
        assert page.locator(".js-plotly-plot").count() == count
        assert all(drawn == panel for drawn, panel in page.evaluate("window.drawnWidths")), name
        page.pulse_screenshot(f"ecommerce-{name}")
    assert "accuracy" in page.locator("#backtest").inner_text()
