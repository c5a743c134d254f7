"""The new-workspace page in Chromium: reached from the profile, filled with the keyboard, shown
next to its field when refused, and no wider than a phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import Workspace
from tests.browser import page_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_make_a_workspace_from_the_profile(browser_page, owner):
    page = browser_page(owner)
    page.goto("/accounts/profile/")
    page.click("#profile-workspace-new")
    page.fill("#id_name", "Corner Shop")
    page.fill("#id_slug", "acme")  # taken: refused next to the field, nothing made
    page.press("#id_slug", "Enter")
    expect(page.locator("#id_slug_error, .errorlist").first).to_contain_text("taken")
    assert not Workspace.objects.filter(name="Corner Shop").exists()
    page.set_viewport_size({"width": 360, "height": 800})
    assert page_overflow(page) <= 0  # nothing wider than a phone
    page.pulse_screenshot("workspace-new-360")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.fill("#id_slug", "")
    page.select_option("#id_timezone", "Europe/Paris")
    page.check("input[name=week_start][value=sunday]")
    page.click("#workspace-new-form button[type=submit]")
    expect(page.locator("#workspace-switcher")).to_have_value("corner-shop")
    page.pulse_screenshot("workspace-new-done")
    made = Workspace.objects.get(name="Corner Shop")
    assert (made.slug, made.timezone, made.week_start) == ("corner-shop", "Europe/Paris", Workspace.WeekStart.SUNDAY)
