"""The alerts pages in Chromium: a rule made through the form, tested now, and a webhook whose
secret is shown once; no script or console error on any page (the browser_page fixture)."""

import datetime as dt

import pytest
from django.utils import timezone

from reports.models import AlertRule, Webhook
from tests.reports.conftest import daily_sales

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_make_a_rule_test_it_now_and_add_a_webhook(browser_page, owner, workspace, live_server, settings):
    settings.PULSE_WEBHOOKS_ALLOW_PRIVATE = True
    daily_sales(workspace, {timezone.now().date() - dt.timedelta(days=1): "200.00"})
    page = browser_page(owner)
    page.goto("/reports/alerts/")
    assert page.locator("#no-rules").is_visible()
    page.click("#new-rule")
    page.fill("#id_name", "Revenue high")
    page.select_option("#id_watch", "sales.summary:total_revenue")
    page.select_option("#id_condition", "threshold")
    page.select_option("#id_direction", "either")
    page.fill("#id_threshold", "150")
    page.click("#rule-form button[type=submit]")
    assert "A threshold is crossed upwards" in page.locator("#id_direction_error").inner_text()
    assert not AlertRule.objects.exists()
    page.select_option("#id_direction", "above")
    page.click("#rule-form button[type=submit]")
    rule = AlertRule.objects.get()
    page.wait_for_url(f"{live_server.url}/reports/alerts/{rule.pk}/")
    page.click("#test-rule")
    result = page.locator("#test-result").inner_text()
    assert ": 200 against 150: the condition holds, the rule would fire." in result
    rule.refresh_from_db()
    assert rule.last_evaluated_at is None

    page.goto("/reports/alerts/webhooks/")
    page.fill("#id_name", "Ops")
    page.fill("#id_url", "http://127.0.0.1:9/hook")
    page.click("#webhook-form button[type=submit]")
    assert page.locator("#new-secret").inner_text() == Webhook.objects.get().secret
    page.goto("/reports/alerts/webhooks/")
    assert page.locator("#new-secret").count() == 0
    page.click("#webhooks a")
    assert page.locator("#no-deliveries").is_visible()
    page.goto("/reports/alerts/incidents/")
    assert page.locator(".no-incidents").is_visible()
