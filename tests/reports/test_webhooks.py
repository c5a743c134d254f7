"""Webhooks: one signed delivery per transition, received by a real server on loopback that
fails twice to prove the retries; every attempt logged; private addresses refused when the
webhook is made and again when it is delivered (DNS rebinding)."""

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
import time_machine

from config.errors import Invalid
from reports import alert_services, webhooks
from reports.models import WebhookDelivery
from tests.reports.conftest import NOW, make_rule


def _round(at, django_capture_on_commit_callbacks):
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        alert_services.evaluate_due(now=at)


def _verified(secret: str, request: dict) -> int:
    """What a receiver does: recompute the signature over ``t.body``; returns ``t``."""
    header = request["headers"]["X-Pulse-Signature"]
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    return int(parts["t"])


def _hook(workspace, url):
    return alert_services.webhook_create(workspace=workspace, user=None, name="Ops", url=url)


def test_one_signed_delivery_per_transition_retried_through_two_failures(
    allow_private, firing, workspace, receiver, django_capture_on_commit_callbacks
):
    receiver.failures = 2
    hook = _hook(workspace, receiver.url)
    rule = make_rule(workspace, webhooks=[hook])
    _round(NOW, django_capture_on_commit_callbacks)
    assert len(receiver.received) == 3  # two refusals, then the delivery
    assert {_verified(hook.secret, request) for request in receiver.received} == {int(NOW.timestamp())}
    assert receiver.received[2]["headers"]["Content-Type"] == "application/json"
    incident = rule.incidents.get()
    assert receiver.bodies()[2] == {
        "event": "incident.opened",
        "workspace": "acme",
        "rule": {
            "id": rule.pk,
            "name": "Revenue watch",
            "insight": "sales.summary",
            "metric": "total_revenue",
            "filters": {},
            "condition": "threshold",
            "direction": "above",
            "threshold": "150",
        },
        "incident": {
            "id": incident.pk,
            "opened_at": "2026-03-09T08:00:00+00:00",
            "value": "200",
            "reference": "150",
            "resolved_at": None,
            "resolved_value": None,
        },
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == ("delivered", 3, 204, "")
    assert delivery.delivered_at == NOW

    # Still firing: nothing more. Resolved a day later: one more delivery, at the first try.
    _round(NOW + dt.timedelta(minutes=5), django_capture_on_commit_callbacks)
    _round(NOW + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert len(receiver.received) == 4
    assert receiver.bodies()[3]["event"] == "incident.resolved"
    assert receiver.bodies()[3]["incident"]["resolved_value"] == "0"
    assert list(WebhookDelivery.objects.order_by("pk").values_list("event", "status", "attempts")) == [
        ("incident.opened", "delivered", 3),
        ("incident.resolved", "delivered", 1),
    ]


def test_a_receiver_that_keeps_failing_leaves_a_failed_delivery_after_every_retry(
    allow_private, firing, workspace, receiver, django_capture_on_commit_callbacks
):
    receiver.failures = 100
    make_rule(workspace, webhooks=[_hook(workspace, receiver.url)])
    _round(NOW, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == (
        "failed",
        7,
        500,
        "HTTP 500",
    )
    assert len(receiver.received) == 7


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "ftp://example.com/hook",
        "http://no-such-host.invalid/hook",
    ],
)
def test_private_and_unusable_urls_are_refused_when_made(workspace, url):
    with pytest.raises(Invalid) as refused:
        _hook(workspace, url)
    assert list(refused.value.fields) == ["url"]


def test_a_name_rebound_to_loopback_after_creation_is_refused_at_delivery(
    dns, firing, workspace, receiver, django_capture_on_commit_callbacks
):
    dns["hooks.example.com"] = "93.184.216.34"
    hook = _hook(workspace, f"http://hooks.example.com:{receiver.server_port}/hook")
    make_rule(workspace, webhooks=[hook])
    dns["hooks.example.com"] = "127.0.0.1"
    _round(NOW, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, None)
    assert delivery.error == "url: This URL points at a private, loopback or link-local address."
    assert receiver.received == []


def test_a_delivery_connects_to_the_address_it_checked_with_the_urls_host(dns, allow_private, receiver):
    dns["hooks.example.com"] = "127.0.0.1"
    url = f"http://hooks.example.com:{receiver.server_port}/in?x=1"
    assert webhooks.post(url, "whsec_test", {"ok": Decimal("1.50").to_eng_string()}) == 204
    (request,) = receiver.received
    assert request["headers"]["Host"] == f"hooks.example.com:{receiver.server_port}"
    assert json.loads(request["body"]) == {"ok": "1.50"}
    _verified("whsec_test", request)
