"""Annotations: writes, the marks a chart draws, and the automatic marks apps send.

Apps send :data:`config.timeline.marked` when something worth a mark happens (an import, a key
rotation); the receiver below stores it. Alert incidents (this app's own) mark the charts from
their opening to their resolution (:data:`reports.signals.incident_opened`, ``…_resolved``).
The dashboards read the marks through :func:`config.timeline.chart_marks`, which :func:`marks_for` serves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.dispatch import receiver

from accounts.models import User, Workspace
from config import timeline
from config.errors import Invalid
from config.periods import Period
from config.services import model_update
from reports import signals
from reports.models import Annotation, Incident

EDITABLE = ("project_id", "starts_at", "ends_at", "text")


def _check(*, workspace: Workspace, data: Mapping[str, Any]) -> None:
    """What no serializer can see alone: the project is the workspace's, the range runs forward."""
    project_id = data.get("project_id")
    if project_id is not None and not timeline.project_in_workspace(workspace.pk, project_id):
        raise Invalid.on("project_id", "No such API project in this workspace.")
    ends_at, starts_at = data.get("ends_at"), data.get("starts_at")
    if ends_at is not None and starts_at is not None and ends_at < starts_at:
        raise Invalid.on("ends_at", "The end comes before the start.")


def annotation_create(
    *, workspace: Workspace, user: User | None, kind: str = Annotation.Kind.NOTE, **data: Any
) -> Annotation:
    _check(workspace=workspace, data=data)
    return Annotation.objects.create(workspace=workspace, created_by=user, kind=kind, **data)


def annotation_update(*, annotation: Annotation, data: Mapping[str, Any]) -> Annotation:
    _check(workspace=annotation.workspace, data={**{name: getattr(annotation, name) for name in EDITABLE}, **data})
    annotation, _ = model_update(instance=annotation, fields=EDITABLE, data=data)
    return annotation


def annotations_in(
    workspace: Workspace, period: Period | None, project_id: int | None = None, zone: ZoneInfo | None = None
) -> QuerySet[Annotation]:
    """The workspace's annotations that overlap ``period`` (dates local to ``zone``, the
    workspace's unless told); with ``project_id``, the project's and the whole workspace's, else
    the whole workspace's only."""
    rows = Annotation.objects.filter(workspace=workspace)
    workspace_wide = Q(project_id__isnull=True)
    rows = rows.filter(workspace_wide | Q(project_id=project_id) if project_id else workspace_wide)
    start, end = (period or Period()).bounds(zone or ZoneInfo(workspace.timezone))
    if end is not None:
        rows = rows.filter(starts_at__lt=end)
    if start is not None:
        rows = rows.filter(Q(ends_at__gte=start) | Q(ends_at__isnull=True, starts_at__gte=start))
    return rows.order_by("starts_at", "pk")


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).replace(tzinfo=None).isoformat() if moment else None


def marks_for(
    workspace: Workspace,
    *,
    period: Period | None = None,
    project_id: int | None = None,
    time_zone: str | None = None,
    limit: int | None = 200,
) -> list[timeline.ChartMark]:
    """The marks as the charts draw them: wall-clock times of the charts' time zone (the
    workspace's, or a project's on its page), as the charts' axes are, and the period's dates
    on that clock too. A chart draws the first ``limit``; a CSV holds every one (None)."""
    zone = ZoneInfo(time_zone or workspace.timezone)
    return [
        {
            "id": row.pk,
            "start": _local(row.starts_at, zone) or "",
            "end": _local(row.ends_at, zone),
            "text": row.text,
            "kind": row.kind,
            "project_id": row.project_id,
        }
        for row in annotations_in(workspace, period, project_id, zone)[:limit]
    ]


timeline.register_annotation_source(marks_for)


@receiver(timeline.marked, dispatch_uid="reports.annotate_mark")
def annotate_mark(
    sender: object, workspace_id: int, kind: str, text: str, starts_at: dt.datetime, **extra: Any
) -> None:
    """An app's automatic mark becomes an annotation (no user: the system made it)."""
    Annotation.objects.create(
        workspace_id=workspace_id,
        kind=kind,
        text=text[:200],
        starts_at=starts_at,
        ends_at=extra.get("ends_at"),
        project_id=extra.get("project_id"),
    )


@receiver(signals.incident_opened, dispatch_uid="reports.annotate_incident")
def annotate_incident(sender: object, incident: Incident, **kwargs: Any) -> None:
    """An incident marks the charts from when it opened (until it resolves, below)."""
    Annotation.objects.create(
        workspace_id=incident.workspace_id,
        kind=Annotation.Kind.INCIDENT,
        text=f"{incident.rule.name}: {incident.value.normalize():f}"[:200],
        starts_at=incident.opened_at,
    )


@receiver(signals.incident_resolved, dispatch_uid="reports.close_incident_annotation")
def close_incident_annotation(sender: object, incident: Incident, **kwargs: Any) -> None:
    Annotation.objects.filter(
        workspace_id=incident.workspace_id,
        kind=Annotation.Kind.INCIDENT,
        starts_at=incident.opened_at,
        ends_at__isnull=True,
    ).update(ends_at=incident.resolved_at)
