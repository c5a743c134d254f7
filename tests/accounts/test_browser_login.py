import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_form_leads_to_home_page(browser_page, owner):
    page = browser_page(owner)
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert "Acme" in page.locator("#workspace-switcher").inner_text()
    assert page.pulse_screenshot("accounts-home").stat().st_size > 10_000
