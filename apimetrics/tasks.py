"""Celery tasks: rollups every minute, retention daily, the events' daily partitions hourly. They
take ids and are safe to run twice; transient errors are retried by the project's base task
(``config.celery.PulseTask``)."""

from celery import shared_task

from apimetrics import partitions, retention, rollups
from apimetrics.models import Project
from config.queue import fan_out


@shared_task(max_retries=3, soft_time_limit=50, time_limit=58)
def rollup_project(project_id: int) -> int:
    return rollups.rollup_project(project_id=project_id).minutes


@shared_task(soft_time_limit=55, time_limit=58)
def rollup_all() -> int:
    """Every minute: bring every project's rollups up to date (each project in its own task)."""
    return fan_out(rollup_project, Project.objects.values_list("pk", flat=True))


@shared_task(max_retries=3, soft_time_limit=50 * 60, time_limit=55 * 60)
def retention_cleanup(project_id: int) -> int:
    return retention.events_delete_expired(project_id=project_id)


@shared_task(soft_time_limit=60, time_limit=90)
def retention_cleanup_all() -> int:
    """Daily: drop the days of raw events past every project's retention (PostgreSQL), then
    delete what is left past each project's own (rollups stay)."""
    retention.partitions_drop_expired()
    return fan_out(retention_cleanup, Project.objects.values_list("pk", flat=True))


@shared_task(soft_time_limit=50, time_limit=58)
def event_partitions_ensure() -> int:
    """Hourly: the events' daily partitions up to a week ahead (PostgreSQL); how many it created."""
    return len(partitions.ensure())
