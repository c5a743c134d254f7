"""The sales data pages in Chromium: create a store, add a record, keyboard only where it can."""

import datetime as dt
from decimal import Decimal

import pytest

from config.numbers import format_money
from sales.models import SalesRecord, Store
from tests.browser import page_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_store_and_a_record_in_the_browser(browser_page, owner, workspace):
    page = browser_page(owner)
    page.goto("/sales/stores/")
    assert page.locator("#no-stores").is_visible()
    page.pulse_screenshot("sales-stores-empty")

    # A name taken (case aside) is refused next to the field, and nothing is written.
    page.fill("#id_name", "Harbour Market")
    page.fill("#id_city", "Bristol")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stores")
    assert page.locator("#stores tbody tr td").first.inner_text() == "Harbour Market"
    page.fill("#id_name", "HARBOUR market")
    page.click("#store-form button[type=submit]")
    assert page.locator("#id_name_error").inner_text() == "A store of this workspace already has this name."
    page.pulse_screenshot("sales-store-name-taken")
    assert list(Store.objects.values_list("name", "city")) == [("Harbour Market", "Bristol")]

    page.click("nav.tabs >> text=Records")
    page.select_option("#id_store", label="Harbour Market")
    page.fill("#id_date", "2026-03-02")
    page.fill("#id_revenue", "-5")
    page.fill("#id_ad_spend", "30")
    page.click("#record-form button[type=submit]")
    assert page.locator("#id_revenue_error").inner_text() == "Ensure this value is greater than or equal to 0."
    assert not SalesRecord.objects.exists()
    page.fill("#id_revenue", "120.50")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#records")
    cells = page.locator("#records tbody tr").first.locator("td").all_inner_texts()
    assert cells[:5] == [
        "2026-03-02",
        "Harbour Market",
        format_money("120.50", workspace.currency),
        format_money("30.00", workspace.currency),
        owner.email,
    ]
    page.pulse_screenshot("sales-records")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page_overflow(page) <= 0  # nothing wider than a phone
    page.pulse_screenshot("sales-records-360")
    page.set_viewport_size({"width": 1400, "height": 1000})
    record = SalesRecord.objects.get()
    assert (record.date, record.revenue, record.ad_spend) == (dt.date(2026, 3, 2), Decimal("120.50"), Decimal("30.00"))

    # The store now has a record: the page explains why it cannot be deleted.
    page.goto(f"/sales/stores/{record.store_id}/")
    assert "This store has 1 sales record." in page.locator("#store-has-records").inner_text()
    assert page.locator("#store-delete-form").count() == 0
    page.pulse_screenshot("sales-store-with-records")
