"""The store page in Chromium at a desktop and a phone width: a click on a store of the sales
dashboard opens it with its figures (``sales_data``'s), nothing is wider than the viewport, both
charts are drawn, no script error (the browser_page fixture fails on any) and no serious or
critical axe-core violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 360])
def test_a_store_row_opens_its_page_which_fits_draws_and_passes_axe(browser_page, sales_data, stores, owner, width):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/sales/?date_from=2026-03-01&date_to=2026-03-31")
    page.click("#stores a:text-is('North')")
    page.wait_for_url(
        f"**/sales/stores/{stores[0].pk}/performance/?preset=custom&date_from=2026-03-01&date_to=2026-03-31"
    )
    assert page.locator('[data-kpi="total_revenue"] .value').inner_text() == "150.50"
    assert page.locator('[data-kpi="roas"] .value').inner_text() == "3.76"
    page.wait_for_function("document.querySelectorAll('.pulse-chart .main-svg').length >= 2")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the store page at {width} px is {overflow} px too wide"
    violations = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    page.pulse_screenshot(f"store-page-{width}")
