"""Monitored API projects, their hashed keys, raw request events and the per-minute/per-hour rollups.

Raw events are the source of truth for ``retention_days``; rollups (kept forever) are what the
analytics read. Each rollup row holds counts by status class and by status code, the sum of
response times and a sparse log-bucketed latency histogram (see :mod:`apimetrics.histogram`), so rows merge by addition.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Workspace, validate_timezone

# Late events (timestamps up to this many days ago) re-roll their minutes, so retention must keep
# raw events at least a little longer than that.
MIN_RETENTION_DAYS = 8
MAX_RETENTION_DAYS = 3650


def default_retention_days() -> int:
    """A new project's retention: APIMETRICS_RETENTION_DAYS (90 unless configured)."""
    return settings.APIMETRICS_RETENTION_DAYS


class Project(models.Model):
    """A monitored API. ``key`` is the slug used in URLs, unique within the workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_projects")
    name = models.CharField(max_length=120)
    key = models.SlugField(max_length=60)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    retention_days = models.PositiveIntegerField(
        default=default_retention_days,
        validators=[MinValueValidator(MIN_RETENTION_DAYS), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="Raw events older than this are deleted; rollups are kept.",
    )
    apdex_threshold_ms = models.PositiveIntegerField(
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(600_000)],
        help_text="Apdex T: responses up to T are satisfied, up to 4T tolerating; a 5xx is frustrated.",
    )
    is_builtin = models.BooleanField(default=False, help_text="Pulse's own API (self-tracking).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="apimetrics_project_key_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def tzinfo(self):
        import zoneinfo

        return zoneinfo.ZoneInfo(self.timezone)


class ApiKey(models.Model):
    """A tracking key: ``pk_<prefix>_<secret>``. Only the prefix (for lookup) and an HMAC-SHA256 of
    the whole key (keyed with ``PULSE_HMAC_SECRET``) are stored; the key is shown once."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    hashed_key = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Set on rotation: the old key keeps working until then."
    )
    rotated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_prefix}…)"

    @property
    def public_prefix(self) -> str:
        """The key's visible start, ``pk_<prefix>_``: what lists show in place of the secret."""
        return f"pk_{self.prefix}_"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RequestEvent(models.Model):
    """One tracked API call. The client's IP is kept only as a keyed hash. On PostgreSQL the
    table is partitioned by day and its primary key is ``(id, timestamp)`` (see
    :mod:`apimetrics.partitions`); ``id`` stays unique, drawn from one sequence."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    timestamp = models.DateTimeField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=1024)
    endpoint = models.CharField(max_length=255, help_text="Path template: /users/{id}")
    status_code = models.PositiveSmallIntegerField()
    response_time_ms = models.FloatField()
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    consumer = models.CharField(max_length=128, blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "timestamp"], name="apimetrics_event_proj_ts")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code}"


class Dimension(models.TextChoices):
    ENDPOINT = "e", "Method and endpoint"
    CONSUMER = "c", "Consumer"
    ENDPOINT_CONSUMER = "x", "Consumer of a method and endpoint"


class Rollup(models.Model):
    """Counts of one time slot × dimension value. Endpoint rows (``kind='e'``) leave ``consumer``
    empty; consumer rows (``kind='c'``) leave ``method`` and ``endpoint`` empty; rows of one
    consumer of one endpoint (``kind='x'``) fill all three."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=1, choices=Dimension)
    method = models.CharField(max_length=10, blank=True)
    endpoint = models.CharField(max_length=255, blank=True)
    consumer = models.CharField(max_length=128, blank=True)
    requests = models.BigIntegerField()
    status_2xx = models.BigIntegerField()
    status_3xx = models.BigIntegerField()
    status_4xx = models.BigIntegerField()
    status_5xx = models.BigIntegerField()
    sum_response_ms = models.FloatField()
    histogram = models.JSONField(help_text="Sparse latency histogram {bucket index: count}.")
    # Rollups made before this column existed hold {}: ``backfill_rollups --rebuild`` refills
    # those whose raw events retention still keeps.
    status_codes = models.JSONField(default=dict, help_text="Requests by status code {code: count}.")

    class Meta:
        abstract = True


class MinuteRollup(Rollup):
    minute = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "minute", "method", "endpoint", "consumer"],
                name="apimetrics_minuterollup_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.method} {self.endpoint}{self.consumer}"


class HourRollup(Rollup):
    """Complete hours only (every hour before the hour of the rollup watermark)."""

    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "hour", "method", "endpoint", "consumer"],
                name="apimetrics_hourrollup_unique",
            )
        ]
        # Whether a project ever had an endpoint or a consumer (apimetrics.filters.check_known),
        # asked on every filtered read, whatever its range.
        indexes = [
            models.Index(fields=["project", "kind", "method", "endpoint", "consumer"], name="apimetrics_hour_dimension")
        ]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.method} {self.endpoint}{self.consumer}"


class DayRollup(Rollup):
    """Complete UTC days only, built from the hour rollups."""

    day = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "day", "method", "endpoint", "consumer"],
                name="apimetrics_dayrollup_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.method} {self.endpoint}{self.consumer}"


class RollupState(models.Model):
    """Fill state: every minute before ``rolled_until`` is rolled up (except ``DirtyMinute`` ones,
    which late events touched and the next run recomputes)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="rollup_state")
    rolled_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"project {self.project_id} rolled until {self.rolled_until}"


class DirtyMinute(models.Model):
    """A minute that received events after it may have been rolled up."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    minute = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "minute"], name="apimetrics_dirtyminute_unique")]

    def __str__(self) -> str:
        return f"project {self.project_id} minute {self.minute}"
