"""Sending tasks so that work that must happen is not lost when the broker is down.

:func:`enqueue` publishes a task; when the broker cannot take it (Redis down, network cut), it
runs the task inline in the calling process instead, logs ``task_run_inline`` and counts it in
``pulse_tasks_run_inline_total``. Pulse's tasks are idempotent and take ids, so running one
inline is always correct; it only costs the caller the task's time. Publishing gives up fast
(``CELERY_TASK_PUBLISH_RETRY_POLICY``), so a request waits a second at most before falling back.

Use :func:`enqueue_on_commit` from code that writes rows the task reads: the task is sent once
the transaction commits, never for a rolled-back write.

:func:`fan_out` is how a periodic job spreads its work: one task per workspace or project.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import kombu.exceptions
import redis.exceptions
import structlog
from celery import Task
from django.db import transaction

from config import metrics

log = structlog.get_logger("pulse.queue")

PUBLISH_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, ConnectionError, TimeoutError)


def enqueue(task: Task, *args: object, headers: dict[str, str] | None = None, **kwargs: object) -> str:
    """Send ``task(*args, **kwargs)`` to the workers, or run it here when the broker is down.

    Returns the task id (the same id either way). Runs eagerly where Celery is eager (tests, the
    embedded default). A task that fails inline raises, as it would have in a worker's log.
    """
    task_id = uuid.uuid4().hex
    try:
        task.apply_async(args=args, kwargs=kwargs, task_id=task_id, headers=headers)
    except PUBLISH_ERRORS as exc:
        log.warning("task_run_inline", task=task.name, task_id=task_id, reason=type(exc).__name__)
        metrics.record_inline_fallback(task=task.name)
        task.apply(args=args, kwargs=kwargs, task_id=task_id, headers=headers, throw=True)
    return task_id


def enqueue_on_commit(task: Task, *args: object, headers: dict[str, str] | None = None, **kwargs: object) -> None:
    """:func:`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, headers=headers, **kwargs))


def fan_out(task: Task, ids: Iterable[int]) -> int:
    """Send ``task(id)`` once per id (a workspace's, a project's); returns how many were sent.

    No inline fallback here, unlike :func:`enqueue`: a fan-out runs on a worker with a short time
    limit, so when the broker refuses a task the whole fan-out fails and its retry (the base
    task's, on transient errors) sends them again; the tasks are idempotent.
    """
    ids = list(ids)
    for one_id in ids:
        task.delay(one_id)
    return len(ids)
