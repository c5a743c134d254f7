"""The alerts API: every endpoint as owner, admin, viewer, outsider and anonymous; whole payloads;
hostile input answered 400 in the error shape, with nothing written."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from reports import alert_services
from reports.models import AlertRule, Incident, Webhook, WebhookDelivery
from tests.apimetrics.factories import ProjectFactory
from tests.reports.conftest import NOW, daily_sales, make_rule
from tests.sales.test_api import assert_error

RULES = "/api/v1/alerts/rules/"
INCIDENTS = "/api/v1/alerts/incidents/"
WEBHOOKS = "/api/v1/alerts/webhooks/"
PUBLIC_URL = "https://93.184.216.34/hooks"  # a literal public address: no DNS needed


def rule_payload(**overrides) -> dict:
    return {
        "name": "Revenue fell",
        "insight": "sales.summary",
        "metric": "total_revenue",
        "condition": "change",
        "direction": "below",
        "threshold": "40",
        **overrides,
    }


@pytest.fixture
def rule(workspace):
    return make_rule(workspace)


@pytest.fixture
def hook(workspace):
    return alert_services.webhook_create(workspace=workspace, user=None, name="Ops", url=PUBLIC_URL)


@pytest.fixture
def incident(rule, workspace):
    return Incident.objects.create(
        workspace=workspace, rule=rule, opened_at=NOW, value=Decimal("200"), reference=Decimal("150")
    )


def _paths(rule, hook) -> list[str]:
    return [
        RULES,
        f"{RULES}{rule.pk}/",
        INCIDENTS,
        WEBHOOKS,
        f"{WEBHOOKS}{hook.pk}/",
        f"{WEBHOOKS}{hook.pk}/deliveries",
    ]


def test_members_read_every_endpoint_outsiders_get_404_anonymous_401(
    api_as, anon_api, owner, admin_user, viewer, outsider, rule, hook, incident
):
    for path in _paths(rule, hook):
        for member in (owner, admin_user, viewer):
            assert api_as(member).get(path).status_code == 200, path
        assert_error(api_as(outsider).get(path), 404, "not_found")
        assert_error(anon_api.get(path), 401)


def test_an_outsider_in_their_own_workspace_sees_none_of_ours(api_as, outsider, other_workspace, rule, hook, incident):
    theirs = api_as(outsider, other_workspace)
    for path in (RULES, INCIDENTS, WEBHOOKS):
        assert theirs.get(path).json()["results"] == [], path
    for path in (f"{RULES}{rule.pk}/", f"{WEBHOOKS}{hook.pk}/", f"{WEBHOOKS}{hook.pk}/deliveries"):
        assert_error(theirs.get(path), 404)
    assert_error(theirs.post(f"{RULES}{rule.pk}/test"), 404)
    assert_error(theirs.delete(f"{WEBHOOKS}{hook.pk}/"), 404)
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_viewers_cannot_write_outsiders_get_404_anonymous_401(api_as, anon_api, viewer, outsider, rule, hook):
    writes = [
        ("post", RULES, rule_payload()),
        ("patch", f"{RULES}{rule.pk}/", {"muted": True}),
        ("delete", f"{RULES}{rule.pk}/", None),
        ("post", f"{RULES}{rule.pk}/test", None),
        ("post", WEBHOOKS, {"name": "x", "url": PUBLIC_URL}),
        ("delete", f"{WEBHOOKS}{hook.pk}/", None),
    ]
    for method, path, payload in writes:
        assert_error(getattr(api_as(viewer), method)(path, payload, format="json"), 403, "permission_denied")
        assert_error(getattr(api_as(outsider), method)(path, payload, format="json"), 404)
        assert_error(getattr(anon_api, method)(path, payload, format="json"), 401)
    assert AlertRule.objects.count() == 1
    assert Webhook.objects.count() == 1
    assert AlertRule.objects.get().muted is False


@pytest.mark.parametrize("writer", ["owner", "admin_user"])
def test_owners_and_admins_create_change_and_delete_rules(writer, request, api_as, workspace, viewer, hook):
    with time_machine.travel(NOW, tick=False):
        client = api_as(request.getfixturevalue(writer))
        created = client.post(RULES, rule_payload(recipients=[viewer.pk], webhooks=[hook.pk]), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    rule_id = body.pop("id")
    assert body == {
        "name": "Revenue fell",
        "insight": "sales.summary",
        "metric": "total_revenue",
        "filters": {},
        "condition": "change",
        "direction": "below",
        "threshold": "40.0000",
        "baseline": "previous_period",
        "weeks": 4,
        "cadence_minutes": 60,
        "window_days": 1,
        "include_today": False,
        "hold_minutes": 0,
        "snoozed_until": None,
        "muted": False,
        "recipients": [viewer.pk],
        "webhooks": [hook.pk],
        "state": "ok",
        "pending_since": None,
        "last_evaluated_at": None,
        "last_outcome": "",
        "last_value": None,
        "last_error": "",
        "next_run_at": "2026-03-09T08:00:00Z",
        "created_at": "2026-03-09T08:00:00Z",
    }
    until = "2026-03-10T08:00:00Z"
    client = api_as(request.getfixturevalue(writer))
    changed = client.patch(f"{RULES}{rule_id}/", {"snoozed_until": until, "threshold": "55"}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["snoozed_until"], changed.json()["threshold"]) == (until, "55.0000")
    assert client.delete(f"{RULES}{rule_id}/").status_code == 204
    assert not AlertRule.objects.exists()


def test_testing_a_rule_reads_it_without_changing_or_notifying(api_as, admin_user, workspace, rule, hook):
    daily_sales(workspace, {dt.date(2026, 3, 8): "200.00"})
    rule.webhooks.add(hook)
    with time_machine.travel(NOW, tick=False):
        response = api_as(admin_user).post(f"{RULES}{rule.pk}/test")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "date_from": "2026-03-08",
        "date_to": "2026-03-08",
        "value": "200.000000",
        "reference": "150.000000",
        "change_pct": None,
        "outcome": "breach",
        "would_fire": True,
    }
    rule.refresh_from_db()
    assert (rule.state, rule.last_evaluated_at, rule.pending_since) == ("ok", None, None)
    assert not Incident.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_incidents_list_newest_first_with_the_triggering_value(api_as, viewer, rule, incident):
    older = Incident.objects.create(
        workspace=rule.workspace,
        rule=rule,
        opened_at=NOW - dt.timedelta(days=2),
        value=Decimal("180.5"),
        resolved_at=NOW - dt.timedelta(days=1),
        resolved_value=Decimal("20"),
        notified=False,
    )
    body = api_as(viewer).get(INCIDENTS).json()
    assert body["count"] == 2
    assert body["results"] == [
        {
            "id": incident.pk,
            "rule": rule.pk,
            "rule_name": "Revenue watch",
            "status": "firing",
            "opened_at": "2026-03-09T08:00:00Z",
            "value": "200.000000",
            "reference": "150.000000",
            "resolved_at": None,
            "resolved_value": None,
            "notified": True,
        },
        {
            "id": older.pk,
            "rule": rule.pk,
            "rule_name": "Revenue watch",
            "status": "resolved",
            "opened_at": "2026-03-07T08:00:00Z",
            "value": "180.500000",
            "reference": None,
            "resolved_at": "2026-03-08T08:00:00Z",
            "resolved_value": "20.000000",
            "notified": False,
        },
    ]


def test_a_webhooks_secret_is_shown_once(api_as, owner, viewer):
    with time_machine.travel(NOW, tick=False):
        created = api_as(owner).post(WEBHOOKS, {"name": "Ops", "url": PUBLIC_URL}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body.pop("secret")
    webhook = Webhook.objects.get()
    assert secret == webhook.secret
    assert (secret[:6], len(secret)) == ("whsec_", 54)
    assert body == {
        "id": webhook.pk,
        "name": "Ops",
        "url": PUBLIC_URL,
        "secret_hint": secret[:10] + "…",
        "created_at": "2026-03-09T08:00:00Z",
    }
    for reader in (owner, viewer):
        shown = api_as(reader).get(f"{WEBHOOKS}{webhook.pk}/").json()
        assert shown == body
        assert secret not in str(api_as(reader).get(WEBHOOKS).json())


def test_deliveries_are_listed_newest_first(api_as, viewer, hook, incident):
    first = WebhookDelivery.objects.create(webhook=hook, incident=incident, event="incident.opened", payload={"a": 1})
    second = WebhookDelivery.objects.create(
        webhook=hook, event="incident.resolved", payload={"b": 2}, status="failed", attempts=7, response_status=500
    )
    second.error = "HTTP 500"
    second.save()
    rows = api_as(viewer).get(f"{WEBHOOKS}{hook.pk}/deliveries").json()["results"]
    assert [(row["id"], row["status"], row["attempts"], row["response_status"], row["error"]) for row in rows] == [
        (second.pk, "failed", 7, 500, "HTTP 500"),
        (first.pk, "pending", 0, None, ""),
    ]
    assert rows[1]["payload"] == {"a": 1}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"insight": "sales.nope"}, "insight"),
        ({"insight": "sales.series"}, "insight"),  # no scalars
        ({"metric": "nope"}, "metric"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"filters": {"compare": "decade"}}, "filters.compare"),
        ({"filters": "key=x"}, "filters"),
        ({"insight": "apimetrics.summary", "metric": "p95_ms", "filters": {"key": "nope"}}, "filters"),
        ({"insight": "apimetrics.summary", "metric": "p95_ms"}, "filters.key"),
        ({"filters": {"store": "abc"}}, "filters.store"),
        ({"filters": {"store": "0"}}, "filters.store"),
        ({"filters": {"store": str(2**63)}}, "filters.store"),
        ({"filters": {"store": "424242"}}, "filters"),  # no such store in the workspace
        (
            {"insight": "apimetrics.summary", "metric": "p95_ms", "filters": {"key": "shop", "endpoint": "get /x"}},
            "filters.endpoint",
        ),
        ({"insight": "ecommerce.health", "metric": "failed", "filters": {"store": "1"}}, "filters.store"),
        (
            {"insight": "ecommerce.country", "metric": "kpis.revenue", "filters": {"name": "x", "limit": "0"}},
            "filters.limit",
        ),
        ({"condition": "threshold", "direction": "either"}, "direction"),
        ({"threshold": "-5"}, "threshold"),
        ({"threshold": "abc"}, "threshold"),
        ({"condition": "anomaly", "threshold": "3", "weeks": 2}, "weeks"),
        ({"condition": "sometimes"}, "condition"),
        ({"cadence_minutes": 7}, "cadence_minutes"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 93}, "window_days"),
        ({"hold_minutes": 1441}, "hold_minutes"),
        ({"weeks": 13}, "weeks"),
        ({"recipients": [999999]}, "recipients"),
        ({"webhooks": ["x"]}, "webhooks"),
        ({"snoozed_until": "tomorrow"}, "snoozed_until"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_rules_are_400_and_write_nothing(overrides, field, api_as, owner):
    error = assert_error(api_as(owner).post(RULES, rule_payload(**overrides), format="json"), 400, "invalid")
    assert field in error["fields"], error
    assert not AlertRule.objects.exists()


def test_another_workspaces_project_members_and_webhooks_are_refused(api_as, owner, outsider, other_workspace):
    theirs = ProjectFactory(workspace=other_workspace, key="their-api")
    their_hook = alert_services.webhook_create(workspace=other_workspace, user=None, name="Theirs", url=PUBLIC_URL)
    client = api_as(owner)
    project_rule = rule_payload(insight="apimetrics.summary", metric="p95_ms", filters={"key": theirs.key})
    assert "filters" in assert_error(client.post(RULES, project_rule, format="json"), 400)["fields"]
    assert "recipients" in assert_error(client.post(RULES, rule_payload(recipients=[outsider.pk])), 400)["fields"]
    assert "webhooks" in assert_error(client.post(RULES, rule_payload(webhooks=[their_hook.pk])), 400)["fields"]
    assert not AlertRule.objects.exists()


def test_a_rule_on_our_own_project_and_a_country_is_accepted(api_as, owner, workspace):
    ProjectFactory(workspace=workspace, key="shop-api")
    client = api_as(owner)
    on_project = rule_payload(insight="apimetrics.summary", metric="p95_ms", filters={"key": "shop-api"})
    assert client.post(RULES, on_project, format="json").status_code == 201
    on_country = rule_payload(insight="ecommerce.country", metric="kpis.revenue", filters={"name": "France"})
    assert client.post(RULES, on_country, format="json").status_code == 201


def test_a_patch_is_checked_against_the_stored_rule(api_as, owner, rule):
    # The stored rule is a threshold: "either" would make it meaningless.
    error = assert_error(api_as(owner).patch(f"{RULES}{rule.pk}/", {"direction": "either"}, format="json"), 400)
    assert list(error["fields"]) == ["direction"]
    rule.refresh_from_db()
    assert rule.direction == "above"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/hook", "http://169.254.169.254/", "http://[::1]/", "javascript:alert(1)", "not a url"]
)
def test_private_or_bad_webhook_urls_are_400_and_write_nothing(url, api_as, owner):
    error = assert_error(api_as(owner).post(WEBHOOKS, {"name": "Ops", "url": url}, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["url"]
    assert not Webhook.objects.exists()


def test_lists_take_a_fixed_number_of_queries(api_as, viewer, workspace, hook, django_assert_num_queries):
    for number in range(3):
        rule = make_rule(workspace, name=f"rule {number}", recipients=[viewer], webhooks=[hook])
        Incident.objects.create(workspace=workspace, rule=rule, opened_at=NOW, value=Decimal(number))
    client = api_as(viewer)
    # the request's savepoint and its release; the user with the membership, the count, the
    # page, its recipients, its webhooks
    with django_assert_num_queries(7):
        assert len(client.get(RULES).json()["results"]) == 3
    # the savepoint and its release; the user with the membership, the count, the page with its
    # rules
    with django_assert_num_queries(5):
        assert len(client.get(INCIDENTS).json()["results"]) == 3


def test_testing_a_rule_whose_metric_is_gone_is_409(api_as, admin_user, workspace):
    gone_project = make_rule(workspace, insight="apimetrics.summary", metric="p95_ms", filters={"key": "gone"})
    unregistered = make_rule(workspace)
    AlertRule.objects.filter(pk=unregistered.pk).update(metric="retired", insight="sales.retired")
    client = api_as(admin_user)
    error = assert_error(client.post(f"{RULES}{gone_project.pk}/test"), 409, "conflict")
    assert error["message"] == "The rule cannot be read: Not found."
    error = assert_error(client.post(f"{RULES}{unregistered.pk}/test"), 409, "conflict")
    assert error["message"] == "The rule cannot be read: sales.retired:retired is not a registered metric."
