"""Retention: raw events older than their project's ``retention_days`` are deleted (rollups stay)."""

import datetime as dt

import structlog
from django.db import transaction
from django.utils import timezone

from apimetrics.models import DirtyMinute, Project, RequestEvent

log = structlog.get_logger(__name__)


def events_delete_expired(*, project_id: int, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Delete raw events older than the project's retention, ``batch_size`` rows per short
    transaction (an index range by primary key), so tracking is never blocked for long."""
    now = now or timezone.now()
    retention = Project.objects.filter(pk=project_id).values_list("retention_days", flat=True).first()
    if retention is None:
        return 0
    cutoff = now - dt.timedelta(days=retention)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                RequestEvent.objects.filter(project_id=project_id, timestamp__lt=cutoff).values_list("pk", flat=True)[
                    :batch_size
                ]
            )
            if not ids:
                break
            RequestEvent.objects.filter(pk__in=ids)._raw_delete(RequestEvent.objects.db)
        deleted += len(ids)
        if len(ids) < batch_size:
            break
    DirtyMinute.objects.filter(project_id=project_id, minute__lt=cutoff).delete()
    if deleted:
        log.info("apimetrics_retention", project_id=project_id, deleted=deleted, cutoff=cutoff.isoformat())
    return deleted
