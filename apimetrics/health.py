"""The workspace's API health for alerts: requests tracked across all its projects and how stale
the newest event is."""

from __future__ import annotations

from typing import Any

from accounts.models import Workspace
from apimetrics import analytics
from apimetrics.models import Project, RequestEvent
from config.insights import hours_since
from config.periods import Period


def health(workspace: Workspace, period: Period) -> dict[str, Any]:
    """Requests of every project over the window and the latest event's instant (one indexed
    read per project, newest first), with the hours since."""
    requests, latest = 0, None
    for project in Project.objects.filter(workspace_id=workspace.pk):
        requests += analytics.requests_in(project, period, analytics.rollup_watermark(project))
        newest = RequestEvent.objects.filter(project=project).order_by("-timestamp").values_list("timestamp", flat=True)
        moment = newest.first()
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return {"latest": latest, "staleness_hours": hours_since(latest), "requests": requests}
