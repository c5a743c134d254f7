import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership, User
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_form_leads_to_home_page(browser_page, owner):
    page = browser_page(owner)
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert "Acme" in page.locator("#workspace-switcher").inner_text()
    assert page.pulse_screenshot("accounts-home").stat().st_size > 10_000


def test_register_through_the_form_then_log_out_and_in(browser_page, live_server):
    page = browser_page()
    page.goto("/accounts/register/")
    page.fill("#id_full_name", "Grace Hopper")
    page.fill("#id_email", "grace@navy.test")
    page.fill("#id_password", "a-long-enough-pass")
    page.click("#register-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Welcome, Grace Hopper")
    expect(page.locator(".messages")).to_contain_text("We sent you an email to confirm your address.")
    expect(page.locator("#workspace-switcher option:checked")).to_have_text("Grace Hopper's workspace (owner)")
    page.pulse_screenshot("accounts-registered")
    user = User.objects.get(email="grace@navy.test")
    assert Membership.objects.get(user=user).workspace.personal_for == user

    page.click("form.inline button[type=submit]")  # log out
    page.wait_for_url(re.compile(r".*/accounts/login/$"))
    page.fill("#id_username", "grace@navy.test")
    page.fill("#id_password", "a-long-enough-pass")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator(".who")).to_have_text("grace@navy.test")


def test_register_form_shows_errors(browser_page):
    page = browser_page()
    page.goto("/accounts/register/")
    page.fill("#id_email", "weak@navy.test")
    page.fill("#id_password", "12345678")
    page.click("#register-form button[type=submit]")
    expect(page.locator("#register-form .errorlist")).to_contain_text("This password is too common.")
    assert not User.objects.filter(email="weak@navy.test").exists()


def test_switch_workspace_in_the_header(browser_page, owner, other_workspace):
    MembershipFactory(user=owner, workspace=other_workspace, role="viewer")
    page = browser_page(owner)
    expect(page.locator("main")).to_contain_text("Workspace Acme · your role: owner")
    page.select_option("#workspace-switcher", "globex")  # the select submits its form on change
    expect(page.locator("main")).to_contain_text("Workspace Globex · your role: viewer")
    expect(page.locator("#workspace-switcher option:checked")).to_have_text("Globex (viewer)")
    page.pulse_screenshot("accounts-switched-workspace")
    page.reload()
    expect(page.locator("#workspace-switcher option:checked")).to_have_text("Globex (viewer)")
