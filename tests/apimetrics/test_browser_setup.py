"""The API metrics setup in Chromium: a project, a key shown once, the curl snippet run for real,
and the indicator turning green."""

import json
import shlex
import urllib.request

import pytest

from apimetrics import keys
from apimetrics.models import ApiKey, Project
from tests.browser import page_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_curl(snippet: str) -> tuple[int, dict]:
    """Send the request a curl snippet describes (-X, -H, -d), with urllib."""
    words = shlex.split(snippet.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"]
    url, headers, body = words[3], {}, None
    rest = iter(words[4:])
    for flag in rest:
        value = next(rest)
        if flag == "-H":
            name, _, header = value.partition(": ")
            headers[name] = header
        else:
            assert flag == "-d"
            body = value.encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http only
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live test server
        return response.status, json.loads(response.read())


def test_create_a_project_and_a_key_and_send_the_first_event(browser_page, owner, live_server):
    page = browser_page(owner)
    page.goto("/api-metrics/")
    page.click("#get-started a.button")  # an empty workspace: its first step leads to the new-project page
    page.fill("#id_name", "Shop API")
    page.fill("#id_key", "shop api")
    page.select_option("#id_timezone", "Europe/Paris")
    page.fill("#id_apdex_threshold_ms", "300")
    page.click("#project-form button[type=submit]")
    assert page.locator("#id_key_error").inner_text().startswith('Enter a valid "slug"')
    assert not Project.objects.exists()
    page.fill("#id_key", "shop")
    page.click("#project-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/api-metrics/shop/keys/")
    project = Project.objects.get()
    assert (project.timezone, project.apdex_threshold_ms) == ("Europe/Paris", 300)
    assert page.locator("#no-keys").is_visible()
    assert "YOUR_API_KEY" in page.locator("#snippet-curl").inner_text()
    assert "waiting" in page.locator("#first-event").get_attribute("class")

    page.fill("#id_name", "production")
    page.click("#key-form button[type=submit]")
    secret = page.locator("#new-key").inner_text()
    assert ApiKey.objects.get().hashed_key == keys.digest(secret)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("button[data-copy=new-key]")
    page.wait_for_selector("#issued .copied:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert page.locator("button[data-copy=snippet-curl]").is_visible()
    curl = page.locator("#snippet-curl").inner_text()
    assert f"X-API-Key: {secret}" in curl
    assert f"'{live_server.url}/api/v1/track'" in curl
    page.pulse_screenshot("apimetrics-key-created")

    page.set_viewport_size({"width": 360, "height": 800})
    assert page_overflow(page) <= 0  # nothing wider than a phone
    page.pulse_screenshot("apimetrics-key-created-360")
    page.set_viewport_size({"width": 1400, "height": 1000})

    assert run_curl(curl) == (202, {"accepted": 1})
    page.wait_for_selector("#first-event.ok")
    assert page.locator("#first-event").inner_text() == "First event received! Open the dashboard"
    page.pulse_screenshot("apimetrics-first-event")

    # Shown once: the page again has the key's prefix only.
    page.goto("/api-metrics/shop/keys/")
    assert secret not in page.content()
    assert page.locator("#api-keys tbody tr").count() == 1
    assert "ok" in page.locator("#first-event").get_attribute("class")
    page.goto("/api-metrics/shop/settings/")
    page.pulse_screenshot("apimetrics-project-settings")
