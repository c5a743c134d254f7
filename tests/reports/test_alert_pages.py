"""The alerts pages as owner, admin, viewer, outsider and anonymous: rules created and edited
through the API's rules, "test this rule now", incidents, webhooks with their one-time secret."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
import time_machine

from reports import alert_services
from reports.models import AlertRule, Incident, Webhook
from tests.reports.conftest import NOW, daily_sales, make_rule

RULES = "/reports/alerts/"
NEW = "/reports/alerts/new"
INCIDENTS = "/reports/alerts/incidents/"
WEBHOOKS = "/reports/alerts/webhooks/"
PUBLIC_URL = "https://93.184.216.34/hooks"
FORM = {
    "workspace": "acme",
    "name": "Revenue fell",
    "watch": "sales.summary:total_revenue",
    "filters": "",
    "condition": "change",
    "direction": "below",
    "threshold": "40",
    "baseline": "previous_period",
    "cadence_minutes": "60",
    "window_days": "1",
    "hold_minutes": "15",
}


def login(client, user):
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's words, tags dropped and white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def field_error(response, name: str) -> str:
    match = re.search(rf'id="id_{name}_error"><li>(.*?)</li>', response.content.decode())
    return html.unescape(match.group(1)) if match else ""


@pytest.fixture
def rule(workspace):
    return make_rule(workspace)


@pytest.fixture
def hook(workspace):
    return alert_services.webhook_create(workspace=workspace, user=None, name="Ops", url=PUBLIC_URL)


def _pages(rule, hook) -> list[str]:
    return [RULES, f"{RULES}{rule.pk}/", INCIDENTS, WEBHOOKS, f"{WEBHOOKS}{hook.pk}/"]


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, rule, hook):
    for url in [*_pages(rule, hook), NEW]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    for url in (NEW, f"{RULES}{rule.pk}/", f"{RULES}{rule.pk}/delete", WEBHOOKS, f"{WEBHOOKS}{hook.pk}/"):
        assert client.post(url, {**FORM, "url": PUBLIC_URL}).status_code == 302
    assert (AlertRule.objects.count(), Webhook.objects.count()) == (1, 1)


def test_members_read_every_page_viewers_without_forms(client, owner, admin_user, viewer, rule, hook):
    for member, writes in ((owner, True), (admin_user, True), (viewer, False)):
        login(client, member)
        for url in _pages(rule, hook):
            response = client.get(url)
            assert response.status_code == 200, url
        rule_page = client.get(f"{RULES}{rule.pk}/").content.decode()
        assert ('id="test-rule"' in rule_page, "Delete the rule" in rule_page) == (writes, writes)
        assert ('id="rule-form"' in rule_page, "disabled" in rule_page) == (True, not writes)
        assert ('id="webhook-form"' in client.get(WEBHOOKS).content.decode()) is writes
        assert client.get(NEW).status_code == (200 if writes else 403)


def test_viewers_post_nothing(client, viewer, rule, hook):
    login(client, viewer)
    for url in (
        NEW,
        f"{RULES}{rule.pk}/",
        f"{RULES}{rule.pk}/test",
        f"{RULES}{rule.pk}/delete",
        f"{WEBHOOKS}{hook.pk}/",
    ):
        assert client.post(url, FORM).status_code == 403, url
    assert client.post(WEBHOOKS, {"workspace": "acme", "name": "x", "url": PUBLIC_URL}).status_code == 403
    assert (AlertRule.objects.count(), Webhook.objects.count()) == (1, 1)
    rule.refresh_from_db()
    assert rule.name == "Revenue watch"


def test_an_outsider_finds_none_of_ours(client, outsider, rule, hook):
    login(client, outsider)
    for url in (f"{RULES}{rule.pk}/", f"{WEBHOOKS}{hook.pk}/"):
        assert client.get(url).status_code == 404
    for url in (f"{RULES}{rule.pk}/test", f"{RULES}{rule.pk}/delete", f"{WEBHOOKS}{hook.pk}/"):
        assert client.post(url, {**FORM, "workspace": "globex"}).status_code == 404
    assert "Revenue watch" not in client.get(RULES).content.decode()
    assert "Ops" not in client.get(WEBHOOKS).content.decode()
    assert (AlertRule.objects.count(), Webhook.objects.count()) == (1, 1)


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_create_then_edit_a_rule(client, request, role, viewer, hook):
    login(client, request.getfixturevalue(role))
    response = client.post(NEW, {**FORM, "recipients": [str(viewer.pk)], "webhooks": [str(hook.pk)], "muted": "on"})
    rule = AlertRule.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{RULES}{rule.pk}/")
    assert (rule.condition, rule.direction, rule.threshold, rule.hold_minutes, rule.muted) == (
        "change",
        "below",
        Decimal("40"),
        15,
        True,
    )
    assert (list(rule.recipients.all()), list(rule.webhooks.all())) == ([viewer], [hook])
    # Edited: unticking "muted" and emptying the mail list are changes, not "unchanged".
    edit = {**FORM, "threshold": "25", "snoozed_until": "2026-03-10T08:00", "filters": ""}
    assert client.post(f"{RULES}{rule.pk}/", edit).status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.muted, rule.snoozed_until) == (
        Decimal("25"),
        False,
        dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC),
    )
    assert list(rule.recipients.all()) == []
    # The snooze emptied: lifted.
    assert client.post(f"{RULES}{rule.pk}/", {**edit, "snoozed_until": ""}).status_code == 302
    rule.refresh_from_db()
    assert rule.snoozed_until is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"watch": "sales.summary:nope"}, "watch", "Not a metric of sales.summary."),
        ({"watch": "sales.series:buckets"}, "watch", "Not an insight with scalars: see GET /api/v1/insights/."),
        ({"filters": "colour=red"}, "filters", "Not a filter of this metric."),
        ({"filters": "just text"}, "filters", 'Expected a dictionary of items but got type "str".'),
        ({"threshold": "-1"}, "threshold", "Must be a positive percent."),
        ({"window_days": "0"}, "window_days", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_rules_are_shown_next_to_their_field_and_write_nothing(client, owner, changes, field, message):
    response = login(client, owner).post(NEW, {**FORM, **changes})
    assert response.status_code == 200
    assert field_error(response, field) == message
    assert not AlertRule.objects.exists()


def test_test_this_rule_now_shows_the_reading_and_changes_nothing(client, admin_user, workspace, rule):
    daily_sales(workspace, {dt.date(2026, 3, 8): "200.00"})
    with time_machine.travel(NOW, tick=False):
        response = login(client, admin_user).post(f"{RULES}{rule.pk}/test", {"workspace": "acme"})
    text = text_of(response)
    assert response.status_code == 200
    assert (
        "Test over 2026-03-08 to 2026-03-08: 200 against 150: the condition holds, the rule would fire. "
        "Nothing was changed and nobody was told." in text
    )
    rule.refresh_from_db()
    assert (rule.state, rule.last_evaluated_at) == ("ok", None)
    assert not Incident.objects.exists()


def test_a_rule_is_deleted_with_its_incidents(client, owner, rule):
    Incident.objects.create(workspace=rule.workspace, rule=rule, opened_at=NOW, value=Decimal("1"))
    response = login(client, owner).post(f"{RULES}{rule.pk}/delete", {"workspace": "acme"})
    assert (response.status_code, response["Location"]) == (302, RULES)
    assert (AlertRule.objects.count(), Incident.objects.count()) == (0, 0)


def test_incidents_page_lists_the_triggering_values(client, viewer, rule):
    Incident.objects.create(workspace=rule.workspace, rule=rule, opened_at=NOW, value=Decimal("200"))
    text = text_of(login(client, viewer).get(INCIDENTS))
    assert "Revenue watch 2026-03-09 08:00 UTC 200 — Firing Yes" in text


def test_a_new_webhook_shows_its_secret_once(client, owner):
    login(client, owner)
    response = client.post(WEBHOOKS, {"workspace": "acme", "name": "Ops", "url": PUBLIC_URL})
    webhook = Webhook.objects.get()
    assert response.status_code == 201
    assert f'<code id="new-secret">{webhook.secret}</code>' in response.content.decode()
    for url in (WEBHOOKS, f"{WEBHOOKS}{webhook.pk}/"):
        page = client.get(url).content.decode()
        assert webhook.secret not in page
    assert webhook.secret_hint in client.get(WEBHOOKS).content.decode()


def test_a_private_webhook_url_is_refused_next_to_the_field(client, owner):
    response = login(client, owner).post(WEBHOOKS, {"workspace": "acme", "name": "Ops", "url": "http://10.0.0.1/"})
    assert response.status_code == 200
    assert field_error(response, "url") == "This URL points at a private, loopback or link-local address."
    assert not Webhook.objects.exists()


def test_a_webhook_is_deleted(client, admin_user, hook):
    response = login(client, admin_user).post(f"{WEBHOOKS}{hook.pk}/", {"workspace": "acme"})
    assert (response.status_code, response["Location"]) == (302, WEBHOOKS)
    assert not Webhook.objects.exists()


def test_testing_a_rule_whose_project_is_gone_says_so(client, admin_user, workspace):
    rule = make_rule(workspace, insight="apimetrics.summary", metric="p95_ms", filters={"key": "gone"})
    response = login(client, admin_user).post(f"{RULES}{rule.pk}/test", {"workspace": "acme"})
    assert response.status_code == 200
    assert "The rule cannot be read: Not found." in text_of(response)
    assert 'id="test-result"' not in response.content.decode()
