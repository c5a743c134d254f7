"""Every dashboard in Chromium at a desktop and a phone width: nothing wider than the viewport, no
KPI card overflowing, every chart drawn, no script error (the browser_page fixture fails on any),
no serious or critical axe-core violation; and the time controls surviving navigation."""

import io

import pytest

from apimetrics import demo
from ecommerce import tasks
from sales.services import records_generate_fake
from tests.browser import assert_page_fits_draws_and_passes_axe
from tests.ecommerce.factories import generate_shop

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/sales/",
    "/ecommerce/",
    "/ecommerce/customers/",
    "/ecommerce/products/",
    "/ecommerce/forecast/",
    "/api-metrics/",
    "/api-metrics/demo-shop-api/",
    # The pages of this stop's API additions: a filter chip, an endpoint with its slowest
    # consumers and the live toggle, a consumer.
    "/ecommerce/?country=United+Kingdom",
    "/ecommerce/customers/?country=United+Kingdom",  # segments, lifetime value and cohorts follow it
    "/api-metrics/demo-shop-api/endpoint?preset=24h&method=GET&endpoint=%2Fproducts",
    "/api-metrics/demo-shop-api/consumer?preset=24h&consumer=web-frontend",
)
WIDTHS = (1366, 360)


@pytest.fixture
def every_dashboard(workspace, owner):
    records_generate_fake(workspace=workspace, count=400, seed=3, days=460)
    generate_shop(workspace, days=150)
    tasks.warm_workspace_caches(workspace.id)
    demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    return workspace


@pytest.mark.parametrize("width", WIDTHS)
def test_every_dashboard_fits_draws_and_passes_axe(browser_page, every_dashboard, owner, width):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": width, "height": 900})
    for path in PAGES:
        page.goto(path)
        assert_page_fits_draws_and_passes_axe(page, f"{path} at {width} px")
        page.pulse_screenshot(f"dashboard{path.replace('/', '-').rstrip('-')}-{width}")


def test_pages_without_charts_load_no_plotly(browser_page, workspace, owner):
    page = browser_page(owner)
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.goto("/api-metrics/")  # no project: no chart
    page.wait_for_load_state("networkidle")
    assert not [url for url in scripts if "plotly" in url]


def test_a_preset_and_a_comparison_survive_navigation(browser_page, every_dashboard, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    page.goto("/sales/")
    page.select_option("#preset", "90d")
    page.select_option("#compare", "year")
    page.click("#date-filter button[type=submit]")
    page.wait_for_url("**/sales/?preset=90d&compare=year")
    assert page.locator("#preset").input_value() == "90d"
    assert "vs last year" in page.locator("#kpis").inner_text()
    # The nav link to another dashboard carries the choice, and so do its tabs.
    page.click(".mainnav >> text=E-commerce")
    page.wait_for_url("**/ecommerce/?preset=90d&compare=year")
    assert page.locator("#compare").input_value() == "year"
    assert page.locator("#time-description").inner_text() == "Showing last 90 days of data, ending 1 Jun 2011"
    page.click(".ecom-tabs >> text=Products")
    page.wait_for_url("**/ecommerce/products/?preset=90d&compare=year")
    assert page.locator("#preset").input_value() == "90d"
    # Editing a date makes the range custom; the dates travel with it.
    page.fill("#date-filter input[name=date_from]", "2011-03-01")
    page.fill("#date-filter input[name=date_to]", "2011-03-31")
    page.click("#date-filter button[type=submit]")
    page.wait_for_url("**/ecommerce/products/?preset=custom&date_from=2011-03-01&date_to=2011-03-31&compare=year")
    page.click(".mainnav >> text=API metrics")
    page.wait_for_url("**/api-metrics/?preset=custom&date_from=2011-03-01&date_to=2011-03-31&compare=year")
    # The API metrics pages ask for date-times: the same days, from midnight to the midnight after.
    ends = [page.locator(f"#date-filter input[name={name}]").input_value() for name in ("date_from", "date_to")]
    assert ends == ["2011-03-01T00:00", "2011-04-01T00:00"]
