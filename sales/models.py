"""Stores, their daily sales records, and the reports of the nightly ETL and data-quality runs.

A record's ``date`` is a calendar day of the workspace (its time zone), so day, week and month
buckets computed from it are buckets of the workspace's time zone by construction.

Records carry a denormalised ``workspace`` foreign key (always equal to ``store.workspace``,
enforced by the services, the API and the model's ``clean`` for the admin, checked by the
data-quality run): every analytics query then filters one table on its ``(workspace, date)``
index instead of joining stores.

Every write of these models moves the workspace's cached figures (or reports) to a new data
version: see ``SalesConfig.ready`` and :func:`config.cache.bump_on_change`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.models import Workspace
from config.cache import VersionedModel

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class Store(VersionedModel):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("workspace", Lower("name"), name="sales_store_ws_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class SalesRecord(VersionedModel):
    """One store's sales on one day: revenue and the ad spend that bought it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # CASCADE, not PROTECT, so that deleting a workspace deletes its stores and records without
    # loading them; a store with records is still kept (services.store_delete, the admin).
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="records")
    date = models.DateField(help_text="The sales day, in the workspace's time zone.")
    revenue = models.DecimalField(**MONEY)
    ad_spend = models.DecimalField(**MONEY)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_records",
        help_text="The member credited with the sale (top sellers).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            # Summary, series and the records list: one workspace, a date range. The money and
            # store columns ride along so PostgreSQL answers the aggregates from the index alone
            # (index-only scans) instead of reading every row of the table.
            models.Index(fields=["workspace", "date", "store", "revenue", "ad_spend"], name="sales_rec_ws_date_cover"),
            models.Index(fields=["store", "date"], name="sales_rec_store_date"),
            # Top sellers.
            models.Index(fields=["workspace", "recorded_by"], name="sales_rec_ws_user"),
            # The admin's list of every workspace's records, newest first, a page at a time.
            models.Index(fields=["date", "id"], name="sales_rec_date_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revenue__gte=0) & models.Q(ad_spend__gte=0), name="sales_rec_money_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date}: {self.revenue}"

    def clean(self) -> None:
        """A record counts in its ``workspace``'s figures: its store must be that workspace's
        (model forms, such as the admin's, check it; the services check their own writes)."""
        if self.workspace_id and self.store_id and self.store.workspace_id != self.workspace_id:
            raise ValidationError({"store": "This store belongs to another workspace than the record's."})


class InsightReport(VersionedModel):
    """The output of one ETL run: summary, monthly trend, top users and findings."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sales_insights")
    generated_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)
    monthly = models.JSONField(default=list)
    top_users = models.JSONField(default=list)
    findings = models.JSONField(default=list)

    class Meta:
        ordering = ["-generated_at", "-id"]
        get_latest_by = ["generated_at", "id"]
        indexes = [models.Index(fields=["workspace", "-generated_at"], name="sales_insight_ws_gen")]

    def __str__(self) -> str:
        return f"Insights of {self.workspace_id} at {self.generated_at:%Y-%m-%d %H:%M}"


class QualityReport(VersionedModel):
    """One data-quality run. ``incident_started_at`` is shared by consecutive failing runs, so
    owners are alerted once per incident (``alerted`` marks the run that sent the email)."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        WARNING = "warning", "Warning"
        FAILING = "failing", "Failing"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sales_quality_reports")
    generated_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices)
    checks = models.JSONField(default=list)
    incident_started_at = models.DateTimeField(null=True, blank=True)
    alerted = models.BooleanField(default=False, help_text="This run emailed the owners.")

    class Meta:
        ordering = ["-generated_at", "-id"]
        get_latest_by = ["generated_at", "id"]
        indexes = [models.Index(fields=["workspace", "-generated_at"], name="sales_quality_ws_gen")]

    def __str__(self) -> str:
        return f"Quality of {self.workspace_id} at {self.generated_at:%Y-%m-%d %H:%M}: {self.status}"
