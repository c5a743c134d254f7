"""The shop's health for alerts: how stale its lines are and how many imports failed."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max

from accounts.models import Workspace
from config.insights import hours_since
from config.periods import Period
from ecommerce import models as m


def health(workspace: Workspace, period: Period) -> dict[str, Any]:
    """The latest invoice line's instant and the hours since (whatever the window: one indexed
    maximum), and the imports started in the window's local days that failed."""
    latest = m.SalesLine.objects.filter(workspace=workspace).aggregate(latest=Max("invoice_date"))["latest"]
    start, end = period.bounds(ZoneInfo(workspace.timezone))
    jobs = m.ImportJob.objects.filter(workspace=workspace, status=m.ImportJob.Status.FAILED)
    if start is not None:
        jobs = jobs.filter(created_at__gte=start)
    if end is not None:
        jobs = jobs.filter(created_at__lt=end)
    return {"latest": latest, "staleness_hours": hours_since(latest), "failed": jobs.count()}
