"""The alerts' admin screens: every list and page opens, a webhook's secret never shows, and
staff's rules pass the API's checks."""

import pytest

from reports import alert_services
from reports.models import AlertRule, Incident, Webhook, WebhookDelivery
from tests.reports.conftest import NOW, make_rule

PUBLIC_URL = "https://93.184.216.34/hooks"


@pytest.fixture
def alerting(workspace):
    hook = alert_services.webhook_create(workspace=workspace, user=None, name="Ops", url=PUBLIC_URL)
    rule = make_rule(workspace, webhooks=[hook])
    incident = Incident.objects.create(workspace=workspace, rule=rule, opened_at=NOW, value=200)
    delivery = WebhookDelivery.objects.create(webhook=hook, incident=incident, event="incident.opened", payload={})
    return rule, hook, incident, delivery


def test_every_alerts_admin_page_opens_and_never_shows_a_secret(client, staff_user, alerting):
    rule, hook, incident, delivery = alerting
    client.force_login(staff_user)
    pages = [
        "/admin/reports/alertrule/",
        f"/admin/reports/alertrule/{rule.pk}/change/",
        "/admin/reports/alertrule/add/",
        "/admin/reports/incident/",
        f"/admin/reports/incident/{incident.pk}/change/",
        "/admin/reports/webhook/",
        f"/admin/reports/webhook/{hook.pk}/change/",
        "/admin/reports/webhookdelivery/",
        f"/admin/reports/webhookdelivery/{delivery.pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert hook.secret.encode() not in response.content, page
    assert hook.secret_hint.encode() in client.get("/admin/reports/webhook/").content
    # Webhooks are made by members, who see the secret once; deliveries only happen.
    assert client.get("/admin/reports/webhook/add/").status_code == 403
    assert client.get("/admin/reports/webhookdelivery/add/").status_code == 403


def test_members_cannot_open_the_admin(client, owner, alerting):
    client.force_login(owner)
    response = client.get("/admin/reports/alertrule/")
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/reports/alertrule/")


def _rule_form(workspace, **overrides) -> dict:
    return {
        "workspace": workspace.pk,
        "name": "Staff rule",
        "insight": "sales.summary",
        "metric": "total_revenue",
        "filters": "{}",
        "condition": "threshold",
        "direction": "above",
        "threshold": "10",
        "baseline": "previous_period",
        "weeks": "4",
        "cadence_minutes": "60",
        "window_days": "1",
        "hold_minutes": "0",
        "next_run_at_0": "2026-03-09",
        "next_run_at_1": "08:00:00",
        **overrides,
    }


def test_staff_rules_pass_the_apis_checks(client, staff_user, workspace):
    client.force_login(staff_user)
    refused = client.post("/admin/reports/alertrule/add/", _rule_form(workspace, metric="nope"))
    assert refused.status_code == 200
    assert b"metric: Not a metric of sales.summary." in refused.content
    bad_filter = client.post("/admin/reports/alertrule/add/", _rule_form(workspace, filters='{"colour": "red"}'))
    assert b"filters.colour: Not a filter of this metric." in bad_filter.content
    assert not AlertRule.objects.exists()
    created = client.post("/admin/reports/alertrule/add/", _rule_form(workspace))
    assert created.status_code == 302
    assert AlertRule.objects.get().metric == "total_revenue"


def test_staff_cannot_repoint_a_webhook_at_a_private_address(client, staff_user, alerting):
    hook = alerting[1]
    client.force_login(staff_user)
    response = client.post(f"/admin/reports/webhook/{hook.pk}/change/", {"name": "Ops", "url": "http://10.0.0.1/"})
    assert response.status_code == 200
    assert b"This URL points at a private, loopback or link-local address." in response.content
    assert Webhook.objects.get().url == PUBLIC_URL
