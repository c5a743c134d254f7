"""Digests: which period a subscription sends next and when, what it says, and sending it.

Figures come from the insight registry only: the KPIs are the ``metrics`` of the insights named
in :data:`KPI_INSIGHTS` (with their change against the period before), the top movers are the
rows of :data:`MOVERS` whose value changed most. Incidents are the period's annotations of kind
``incident`` (the alerts send them through :data:`config.timeline.marked`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from django.apps import apps as django_apps
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Workspace
from config import numbers, timeline
from config.insights import MetricUnit, get_insight
from config.periods import Period, growth_pct
from reports.annotations import annotations_in
from reports.models import Annotation, DigestSubscription

KPI_INSIGHTS = ("sales.summary", "ecommerce.kpis")


@dataclass(frozen=True)
class Movers:
    """Rows of an insight whose ``value`` moved most: ``rows`` names the payload's list (None: the
    payload is the list), ``label`` names a row; ``per_project`` runs it for each API project."""

    title: str
    insight: str
    params: dict[str, Any]
    rows: str | None
    label: Callable[[Mapping[str, Any]], str]
    value: str
    per_project: bool = False
    unit: MetricUnit = "money"


MOVERS = (
    Movers("Stores", "sales.by_store", {}, None, lambda row: str(row["name"]), "total_revenue"),
    Movers("Countries", "ecommerce.countries", {"limit": 50}, "rows", lambda row: str(row["label"]), "revenue"),
    Movers("Products", "ecommerce.products_top", {"limit": 50}, "rows", lambda row: str(row["description"]), "revenue"),
    Movers(
        "Endpoints (requests)",
        "apimetrics.endpoints",
        {"limit": 100},
        "endpoints",
        lambda row: f"{row['method']} {row['endpoint']}",
        "requests",
        per_project=True,
        unit="count",
    ),
)
MOVERS_SHOWN = 3
UNSUBSCRIBE_SALT = "reports.digest.unsubscribe"
Frequency = DigestSubscription.Frequency


class Kpi(TypedDict):
    label: str
    unit: str
    value: Any
    previous: Any
    change_pct: float | None


class Mover(TypedDict):
    label: str
    value: Decimal
    previous: Decimal
    change: Decimal


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def last_period(frequency: str, today: dt.date, week_start: int) -> Period:
    """The last whole day, week (from the workspace's first day) or month before ``today``."""
    if frequency == Frequency.DAILY:
        return Period(today - dt.timedelta(days=1), today - dt.timedelta(days=1))
    if frequency == Frequency.WEEKLY:
        this_week = today - dt.timedelta(days=(today.weekday() - week_start) % 7)
        return Period(this_week - dt.timedelta(days=7), this_week - dt.timedelta(days=1))
    last_day = today.replace(day=1) - dt.timedelta(days=1)
    return Period(last_day.replace(day=1), last_day)


def due(subscription: DigestSubscription, now: dt.datetime) -> Period | None:
    """The period to send now, or None: its last day has passed and the local clock reached the
    chosen hour of the next day (local wall-clock time, so the hour holds across DST), and it
    was not sent yet."""
    zone = ZoneInfo(subscription.zone_name)
    period = last_period(subscription.frequency, now.astimezone(zone).date(), subscription.workspace.week_start)
    _, last_day = period.ends()
    send_at = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(subscription.hour), tzinfo=zone)
    if now < send_at or subscription.sent_for(last_day):
        return None
    return period


def _run(name: str, workspace: Workspace, period: Period, extra: dict[str, Any] | None = None) -> Any:
    insight = get_insight(name)
    ends = {"date_from": period.date_from, "date_to": period.date_to} if period.is_bounded else {}
    return insight.run(workspace, insight.validate({**ends, **(extra or {})})).value


def kpis(workspace: Workspace, period: Period) -> list[dict[str, Any]]:
    """One section per KPI insight that has data in either period: each metric with its value,
    the previous period's and the change in percent."""
    sections = []
    for name in KPI_INSIGHTS:
        insight = get_insight(name)
        current, previous = _run(name, workspace, period), _run(name, workspace, period.previous())
        rows: list[Kpi] = [
            {
                "label": metric.label,
                "unit": metric.unit,
                "value": metric.read(current),
                "previous": metric.read(previous),
                "change_pct": growth_pct(_number(metric.read(current)), _number(metric.read(previous))),
            }
            for metric in insight.metrics
        ]
        if any(_number(row[key]) for row in rows[:1] for key in ("value", "previous")):
            title = str(django_apps.get_app_config(insight.app).verbose_name)
            sections.append({"title": title, "app": insight.app, "rows": rows})
    return sections


def _values(spec: Movers, workspace: Workspace, period: Period) -> dict[str, Decimal]:
    """Each row's value by its label; per project, labels prefixed by the project's key."""
    runs = (
        [(f"{key}: ", {"key": key}) for key in timeline.project_keys(workspace.pk)] if spec.per_project else [("", {})]
    )
    values = {}
    for prefix, extra in runs:
        payload = _run(spec.insight, workspace, period, {**spec.params, **extra})
        for row in payload[spec.rows] if spec.rows else payload:
            values[prefix + spec.label(row)] = Decimal(str(row[spec.value] or 0))
    return values


def movers(workspace: Workspace, period: Period) -> list[dict[str, Any]]:
    """Per kind of row, the few whose value changed most against the previous period (up or down;
    ties by label)."""
    sections = []
    for spec in MOVERS:
        now, before = _values(spec, workspace, period), _values(spec, workspace, period.previous())
        changes: list[Mover] = [
            {"label": key, "value": now.get(key, Decimal(0)), "previous": before.get(key, Decimal(0)),
             "change": now.get(key, Decimal(0)) - before.get(key, Decimal(0))}
            for key in sorted(set(now) | set(before))
        ]  # fmt: skip
        moved = sorted((row for row in changes if row["change"]), key=lambda row: (-abs(row["change"]), row["label"]))
        if moved:
            sections.append({"title": spec.title, "unit": spec.unit, "rows": moved[:MOVERS_SHOWN]})
    return sections


def content(workspace: Workspace, period: Period) -> dict[str, Any]:
    """Everything a digest of ``period`` says, JSON-ready."""
    date_from, date_to = period.ends()
    incidents = annotations_in(workspace, period).filter(kind=Annotation.Kind.INCIDENT)
    zone = ZoneInfo(workspace.timezone)
    return {
        "workspace": workspace.name,
        "currency": workspace.currency,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "kpis": kpis(workspace, period),
        "movers": movers(workspace, period),
        "incidents": [
            {"at": row.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "text": row.text} for row in incidents
        ],
        "freshness": freshness(workspace),
    }


def freshness(workspace: Workspace) -> list[dict[str, Any]]:
    """The last day with data of each KPI insight (its whole history's closing day)."""
    rows = []
    for name in KPI_INSIGHTS:
        payload = _run(name, workspace, Period())
        if payload.get("date_to"):
            rows.append({"source": get_insight(name).app, "last_day": payload["date_to"]})
    return rows


def unsubscribe_token(subscription: DigestSubscription) -> str:
    """Signed with a salt of its own: it unsubscribes this subscription and opens nothing else."""
    return signing.dumps({"digest": subscription.pk, "user": subscription.user_id}, salt=UNSUBSCRIBE_SALT)


def subscription_for_token(token: str) -> DigestSubscription | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return DigestSubscription.objects.filter(pk=data.get("digest"), user_id=data.get("user")).first()


def written(said: dict[str, Any], locale: str) -> dict[str, Any]:
    """:func:`content` with its figures written as the workspace's locale writes them: money in
    its currency, counts grouped, rates and durations with their unit, changes signed."""
    currency = said["currency"]

    def figure(value: Any, unit: str) -> str:
        return numbers.format_metric(value, unit, currency, locale)

    def change(pct: float | None) -> str | None:
        return None if pct is None else numbers.format_change(pct, locale)

    kpis = [
        {**section, "rows": [
            {**row, "value": figure(row["value"], row["unit"]), "previous": figure(row["previous"], row["unit"]),
             "change": change(row["change_pct"])}
            for row in section["rows"]
        ]}
        for section in said["kpis"]
    ]  # fmt: skip
    movers = [
        {**section, "rows": [
            {**row, "value": figure(row["value"], section["unit"]),
             "change": ("+" if row["change"] > 0 else "") + figure(row["change"], section["unit"])}
            for row in section["rows"]
        ]}
        for section in said["movers"]
    ]  # fmt: skip
    return {**said, "kpis": kpis, "movers": movers}


def message(subscription: DigestSubscription, period: Period) -> EmailMultiAlternatives:
    """The digest mail: plain text and HTML (tables, no script), one-click unsubscribe headers;
    its figures in the workspace's locale."""
    unsubscribe = settings.PULSE_BASE_URL.rstrip("/") + reverse(
        "reports:digest-unsubscribe", args=[unsubscribe_token(subscription)]
    )
    workspace = subscription.workspace
    context = {
        **written(content(workspace, period), workspace.locale),
        "unsubscribe_url": unsubscribe,
        "subscription": subscription,
    }
    subject = f"{subscription.get_frequency_display()} digest of {subscription.workspace.name}: {context['date_from']}"
    if context["date_to"] != context["date_from"]:
        subject += f" to {context['date_to']}"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/email/digest.txt", context),
        to=[subscription.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    mail.attach_alternative(render_to_string("reports/email/digest.html", context), "text/html")
    return mail


def digest_send(*, subscription_id: int, now: dt.datetime | None = None) -> bool:
    """Send the subscription's due digest, if any; True when one was sent. The row is locked and
    the period re-checked inside the transaction, so two runs never send one period twice."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = (
            DigestSubscription.objects.select_for_update(of=("self",))
            .select_related("workspace", "user")
            .filter(pk=subscription_id, active=True)
            .first()
        )
        period = due(subscription, now) if subscription else None
        if subscription is None or period is None:
            return False
        message(subscription, period).send()
        subscription.last_period_end, subscription.last_sent_at = period.date_to, now
        subscription.save(update_fields=["last_period_end", "last_sent_at"])
    return True


def digests_due(now: dt.datetime | None = None) -> list[int]:
    """Ids of the active subscriptions with a digest to send now."""
    now = now or timezone.now()
    active = DigestSubscription.objects.filter(active=True).select_related("workspace")
    return [subscription.pk for subscription in active if due(subscription, now)]


def preview(subscription: DigestSubscription, frequency: str | None = None) -> dict[str, Any]:
    """The digest of the subscription's last whole period (``frequency`` may try another)."""
    workspace = subscription.workspace
    today = timezone.now().astimezone(ZoneInfo(subscription.zone_name)).date()
    return content(workspace, last_period(frequency or subscription.frequency, today, workspace.week_start))


def subscription_of(user: Any, workspace: Workspace) -> DigestSubscription:
    """The member's subscription, or an unsaved inactive one with the defaults."""
    found = DigestSubscription.objects.filter(user=user, workspace=workspace).first()
    return found or DigestSubscription(user=user, workspace=workspace, active=False)


def subscription_save(*, user: Any, workspace: Workspace, **data: Any) -> DigestSubscription:
    subscription, _ = DigestSubscription.objects.update_or_create(user=user, workspace=workspace, defaults=data)
    return subscription
