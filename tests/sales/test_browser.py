import datetime as dt

import pytest

from sales.etl import insights_generate
from sales.quality import quality_check_run
from sales.services import local_today, records_generate_fake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sales_dashboard_renders_charts_and_tables_in_chromium(browser_page, owner, admin_user, workspace):
    records_generate_fake(workspace=workspace, count=1500, seed=11, days=400)
    insights_generate(workspace_id=workspace.pk)
    quality_check_run(workspace_id=workspace.pk)
    page = browser_page(owner)
    page.set_default_timeout(45_000)  # the machine running the suite may be busy
    page.goto("/sales/")
    assert page.locator("h1").inner_text().startswith("Sales & ROAS")
    page.wait_for_selector("#revenue-chart .main-svg")
    page.wait_for_selector("#roas-chart .main-svg")
    assert page.locator("#kpis .kpi").count() == 5
    assert page.locator("#stores tbody tr").count() == 3
    assert page.locator("#top-sellers tbody tr").count() == 2
    assert page.locator("#insights li").count() >= 3
    assert page.locator("#quality td").count() == 18
    assert page.pulse_screenshot("sales-dashboard").stat().st_size > 30_000

    # The date-range filter narrows everything to a month, with deltas against the month before.
    today = local_today(workspace)
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    page.fill("input[name=date_from]", start.isoformat())
    page.fill("input[name=date_to]", (today.replace(day=1) - dt.timedelta(days=1)).isoformat())
    page.click("#date-filter button[type=submit]")
    page.wait_for_selector("#revenue-chart .main-svg")
    assert "date_from=" in page.url
    assert "vs previous" in page.locator("#kpis").inner_text()
    page.pulse_screenshot("sales-dashboard-month")

    # The CSV link downloads with the session.
    with page.expect_download() as download:
        page.click("#stores h2 a")
    assert download.value.suggested_filename == "sales-by-store.csv"
