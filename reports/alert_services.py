"""Writes of alerting: rules and webhooks, evaluation rounds, incidents and their notifications."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import structlog
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User, Workspace
from config.insights import shared_reads
from config.queue import enqueue_on_commit
from reports import alerts, signals, webhooks
from reports.alert_delivery import incident_payload
from reports.models import AlertRule, Incident, Webhook, WebhookDelivery
from reports.tasks import deliver_webhook, send_alert_email

log = structlog.get_logger("pulse.alerts")

# Rules one round evaluates at most; the rest are due at the next round, five minutes later.
ROUND_LIMIT = 5000
RELATIONS = ("recipients", "webhooks")
# What an evaluation writes of a rule.
STATE_FIELDS = ["state", "pending_since", "last_evaluated_at", "last_outcome", "last_value", "last_error"]
# Rules whose readings one UPDATE writes: its parameters (a few per rule) stay within SQLite's limit.
SAVE_BATCH = 1000


def rule_create(*, workspace: Workspace, user: User | None, data: Mapping[str, Any]) -> AlertRule:
    fields = {name: value for name, value in data.items() if name not in RELATIONS}
    with transaction.atomic():
        rule = AlertRule.objects.create(workspace=workspace, created_by=user, next_run_at=timezone.now(), **fields)
        _set_relations(rule, data)
    return rule


def rule_update(*, rule: AlertRule, data: Mapping[str, Any]) -> AlertRule:
    """Change a rule; it is evaluated at the next round, its state kept, a pending change
    forgotten (it was observed under the old definition)."""
    for name, value in data.items():
        if name not in RELATIONS:
            setattr(rule, name, value)
    rule.pending_since, rule.next_run_at = None, timezone.now()
    with transaction.atomic():
        rule.save()
        _set_relations(rule, data)
    return rule


def _set_relations(rule: AlertRule, data: Mapping[str, Any]) -> None:
    for name in RELATIONS:
        if name in data:
            getattr(rule, name).set(data[name])


def webhook_create(*, workspace: Workspace, user: User | None, name: str, url: str) -> Webhook:
    """A webhook with a new secret (readable on the returned object only: shown once)."""
    webhooks.resolve(url)
    return Webhook.objects.create(
        workspace=workspace, created_by=user, name=name, url=url, secret=webhooks.new_secret()
    )


def evaluate_due(*, now: dt.datetime | None = None) -> int:
    """One round: claim the rules that are due and evaluate each; returns how many.

    Claiming moves each rule's ``next_run_at`` past this round in one short transaction whose
    rows other workers skip (``SKIP LOCKED``), so two rounds running at once never evaluate a
    rule twice. The round reads each payload once (rules share them), the apps' reductions of a
    window once (:func:`config.insights.shared_reads`), then writes every reading, incident and
    delivery in one transaction: the notifications leave once it commits, and a round that fails
    writes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            AlertRule.objects.select_for_update(skip_locked=True)
            .filter(next_run_at__lte=now)
            .order_by("next_run_at")
            .values_list("pk", "cadence_minutes")[:ROUND_LIMIT]
        )
        by_cadence: dict[int, list[int]] = defaultdict(list)
        for pk, cadence in due:
            by_cadence[cadence].append(pk)
        for cadence, pks in by_cadence.items():
            AlertRule.objects.filter(pk__in=pks).update(next_run_at=now + dt.timedelta(minutes=cadence))
    rules = AlertRule.objects.filter(pk__in=[pk for pk, _ in due]).select_related("workspace")
    payloads: dict[Hashable, Any] = {}
    unchanged, changed = [], []
    with shared_reads():
        for rule in rules.prefetch_related("webhooks").order_by("pk"):
            reading, transition = observe(rule, now=now, payloads=payloads)
            if transition is None or reading is None:
                unchanged.append(rule)
            else:
                changed.append((rule, reading, transition))
    # One commit for the round: a commit per transition waited on the disk hundreds of times.
    with transaction.atomic():
        announced = []
        for rule, reading, transition in changed:
            rule.save(update_fields=STATE_FIELDS)
            announced.extend(_record(rule, reading, transition, now))
        _save_states(unchanged)
        transaction.on_commit(lambda: _announce(announced))
    return len(due)


def _announce(events: list[tuple[Signal, Incident]]) -> None:
    """Send the round's incident signals, once it has committed, in one transaction of their
    own: what their receivers write (the incidents' annotations) commits once too."""
    with transaction.atomic():
        for signal, incident in events:
            signal.send(sender=Incident, incident=incident)


def _save_states(rules: list[AlertRule]) -> None:
    """Write the readings of ``rules``, a thousand rules an UPDATE. Each field is a CASE over the
    distinct values the round gave it (its rules share their instant, most their outcome and
    value), where ``bulk_update`` would build a branch per rule and field, slower to build than
    the round's readings."""
    for start in range(0, len(rules), SAVE_BATCH):
        batch = rules[start : start + SAVE_BATCH]
        changes: dict[str, Any] = {}
        for name in STATE_FIELDS:
            field = AlertRule._meta.get_field(name)
            by_value: dict[Any, list[int]] = defaultdict(list)
            for rule in batch:
                by_value[getattr(rule, name)].append(rule.pk)
            whens = [When(pk__in=pks, then=Value(value, output_field=field)) for value, pks in by_value.items()]
            changes[name] = Case(*whens, default=F(name), output_field=field)
        AlertRule.objects.filter(pk__in=[rule.pk for rule in batch]).update(**changes)


def observe(
    rule: AlertRule, *, now: dt.datetime, payloads: dict[Hashable, Any] | None = None
) -> tuple[alerts.Reading | None, str | None]:
    """Read the rule and advance its state in memory; returns the reading (None when the rule
    cannot be read) and the transition, if any."""
    try:
        reading: alerts.Reading | None = alerts.read(rule, now, payloads)
        rule.last_error = ""
    except alerts.Unreadable as exc:
        # It reads as no data, with the reason kept for its page.
        reading, rule.last_error = None, exc.message
        log.warning("alert_rule_unreadable", rule_id=rule.pk, error=exc.message)
    transition = alerts.next_state(rule, reading, now) if reading is not None else None
    rule.last_evaluated_at = now
    rule.last_outcome = reading.outcome if reading is not None else AlertRule.Outcome.NO_DATA
    rule.last_value = reading.value if reading is not None else None
    return reading, transition


def _quiet(rule: AlertRule, now: dt.datetime) -> bool:
    return rule.muted or (rule.snoozed_until is not None and rule.snoozed_until > now)


def _record(
    rule: AlertRule, reading: alerts.Reading, transition: str, now: dt.datetime
) -> list[tuple[Signal, Incident]]:
    """Store the transition's incident and its notifications; returns the signal to send of it
    once the round commits (none for a resolution without an open incident)."""
    quiet = _quiet(rule, now)
    if transition == "fired":
        incident = Incident.objects.create(
            workspace_id=rule.workspace_id,
            rule=rule,
            opened_at=now,
            value=reading.value,
            reference=reading.reference,
            notified=not quiet,
        )
        signal, event = signals.incident_opened, "incident.opened"
    else:
        found = rule.incidents.filter(resolved_at__isnull=True).order_by("-opened_at").first()
        if found is None:
            return []
        incident = found
        incident.resolved_at, incident.resolved_value = now, reading.value
        incident.save(update_fields=["resolved_at", "resolved_value"])
        # Those who were never told it fired are not told it resolved.
        quiet = quiet or not incident.notified
        signal, event = signals.incident_resolved, "incident.resolved"
    if not quiet:
        _notify(incident, event, rule.webhooks.all())
    return [(signal, incident)]


def _notify(incident: Incident, event: str, targets: Iterable[Webhook]) -> None:
    """One mail to the rule's recipients and one delivery per webhook, sent once committed."""
    if incident.rule.recipients.exists():
        enqueue_on_commit(send_alert_email, incident.pk, event)
    payload = incident_payload(incident, event)
    for webhook in targets:
        delivery = WebhookDelivery.objects.create(webhook=webhook, incident=incident, event=event, payload=payload)
        enqueue_on_commit(deliver_webhook, delivery.pk)
