"""The workspace's jobs for alerts, registered once (:mod:`config.insights`): the exports it asked
for that failed. No endpoint serves it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Workspace, WorkspaceExport
from config.insights import HealthSerializer, Insight, Metric, always_fresh, register, workspace_settings
from config.periods import Period, PeriodQuerySerializer


def failed_jobs(workspace: Workspace, period: Period) -> dict[str, Any]:
    """The workspace's export jobs requested in the window's local days that failed."""
    start, end = period.bounds(ZoneInfo(workspace.timezone))
    jobs = WorkspaceExport.objects.filter(workspace=workspace, status=WorkspaceExport.Status.FAILED)
    if start is not None:
        jobs = jobs.filter(created_at__gte=start)
    if end is not None:
        jobs = jobs.filter(created_at__lt=end)
    return {"failed": jobs.count()}


JOBS = register(
    Insight(
        name="accounts.jobs",
        compute=failed_jobs,
        query=PeriodQuerySerializer,
        response=HealthSerializer,
        namespace="accounts",
        summary="The workspace's jobs (exports) that failed in the window",
        key_settings=workspace_settings,
        volatile=always_fresh,
        metrics=(Metric("failed", "Failed jobs", "count", higher_is_better=False),),
    )
)
