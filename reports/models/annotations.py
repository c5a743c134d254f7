"""Annotations: dated marks on a workspace's (or one API project's) time charts."""

from django.conf import settings
from django.db import models

from accounts.models import Workspace


class Annotation(models.Model):
    """A mark on a moment or a range, with a short text.

    ``project_id`` names an API project of the workspace, by id alone: ``reports`` imports no
    other app (``config.owned`` checks the id belongs to the workspace). Without it the mark
    belongs to every chart of the workspace.
    """

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        IMPORT = "import", "Import"
        KEY_ROTATION = "key_rotation", "API key rotation"
        INCIDENT = "incident", "Alert incident"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="annotations")
    project_id = models.PositiveBigIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a single moment.")
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NOTE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["workspace", "starts_at"], name="reports_annotation_ws_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gte=models.F("starts_at")),
                name="reports_annotation_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d} {self.text}"
