"""Share links: read-only access to one dashboard without an account."""

from django.conf import settings
from django.db import models

from accounts.models import Workspace


class ShareLink(models.Model):
    """One dashboard of a workspace, with its filters and range, readable by whoever holds the
    token. Only the token's SHA-256 is stored: it is 32 random bytes, so a fast hash is enough
    and the database alone opens nothing."""

    class Range(models.TextChoices):
        FIXED = "fixed", "Fixed dates"
        ROLLING = "rolling", "Last N days"
        ALL = "all", "Whole history"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(max_length=120, blank=True)
    dashboard = models.CharField(max_length=40)
    filters = models.JSONField(default=dict, blank=True)
    range_kind = models.CharField(max_length=10, choices=Range.choices, default=Range.ALL)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    rolling_days = models.PositiveSmallIntegerField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    password_hash = models.CharField(max_length=256, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    allowed_origins = models.JSONField(default=list, blank=True)
    allow_csv = models.BooleanField(default=False, help_text="Offer the dashboard's tables as CSV downloads.")
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label or f"{self.dashboard} link {self.pk}"

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)
