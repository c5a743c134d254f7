"""The store page in Chromium at a desktop and a phone width: a click on a store of the sales
dashboard opens it with its figures (``sales_data``'s), nothing is wider than the viewport, both
charts are drawn, no script error (the browser_page fixture fails on any) and no serious or
critical axe-core violation."""

import pytest

from tests.browser import assert_page_fits_draws_and_passes_axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 360])
def test_a_store_row_opens_its_page_which_fits_draws_and_passes_axe(browser_page, sales_data, stores, owner, width):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/sales/?date_from=2026-03-01&date_to=2026-03-31")
    page.click(f"#stores tr[data-store='{stores[0].pk}'] a.detail-link")
    page.wait_for_url(
        f"**/sales/stores/{stores[0].pk}/performance/?preset=custom&date_from=2026-03-01&date_to=2026-03-31"
    )
    assert (
        page.locator('[data-kpi="total_revenue"] .value').inner_text() == "$150.50"
    )  # in the workspace's currency, as on the dashboard
    assert page.locator('[data-kpi="roas"] .value').inner_text() == "3.76"
    assert page.locator(".pulse-chart").count() == 2
    assert_page_fits_draws_and_passes_axe(page, f"the store page at {width} px")
    page.pulse_screenshot(f"store-page-{width}")


def test_a_store_row_applies_its_chip_and_the_chip_goes(browser_page, sales_data, stores, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)
    page.goto("/sales/?date_from=2026-03-01&date_to=2026-03-31")
    everything = page.locator('[data-kpi="revenue"] .value').inner_text()
    page.click("#stores a.apply-filter:text-is('North')")
    page.wait_for_url(f"**/sales/?preset=custom&date_from=2026-03-01&date_to=2026-03-31&store={stores[0].pk}")
    assert " ".join(page.locator("#filter-chips").inner_text().split()) == "Store: North ×"
    assert page.locator('[data-kpi="revenue"] .value').inner_text() == "$150.50"  # as on North's page
    page.get_by_role("link", name="Remove the filter Store: North").click()
    page.wait_for_url("**/sales/?preset=custom&date_from=2026-03-01&date_to=2026-03-31")
    assert page.locator('[data-kpi="revenue"] .value').inner_text() == everything
