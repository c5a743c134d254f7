"""Celery application: broker and result backend are Redis in production; with no REDIS_URL
tasks run eagerly in-process (see CELERY_* in settings).

Every task of the project gets :class:`PulseTask` as its base: late acknowledgement (a task
whose worker dies is delivered again), retries with exponential backoff and jitter on
transient errors (database, broker or network hiccups), and the time limits of settings.
Tasks must therefore be idempotent: they take ids and can run twice without double effect.

Job runs and failures are recorded by the signal handlers below, through :mod:`config.job_runs`
(imported when a task runs, once Django is ready), so staff see every scheduled job's last run
and every task that failed for good (the dead-letter list) in ``/api/v1/jobs/`` and the admin.
"""

import os
from typing import Any, TypedDict

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


import kombu.exceptions
import redis.exceptions
from celery import Celery, Task, signals
from django.db import InterfaceError, OperationalError

# Errors worth retrying: the database, Redis or the network failed, not the task's logic.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
)


class PulseTask(Task):
    """Base of every Pulse task: idempotent by contract, acknowledged late, retried with backoff.

    A task may override any of these in its decorator (``@shared_task(max_retries=10)``) and may
    call ``self.retry(exc=...)`` itself for errors of its own that it knows to be transient.
    """

    acks_late = True
    reject_on_worker_lost = True
    max_retries = 5
    retry_backoff = 2  # 2 s, 4 s, 8 s… capped by retry_backoff_max, with full jitter
    retry_backoff_max = 300
    retry_jitter = True
    autoretry_for = TRANSIENT_ERRORS


app = Celery("pulse", task_cls="config.celery:PulseTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class RetryPolicy(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    max_retries: int
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    acks_late: bool
    reject_on_worker_lost: bool


def retry_policy(*, max_retries: int = 5, backoff: int = 2, backoff_max: int = 300) -> RetryPolicy:
    """Decorator options for a task with its own retry budget::

    @shared_task(bind=True, **retry_policy(max_retries=10))
    def rollup(self, project_id): ...
    """
    return {
        "autoretry_for": TRANSIENT_ERRORS,
        "max_retries": max_retries,
        "retry_backoff": backoff,
        "retry_backoff_max": backoff_max,
        "retry_jitter": True,
        "acks_late": True,
        "reject_on_worker_lost": True,
    }


# Signal handlers are connected here, where every process (web, worker, beat, commands) imports
# them; their bodies import config.job_runs lazily, when Django is ready.
@signals.task_prerun.connect(dispatch_uid="pulse.task_prerun")
def _task_prerun(**kwargs: Any) -> None:
    from config import job_runs

    job_runs.on_prerun(**kwargs)


@signals.task_postrun.connect(dispatch_uid="pulse.task_postrun")
def _task_postrun(**kwargs: Any) -> None:
    from config import job_runs

    job_runs.on_postrun(**kwargs)


@signals.task_failure.connect(dispatch_uid="pulse.task_failure")
def _task_failure(**kwargs: Any) -> None:
    from config import job_runs

    job_runs.on_failure(**kwargs)


@signals.task_retry.connect(dispatch_uid="pulse.task_retry")
def _task_retry(**kwargs: Any) -> None:
    from config import job_runs

    job_runs.on_retry(**kwargs)


@signals.worker_init.connect(dispatch_uid="pulse.worker_metrics")
def _worker_metrics(**_: Any) -> None:
    """``PULSE_WORKER_METRICS_PORT``: the worker serves its own Prometheus metrics (task runs,
    business counters of the work it did) for scraping, summed over its pool processes when
    ``PROMETHEUS_MULTIPROC_DIR`` is set."""
    port = os.environ.get("PULSE_WORKER_METRICS_PORT")
    if not port:
        return
    from config import metrics

    metrics.serve_worker_metrics(int(port))
