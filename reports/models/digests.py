"""Digest subscriptions: a member's periodic summary of a workspace by mail."""

import datetime as dt

from django.conf import settings
from django.db import models

from accounts.models import Workspace, validate_timezone


class DigestSubscription(models.Model):
    """One member's digest of one workspace, sent at ``hour`` local time (the ``timezone`` given,
    else the workspace's) once the period it covers has ended."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscriptions")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="digest_subscriptions")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    hour = models.PositiveSmallIntegerField(default=8)
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone], help_text="IANA name; empty: the workspace's."
    )
    active = models.BooleanField(default=True)
    # The last day of the last period sent: the beat task never sends one period twice.
    last_period_end = models.DateField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="reports_digest_one_per_member"),
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="reports_digest_hour_valid"),
        ]
        indexes = [models.Index(fields=["active", "workspace"], name="reports_digest_active")]

    def __str__(self) -> str:
        return f"{self.user} · {self.workspace} · {self.frequency}"

    @property
    def zone_name(self) -> str:
        return self.timezone or self.workspace.timezone

    def sent_for(self, period_end: dt.date) -> bool:
        return self.last_period_end is not None and self.last_period_end >= period_end
