"""In headless Chromium: a new workspace's pages say what to do next, and "Load sample data"
opens a workspace of the user's own, drawn with charts, while theirs stays empty."""

import pytest
from playwright.sync_api import expect

from accounts.models import Workspace
from ecommerce.models import SalesLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_empty_workspace_offers_its_next_steps_and_loads_sample_data_apart(
    browser_page, owner, workspace, live_server
):
    page = browser_page(owner)
    expect(page.locator("#get-started h2")).to_have_text("Get started: this workspace is empty")
    expect(page.locator("#get-started .next-steps li")).to_have_count(3)
    page.pulse_screenshot("onboarding-1-home")

    leads = {"/ecommerce/": "No orders yet", "/sales/": "No stores yet", "/api-metrics/": "No monitored API yet"}
    for path, lead in leads.items():
        page.goto(path)
        expect(page.locator("#get-started h2")).to_have_text(lead)
        expect(page.locator(".pulse-chart")).to_have_count(0)
    page.goto("/ecommerce/")
    page.pulse_screenshot("onboarding-2-ecommerce-empty")

    # Loading every demo set takes seconds, more on a busy machine: the wait says how long it may.
    with page.expect_navigation(url=f"{live_server.url}/", timeout=60_000):
        page.click("#get-started .sample-data button", no_wait_after=True)
    expect(page.locator(".messages")).to_contain_text("Sample data loaded into the workspace Sample shop")
    expect(page.locator("#workspace-switcher option:checked")).to_have_text("Sample shop (owner)")
    expect(page.locator("#get-started")).to_have_count(0)
    page.goto("/ecommerce/")
    # Series, map, the countries' bars and the heat map, drawn by charts.js.
    expect(page.locator(".pulse-chart .plot-container")).to_have_count(4)
    page.pulse_screenshot("onboarding-3-sample-ecommerce")

    sample = Workspace.objects.get(sample_for=owner)
    assert SalesLine.objects.filter(workspace=sample).exists()
    assert not SalesLine.objects.filter(workspace=workspace).exists()
