"""Scheduled jobs: the beat schedule kept in the database, what staff see of them, running one now.

- ``settings.CELERY_BEAT_SCHEDULE`` is the schedule Pulse ships. :func:`sync_beat_schedule` (run
  by ``manage.py demo`` and ``manage.py sync_beat_schedule``) and :class:`PulseScheduler` (beat's
  scheduler) copy it into django-celery-beat's ``PeriodicTask`` table, creating missing jobs only,
  so the changes staff make in the admin survive a deploy (``force=True`` resets them).
- Runs are recorded by :mod:`config.job_runs` into django-celery-results' ``TaskResult`` table
  (an installed, maintained app with its own admin; Pulse keeps its result backend on Redis and
  writes these rows itself); :func:`scheduled_jobs` and :func:`dead_letters` read them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Task, states
from django.conf import settings
from django.db.models import Max, QuerySet
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry
from django_celery_results.models import TaskResult

from config.celery import app as celery_app
from config.job_runs import HEADER, INTERNAL_TASKS
from config.queue import enqueue

# --- the schedule in the database -----------------------------------------------------------


def sync_beat_schedule(*, force: bool = False) -> dict[str, list[str]]:
    """Copy ``CELERY_BEAT_SCHEDULE`` into ``PeriodicTask``: create the missing jobs; with ``force``
    also reset existing ones to the shipped schedule. Returns the names created and updated."""
    created: list[str] = []
    updated: list[str] = []
    existing = set(PeriodicTask.objects.values_list("name", flat=True))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if name in existing and not force:
            continue
        ModelEntry.from_entry(name, app=celery_app, **entry)
        (updated if name in existing else created).append(name)
    return {"created": created, "updated": updated}


class PulseScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler, except that the shipped schedule only creates missing jobs:
    the stock scheduler overwrites staff's changes to them at every beat start."""

    def update_from_dict(self, mapping: Mapping[str, dict[str, Any]]) -> None:
        existing = set(PeriodicTask.objects.filter(name__in=list(mapping)).values_list("name", flat=True))
        super().update_from_dict({name: entry for name, entry in mapping.items() if name not in existing})


# --- what staff see -------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    schedule: str
    enabled: bool
    registered: bool
    in_database: bool
    args: list[object]
    kwargs: dict[str, object]
    last_run_at: datetime | None
    last_status: str | None
    last_duration_ms: float | None
    last_error: str | None
    total_run_count: int


def _describe(schedule: Any) -> str:
    from celery.schedules import crontab
    from celery.schedules import schedule as every

    if isinstance(schedule, int | float):
        return f"every {schedule:g} s"
    if isinstance(schedule, crontab):
        return (
            f"cron {schedule._orig_minute} {schedule._orig_hour} {schedule._orig_day_of_month} "
            f"{schedule._orig_month_of_year} {schedule._orig_day_of_week}"
        )
    if isinstance(schedule, every):
        return f"every {schedule.run_every.total_seconds():g} s"
    return str(schedule)


def _describe_model(task: PeriodicTask) -> str:
    if task.interval_id:
        return f"every {task.interval.every} {task.interval.period}"
    if task.crontab_id:
        c = task.crontab
        return f"cron {c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week} ({c.timezone})"
    for field in ("solar", "clocked"):
        if getattr(task, f"{field}_id"):
            return f"{field} {getattr(task, field)}"
    return "unscheduled"


def _duration_ms(run: TaskResult) -> float | None:
    if run.date_started and run.date_done and run.status != states.STARTED:
        elapsed: timedelta = run.date_done - run.date_started
        return round(elapsed.total_seconds() * 1000, 1)
    return None


_tasks_loaded = False


def registered_tasks() -> Mapping[str, Task]:
    """Celery's task registry with every app's tasks.py imported: a web process, unlike a
    worker, imports them only when something uses them."""
    global _tasks_loaded
    if not _tasks_loaded:
        celery_app.loader.import_default_modules()
        _tasks_loaded = True
    tasks: Mapping[str, Task] = celery_app.tasks
    return tasks


def scheduled_jobs() -> list[Job]:
    """Every periodic job: the rows of ``PeriodicTask`` (as staff edited them) and the shipped
    schedule's jobs not yet copied there, each with its latest recorded run. Two queries."""
    tasks = registered_tasks()
    rows = {
        task.name: task
        for task in PeriodicTask.objects.select_related("interval", "crontab", "solar", "clocked").exclude(
            task__in=INTERNAL_TASKS
        )
    }
    names = list(dict.fromkeys([*settings.CELERY_BEAT_SCHEDULE, *sorted(rows)]))
    # The latest run of each job, in one query (the grouped ids as a subquery).
    latest_ids = (
        TaskResult.objects.filter(periodic_task_name__in=names)
        .values("periodic_task_name")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    latest = {run.periodic_task_name: run for run in TaskResult.objects.filter(id__in=latest_ids)}
    jobs = []
    for name in names:
        row, shipped = rows.get(name), settings.CELERY_BEAT_SCHEDULE.get(name, {})
        task = row.task if row else shipped["task"]
        run = latest.get(name)
        jobs.append(
            Job(
                name=name,
                task=task,
                schedule=_describe_model(row) if row else _describe(shipped["schedule"]),
                enabled=row.enabled if row else True,
                registered=task in tasks,
                in_database=row is not None,
                args=json.loads(row.args or "[]") if row else list(shipped.get("args", [])),
                kwargs=json.loads(row.kwargs or "{}") if row else dict(shipped.get("kwargs", {})),
                last_run_at=(run.date_started or run.date_created) if run else (row.last_run_at if row else None),
                last_status=run.status if run else None,
                last_duration_ms=_duration_ms(run) if run else None,
                last_error=(run.result or "")[:500] or None if run and run.status == states.FAILURE else None,
                total_run_count=row.total_run_count if row else 0,
            )
        )
    return jobs


def job_by_name(name: str) -> Job | None:
    return next((job for job in scheduled_jobs() if job.name == name), None)


def run_job_now(job: Job) -> str:
    """Send the job's task now (inline when no broker can take it); returns the task id."""
    task = registered_tasks()[job.task]
    if celery_app.conf.task_always_eager:
        # Inline: a failure is recorded in the dead-letter list, not raised into the caller.
        task_id: str = task.apply(args=job.args, kwargs=job.kwargs, headers={HEADER: job.name}, throw=False).id
        return task_id
    return enqueue(task, *job.args, headers={HEADER: job.name}, **job.kwargs)


def dead_letters(limit: int = 100) -> QuerySet[TaskResult]:
    failures: QuerySet[TaskResult] = TaskResult.objects.filter(status=states.FAILURE).order_by("-date_done")
    return failures[:limit]
