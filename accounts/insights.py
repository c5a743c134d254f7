"""The workspace's jobs for alerts, registered once (:mod:`config.insights`): the exports it asked
for that failed. No endpoint serves it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Workspace, WorkspaceExport
from config.insights import Metric, register_health
from config.periods import Period


def failed_jobs(workspace: Workspace, period: Period) -> dict[str, Any]:
    """The workspace's export jobs requested in the window's local days that failed."""
    start, end = period.bounds(ZoneInfo(workspace.timezone))
    jobs = WorkspaceExport.objects.filter(workspace=workspace, status=WorkspaceExport.Status.FAILED)
    if start is not None:
        jobs = jobs.filter(created_at__gte=start)
    if end is not None:
        jobs = jobs.filter(created_at__lt=end)
    return {"failed": jobs.count()}


JOBS = register_health(
    "accounts.jobs",
    failed_jobs,
    namespace="accounts",
    summary="The workspace's jobs (exports) that failed in the window",
    metrics=(Metric("failed", "Failed jobs", "count", higher_is_better=False),),
)
