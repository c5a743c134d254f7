"""Recording task runs: every run of a scheduled job and every task that failed for good.

Celery's signal handlers (connected in :mod:`config.celery`, which every process imports) call
the functions below. They write django-celery-results' ``TaskResult`` rows: a scheduled job's
run (started, finished, state, duration) and the dead-letter list of tasks whose retries are
spent, whatever they were. Ad-hoc tasks cost nothing extra here unless they fail.

This module needs no Celery app, so the app's module can call it without importing
:mod:`config.jobs` (which needs the app): the two would otherwise import each other.
"""

from __future__ import annotations

import json
import sys
import time
import traceback as tb
from collections.abc import Callable

import structlog
from celery import Task, states
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from config import metrics

log = structlog.get_logger("pulse.jobs")

# Tasks Celery schedules for itself; not Pulse jobs.
INTERNAL_TASKS = {"celery.backend_cleanup"}
# The header a job run sent by hand carries (``/api/v1/jobs/{name}/run``), naming its job.
HEADER = "periodic_task_name"

_job_tasks_cache: tuple[float, dict[str, str]] = (0.0, {})


def _job_tasks() -> dict[str, str]:
    """task name -> job name for the scheduled jobs, refreshed every minute per process."""
    global _job_tasks_cache
    loaded_at, mapping = _job_tasks_cache
    if time.monotonic() - loaded_at > 60:
        mapping = {entry["task"]: name for name, entry in settings.CELERY_BEAT_SCHEDULE.items()}
        try:
            mapping.update(dict(PeriodicTask.objects.exclude(task__in=INTERNAL_TASKS).values_list("task", "name")))
        except Exception as exc:  # no table yet (before migrate) or no database: the settings suffice
            log.warning("job_registry_unavailable", error=type(exc).__name__)
        _job_tasks_cache = (time.monotonic(), mapping)
    return mapping


def reset_registry_cache() -> None:
    """Forget the task -> job mapping (after changing the schedule in tests)."""
    global _job_tasks_cache
    _job_tasks_cache = (0.0, {})


def _job_name(task: Task, request: object) -> str | None:
    name = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return name or _job_tasks().get(task.name)


def _safe_write(what: str, write: Callable[[], object]) -> None:
    """A failed bookkeeping write is logged, never raised into the task."""
    try:
        with transaction.atomic():
            write()
    except Exception as exc:
        log.warning("job_record_failed", what=what, error=type(exc).__name__)


_started: dict[str, float] = {}


def _run_fields(task: Task, name: str | None, args: object, kwargs: object) -> dict[str, object]:
    """What a job run's record says of the task, whatever its state."""
    return {
        "periodic_task_name": name,
        "task_name": task.name,
        "task_args": repr(args)[:1000],
        "task_kwargs": repr(kwargs)[:1000],
        "worker": getattr(task.request, "hostname", None) or "inline",
    }


# The handlers take what Celery's signals send, by keyword.
def on_prerun(*, task_id: str, task: Task, args: object = None, kwargs: object = None, **_: object) -> None:
    _started[task_id] = time.perf_counter()
    name = _job_name(task, task.request)
    if name is None:
        return
    defaults = _run_fields(task, name, args, kwargs) | {"status": states.STARTED, "date_started": timezone.now()}
    _safe_write("start", lambda: TaskResult.objects.update_or_create(task_id=task_id, defaults=defaults))


def on_postrun(
    *,
    task_id: str,
    task: Task,
    state: str | None = None,
    retval: object = None,
    args: object = None,
    kwargs: object = None,
    **_: object,
) -> None:
    started = _started.pop(task_id, None)
    duration = time.perf_counter() - started if started is not None else None
    if state is None:
        # An eager task whose exception propagates (tests, the embedded default, the inline
        # fallback) sends no task_failure; postrun runs while the exception is in flight.
        exception = sys.exc_info()[1]
        if exception is not None:
            state = states.FAILURE
            on_failure(sender=task, task_id=task_id, exception=exception, args=args, kwargs=kwargs)
    metrics.record_task_run(task=task.name, state=state or "UNKNOWN", duration_s=duration)
    name = _job_name(task, task.request)
    if name is None or state == states.FAILURE:  # failures are written by on_failure
        return
    log.info("job_finished", job=name, task=task.name, state=state, duration_ms=_ms(duration))
    _safe_write(
        "finish",
        lambda: TaskResult.objects.filter(task_id=task_id).update(
            status=state or states.SUCCESS, result=json.dumps(retval, default=str)[:2000], date_done=timezone.now()
        ),
    )


def on_failure(
    *,
    sender: Task,
    task_id: str,
    exception: BaseException | None = None,
    args: object = None,
    kwargs: object = None,
    **_: object,
) -> None:
    """A task failed for good (its retries are spent): it goes to the dead-letter list."""
    task = sender
    name = _job_name(task, task.request)
    log.error("task_dead_letter", task=task.name, task_id=task_id, job=name, error=type(exception).__name__)
    metrics.record_dead_letter(task=task.name)
    text = "".join(tb.format_exception(exception))[-8000:] if exception is not None else ""
    defaults = _run_fields(task, name, args, kwargs) | {
        "status": states.FAILURE,
        "result": json.dumps(f"{type(exception).__name__}: {exception}"[:500]),
        "traceback": text,
        "date_done": timezone.now(),
    }
    _safe_write("failure", lambda: TaskResult.objects.update_or_create(task_id=task_id, defaults=defaults))


def on_retry(*, sender: Task, request: object = None, reason: object = None, **_: object) -> None:
    log.warning("task_retry", task=sender.name, task_id=getattr(request, "id", None), reason=type(reason).__name__)
    metrics.record_task_retry(task=sender.name)


def _ms(seconds: float | None) -> float | None:
    return round(seconds * 1000, 1) if seconds is not None else None
