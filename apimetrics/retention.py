"""Retention: raw events older than their project's ``retention_days`` are deleted (rollups stay).

On PostgreSQL the events table is partitioned by UTC day (:mod:`apimetrics.partitions`) and
events go a whole day at a time, once the day is entirely past the retention: a day past every
project's retention is a partition dropped (:func:`partitions_drop_expired`); only the events
of a project keeping less than the longest retention, and those of the DEFAULT partition, are
deleted by rows. SQLite deletes rows, to the second.
"""

import datetime as dt

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apimetrics import partitions
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
    if partitions.enabled():
        cutoff = _day_start(cutoff)  # whole days, as the partitions are dropped
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
            # The bound on the time spares PostgreSQL a look into the partitions it cannot hold.
            RequestEvent.objects.filter(pk__in=ids, timestamp__lt=cutoff)._raw_delete(RequestEvent.objects.db)
        deleted += len(ids)
        if len(ids) < batch_size:
            break
    DirtyMinute.objects.filter(project_id=project_id, minute__lt=cutoff).delete()
    if deleted:
        log.info("apimetrics_retention", project_id=project_id, deleted=deleted, cutoff=cutoff.isoformat())
    return deleted


def _day_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def partitions_drop_expired(*, now: dt.datetime | None = None) -> list[str]:
    """Drop the daily partitions of the days entirely past every project's retention (the
    longest; with no project, ``APIMETRICS_RETENTION_DAYS``); returns their names. Nothing on
    SQLite."""
    if not partitions.enabled():
        return []
    now = now or timezone.now()
    longest = Project.objects.aggregate(longest=Max("retention_days"))["longest"]
    cutoff = now - dt.timedelta(days=longest or settings.APIMETRICS_RETENTION_DAYS)
    return partitions.drop_before(_day_start(cutoff).date())
