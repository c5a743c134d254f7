"""In Chromium: the dashboards of a German workspace (longer figures: "10,6 Mio. €") fit at a
phone and a desktop width; a custom range of date-times entered on an API metrics page applies
and survives navigation; the auto-refresh box sits on its label's line at 360 px."""

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from apimetrics import demo
from ecommerce import tasks
from sales.services import records_generate_fake
from tests.browser import assert_page_fits_draws_and_passes_axe
from tests.ecommerce.factories import generate_shop

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# An exact amount in de_DE: dot-grouped thousands, a decimal comma, the euro after a no-break space.
GERMAN_EUROS = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d{2}\xa0€$")


@pytest.fixture
def german_dashboards(workspace, owner):
    workspace.currency, workspace.locale = "EUR", "de_DE"
    workspace.save()
    records_generate_fake(workspace=workspace, count=300, seed=5, days=200)
    generate_shop(workspace, days=120)
    tasks.warm_workspace_caches(workspace.id)
    return workspace


@pytest.mark.parametrize("width", [1366, 360])
def test_a_german_dashboard_fits_draws_and_passes_axe(browser_page, german_dashboards, owner, width):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/ecommerce/", "/sales/", "/ecommerce/products/"):
        page.goto(path)
        assert_page_fits_draws_and_passes_axe(page, f"{path} in de_DE at {width} px")
        page.pulse_screenshot(f"locale-de{path.replace('/', '-').rstrip('-')}-{width}")
    page.goto("/ecommerce/")
    revenue = page.locator('[data-kpi="revenue"] .value')
    assert GERMAN_EUROS.match(revenue.get_attribute("title")), revenue.get_attribute("title")
    assert revenue.inner_text().endswith("€")
    # The chart's hover labels and ticks use the German separators.
    assert page.evaluate("document.querySelector('#revenue-series .js-plotly-plot').layout.separators") == ",."


@pytest.fixture
def live_project(workspace, owner):
    demo.load(workspace=workspace, user=owner, stdout=io.StringIO())
    return workspace


def _minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_custom_range_of_date_times_applies_and_survives_navigation(browser_page, live_project, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    now = timezone.now().astimezone(dt.UTC)  # the workspace's time zone (the factory's UTC)
    start, end = _minute(now - dt.timedelta(hours=3)), _minute(now - dt.timedelta(hours=1))
    page.goto("/api-metrics/demo-shop-api/")
    assert page.locator("#date-from").get_attribute("type") == "datetime-local"
    page.fill("#date-from", start)
    page.fill("#date-to", end)
    assert page.locator("#preset").input_value() == "custom"  # editing an end makes the range custom
    page.click("#date-filter button[type=submit]")
    page.wait_for_url(re.compile(r"preset=custom&date_from=[^&]+&date_to="))
    shown = f"Showing {start.replace('T', ' ')} → {end.replace('T', ' ')} (UTC)"
    assert page.locator("#time-description").inner_text() == shown
    assert (page.locator("#date-from").input_value(), page.locator("#date-to").input_value()) == (start, end)
    # An endpoint of the table opens with the same range, and so does the way back to the list.
    page.locator("#endpoints tbody a.detail-link").first.click()
    page.wait_for_url("**/api-metrics/demo-shop-api/endpoint?**")
    assert page.locator("#preset").input_value() == "custom"
    assert page.locator("#time-description").inner_text() == shown
    assert (page.locator("#date-from").input_value(), page.locator("#date-to").input_value()) == (start, end)


def test_the_auto_refresh_box_sits_on_its_label_line_on_a_phone(browser_page, live_project, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/api-metrics/demo-shop-api/?preset=1h")
    box = page.locator("#auto-refresh").bounding_box()
    label = page.locator(".live-toggle label").bounding_box()
    # One line: the box is centred on the label's line, which is no taller than one line of text.
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) <= 3
    assert label["height"] < 2 * box["height"] + 4
    assert label["x"] + label["width"] > box["x"] + box["width"] + 20  # the text follows the box
