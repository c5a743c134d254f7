"""The e-commerce filters in Chromium: a country applied from the countries table is a chip that
survives a change of tab and of range, and removing it (from the keyboard) restores the
unfiltered figures; the chips pass axe-core. Figures from the hand-built shop
(tests/ecommerce/conftest.py), in dollars.

The default range, the data's last 30 days (10 January to 8 February 2011), holds invoices 1004
(United Kingdom, 12.75) and 1005 (France, 20.00): 32.75. France's whole history is 1005 alone;
the whole history of every country is 112.80."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REVENUE = '[data-kpi="revenue"] .value'


def _chips(page) -> str:
    return " ".join(page.locator("#filter-chips").inner_text().split())


def test_a_country_chip_survives_tabs_and_ranges_and_its_removal_restores_the_figures(browser_page, shop, owner):
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.goto("/ecommerce/")
    assert page.locator(REVENUE).inner_text() == "$32.75"
    page.click("#countries-table tr[data-country='France'] a.apply-filter")
    page.wait_for_url("**/ecommerce/?country=France")
    assert _chips(page) == "Country: France ×"
    assert page.locator(REVENUE).inner_text() == "$20.00"
    assert page.locator("#countries-table tbody tr").count() == 1
    violations = Axe().run(page).response["violations"]
    assert not [v["id"] for v in violations if v["impact"] in ("serious", "critical")]

    page.click(".ecom-tabs >> text=Customers")
    page.wait_for_url("**/ecommerce/customers/?country=France")
    assert _chips(page) == "Country: France ×"
    assert page.locator("#top-customers tbody tr[data-customer]").all_inner_texts()[0].startswith("C")

    page.select_option("#preset", "all")
    page.click("#date-filter button[type=submit]")
    page.wait_for_url("**/ecommerce/customers/?country=France&preset=all&**")
    assert _chips(page) == "Country: France ×"
    page.click(".ecom-tabs >> text=Overview")
    page.wait_for_url("**/ecommerce/?preset=all&country=France")
    assert page.locator(REVENUE).inner_text() == "$20.00"

    remove = page.get_by_role("link", name="Remove the filter Country: France")
    remove.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/ecommerce/?preset=all")
    assert page.locator("#filter-chips").count() == 0
    assert page.locator(REVENUE).inner_text() == "$112.80"
    assert page.locator("#countries-table tbody tr").count() == 3
