"""Chart clicks in Chromium at 1366 px (the hand-built shop of conftest.py): a map region and a
country bar apply the country filter beside the product chip, a top customer's bar opens the
customer's page; each new page shows the figures of what was clicked."""

import pytest

from tests.browser import assert_page_fits_draws_and_passes_axe, click_centre

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FILTERED = "/ecommerce/?preset=all&product=22423"


def _chips(page) -> list[str]:
    return [" ".join(chip.replace("×", "").split()) for chip in page.locator("#filter-chips li").all_inner_texts()]


def test_map_and_bars_apply_the_country_filter_and_bars_open_customers(browser_page, shop, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(FILTERED)
    # The country bars, drawn bottom up: Ireland (25.50) is the top one, the last drawn.
    bars = page.locator("#countries-table .pulse-chart g.point path")
    bars.first.wait_for()
    assert page.locator("#countries-table .plotly-graph-div.linked").count() == 1
    click_centre(page, bars.last)
    page.wait_for_url(f"**{FILTERED}&country=EIRE")
    assert page.locator('[data-kpi="revenue"] .value').inner_text() == "$25.50"
    assert _chips(page) == ["Country: Ireland", "Product: 22423"]

    page.goto(FILTERED)
    click_centre(page, page.locator("#countries-map .choroplethlocation").nth(1))
    page.wait_for_url(f"**{FILTERED}&country=*")
    assert page.url.endswith(("country=EIRE", "country=United+Kingdom"))
    revenue = "$25.50" if page.url.endswith("EIRE") else "$12.75"
    assert page.locator('[data-kpi="revenue"] .value').inner_text() == revenue
    assert_page_fits_draws_and_passes_axe(page, "the overview filtered from the map")

    page.goto("/ecommerce/customers/?preset=all")
    # Customer A's net 40.95 tops the ranking: the last bar drawn.
    click_centre(page, page.locator("#top-customers .pulse-chart g.point path").last)
    page.wait_for_url("**/ecommerce/customers/A/?preset=all")
    assert (
        page.locator('[data-kpi="revenue"] .value').inner_text() == "46.05"
    )  # the detail page's card, as in test_browser_detail_pages
    page.wait_for_selector(".pulse-chart .main-svg")
