"""The detail pages in Chromium at a desktop and a phone width: a click on a dashboard's table
row opens the right page with the right figures (the hand-built shop's), nothing is wider than
the viewport, every chart is drawn, no script error (the browser_page fixture fails on any) and
no serious or critical axe-core violation."""

import pytest

from tests.browser import assert_page_fits_draws_and_passes_axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 360)
# (dashboard, the row's page link clicked, the detail page it opens, its revenue and its title)
CLICKS = (
    (
        "/ecommerce/",
        "#countries-table tr[data-country='EIRE'] a.detail-link",
        "/ecommerce/countries/EIRE/",
        "25.50",
        "Country: Ireland",
    ),
    (
        "/ecommerce/customers/",
        "#top-customers tr[data-customer='A'] a.detail-link",
        "/ecommerce/customers/A/",
        "46.05",
        "Customer A",
    ),
    (
        "/ecommerce/products/",
        "#products-net tr[data-stock-code='85123A'] a.detail-link",
        "/ecommerce/products/85123A/",
        "36.55",
        "Product 85123A: WHITE HANGING HEART T-LIGHT HOLDER",
    ),
)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_row_opens_its_detail_page_which_fits_draws_and_passes_axe(browser_page, shop, owner, width):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": width, "height": 900})
    for dashboard, link, detail, revenue, title in CLICKS:
        page.goto(f"{dashboard}?preset=all")  # the default, the last 30 days of data, misses Ireland
        page.click(link)
        page.wait_for_url(f"**{detail}?preset=all")
        assert page.locator("#detail-title").inner_text() == title
        assert page.locator('[data-kpi="revenue"] .value').inner_text() == revenue
        assert_page_fits_draws_and_passes_axe(page, f"{detail} at {width} px")
        page.pulse_screenshot(f"detail{detail.replace('/', '-').rstrip('-')}-{width}")


def test_a_click_on_a_bar_opens_its_product(browser_page, shop, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    page.goto("/ecommerce/products/?preset=all")
    bars = page.locator("#products-net .pulse-chart g.point path")
    bars.first.wait_for()
    # The bars are drawn bottom up: the last is the top seller by net value, 85123A
    # (15.30 + 21.25 − 5.10 = 31.45, against 22423's 25.50 + 12.75 − 12.75 = 25.50).
    box = bars.last.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/ecommerce/products/85123A/?preset=all")
    assert page.locator('[data-kpi="revenue"] .value').inner_text() == "36.55"
