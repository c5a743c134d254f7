"""Alert rules on registered metrics, their incidents, and the webhooks that hear of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.models import Workspace

CADENCES = (5, 15, 30, 60, 360, 720, 1440)
MAX_WINDOW_DAYS = 92
MAX_HOLD_MINUTES = 24 * 60
MAX_WEEKS = 12


class Webhook(models.Model):
    """An endpoint told of a workspace's incidents, by a POST signed with ``secret``.

    The secret is kept as issued, not hashed: every delivery signs with it, so the server must
    be able to read it. It is shown once, in the answer that created the webhook, and never again
    (the API, the pages and the admin show its first characters only).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=120)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        return self.secret[:10] + "…"


class AlertRule(models.Model):
    class Condition(models.TextChoices):
        THRESHOLD = "threshold", "Above or below a threshold"
        CHANGE = "change", "Change in percent against a baseline"
        ANOMALY = "anomaly", "Outside the usual band (median ± k·MAD)"

    class Direction(models.TextChoices):
        ABOVE = "above", "Above"
        BELOW = "below", "Below"
        EITHER = "either", "Either way"

    class Baseline(models.TextChoices):
        PREVIOUS_PERIOD = "previous_period", "The previous period"
        SAME_WEEKDAY = "same_weekday", "The same days of previous weeks"

    class State(models.TextChoices):
        OK = "ok", "OK"
        FIRING = "firing", "Firing"

    class Outcome(models.TextChoices):
        CLEAR = "clear", "Within bounds"
        BREACH = "breach", "Condition met"
        NO_DATA = "no_data", "No data"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=120)
    insight = models.CharField(max_length=100)
    metric = models.CharField(max_length=100)
    filters = models.JSONField(default=dict, blank=True)
    condition = models.CharField(max_length=16, choices=Condition.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.ABOVE)
    threshold = models.DecimalField(max_digits=18, decimal_places=4)
    baseline = models.CharField(max_length=16, choices=Baseline.choices, default=Baseline.PREVIOUS_PERIOD)
    weeks = models.PositiveSmallIntegerField(default=4)
    cadence_minutes = models.PositiveIntegerField(choices=[(m, f"{m} min") for m in CADENCES], default=60)
    window_days = models.PositiveSmallIntegerField(default=1)
    include_today = models.BooleanField(default=False)
    hold_minutes = models.PositiveIntegerField(default=0)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    muted = models.BooleanField(default=False)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    webhooks = models.ManyToManyField(Webhook, blank=True, related_name="rules")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OK)
    # When the observed outcome first disagreed with ``state``; it flips once the hold has passed.
    pending_since = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    last_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_run_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["next_run_at"], name="reports_rule_due")]

    def __str__(self) -> str:
        return self.name


class Incident(models.Model):
    """A rule's firing, from the evaluation that fired it to the one that resolved it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alert_incidents")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    opened_at = models.DateTimeField()
    value = models.DecimalField(max_digits=24, decimal_places=6)
    reference = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    # False while the rule was muted or snoozed: the history is kept, nobody was told.
    notified = models.BooleanField(default=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-opened_at"], name="reports_incident_recent")]

    def __str__(self) -> str:
        return f"{self.rule} at {self.opened_at:%Y-%m-%d %H:%M}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="reports_delivery_recent")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"
