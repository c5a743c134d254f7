"""Celery tasks of the sales app: thin, by id, idempotent, retried on transient errors."""

from celery import shared_task
from django.db.models import QuerySet

from accounts.models import Workspace
from config.queue import fan_out
from sales.etl import insights_generate
from sales.quality import quality_check_run

# Transient database, Redis and network errors are retried by the project's base task
# (config.celery.PulseTask); an error of the task's own logic is not.
TASK_OPTIONS = {"max_retries": 3, "soft_time_limit": 10 * 60, "time_limit": 12 * 60}


def _workspaces_with_stores() -> QuerySet:
    """Workspaces that use sales (a workspace whose data went stale still has its stores)."""
    return Workspace.objects.filter(stores__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)


@shared_task(name="sales.tasks.nightly_etl", **TASK_OPTIONS)
def nightly_etl(workspace_id: int) -> int | None:
    """The ETL of one workspace; returns the report id (None when the workspace is gone)."""
    try:
        return insights_generate(workspace_id=workspace_id).pk
    except Workspace.DoesNotExist:
        return None


@shared_task(name="sales.tasks.nightly_etl_all", **TASK_OPTIONS)
def nightly_etl_all() -> int:
    """Fan out one ETL task per workspace with stores."""
    return fan_out(nightly_etl, _workspaces_with_stores())


@shared_task(name="sales.tasks.quality_check", **TASK_OPTIONS)
def quality_check(workspace_id: int) -> int | None:
    try:
        return quality_check_run(workspace_id=workspace_id).pk
    except Workspace.DoesNotExist:
        return None


@shared_task(name="sales.tasks.quality_checks_all", **TASK_OPTIONS)
def quality_checks_all() -> int:
    """Fan out one quality check per workspace with stores."""
    return fan_out(quality_check, _workspaces_with_stores())
