"""Telling people of an incident: its JSON payload, the mail, and one webhook delivery attempt."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.mail import send_templated, site_link
from config.errors import Invalid
from config.insights import get_insight
from reports import webhooks
from reports.models import Incident, WebhookDelivery

ERROR_CHARS = 300


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def incident_payload(incident: Incident, event: str) -> dict[str, Any]:
    """What a webhook receives (and the mail says) of an incident."""
    rule = incident.rule
    return {
        "event": event,
        "workspace": rule.workspace.slug,
        "rule": {
            "id": rule.pk,
            "name": rule.name,
            "insight": rule.insight,
            "metric": rule.metric,
            "filters": rule.filters,
            "condition": rule.condition,
            "direction": rule.direction,
            "threshold": _number(rule.threshold),
        },
        "incident": {
            "id": incident.pk,
            "opened_at": incident.opened_at.isoformat(),
            "value": _number(incident.value),
            "reference": _number(incident.reference),
            "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
            "resolved_value": _number(incident.resolved_value),
        },
    }


def send_incident_email(incident_id: int, event: str) -> int:
    """Mail the rule's recipients who are still members; returns how many were mailed."""
    incident = Incident.objects.select_related("rule__workspace").filter(pk=incident_id).first()
    if incident is None:
        return 0
    rule = incident.rule
    recipients = rule.recipients.filter(memberships__workspace_id=rule.workspace_id).order_by("email")
    label = _metric_label(rule.insight, rule.metric)
    state = "Resolved" if event == "incident.resolved" else "Firing"
    context = {
        "rule": rule,
        "incident": incident,
        "state": state,
        "metric_label": label,
        "payload": incident_payload(incident, event),
        "link": site_link(None, f"/reports/alerts/{rule.pk}/"),
    }
    emails = list(recipients.values_list("email", flat=True))
    for email in emails:
        send_templated(
            to=email, subject=f"[Pulse] {state}: {rule.name}", template="alert", context=context, folder="reports/email"
        )
    return len(emails)


def _metric_label(insight: str, metric: str) -> str:
    try:
        return get_insight(insight).metric(metric).label
    except KeyError:
        return metric


def attempt_delivery(delivery_id: int, *, last: bool) -> bool:
    """POST the delivery once; returns whether it is settled (delivered, or failed for good:
    its ``last`` attempt, or its URL now refused). Each attempt's outcome is kept on the row."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return True
    delivery.attempts += 1
    refused = False
    try:
        status: int | None = webhooks.post(delivery.webhook.url, delivery.webhook.secret, delivery.payload)
        delivery.error = "" if status is not None and 200 <= status < 300 else f"HTTP {status}"
    except Invalid as error:
        # Resolved to a forbidden address since it was made (DNS rebinding): never retried.
        status, refused, delivery.error = None, True, error.message[:ERROR_CHARS]
    except OSError as error:
        status, delivery.error = None, (str(error) or type(error).__name__)[:ERROR_CHARS]
    delivery.response_status = status
    if not delivery.error:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif refused or last:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save(update_fields=["attempts", "response_status", "error", "status", "delivered_at"])
    return delivery.status != WebhookDelivery.Status.PENDING
