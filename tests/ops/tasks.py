"""Test-only Celery tasks (registered by importing this module; never shipped)."""

import time

from celery import shared_task
from django.db import connection, transaction

CALLS: list[tuple] = []


@shared_task(name="tests.ops.add")
def add(x, y):
    CALLS.append(("add", x, y))
    return x + y


@shared_task(name="tests.ops.record")
def record(value):
    CALLS.append(("record", value))


@shared_task(name="tests.ops.noop")
def noop():
    return None


@shared_task(name="tests.ops.boom", max_retries=0)
def boom(token):
    raise ValueError(f"boom {token}")


@shared_task(name="tests.ops.crash", max_retries=0)
def crash(token):
    raise ValueError(f"crash {token}")


@shared_task(bind=True, name="tests.ops.flaky", max_retries=3, retry_backoff=False)
def flaky(self, failures):
    """Fails with a transient error ``failures`` times, then succeeds."""
    CALLS.append(("flaky", self.request.retries))
    if self.request.retries < failures:
        raise ConnectionError("transient")
    return self.request.retries


@shared_task(name="tests.ops.slow_effect")
def slow_effect(key, seconds):
    """The fault test's task: counts its starts, sleeps, then writes its effect idempotently
    (ON CONFLICT DO NOTHING) and counts its completions, in one transaction."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ops_starts (key) VALUES (%s)", [key])
    time.sleep(seconds)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO ops_effect (key) VALUES (%s) ON CONFLICT (key) DO NOTHING", [key])
        cursor.execute("INSERT INTO ops_completions (key) VALUES (%s)", [key])
    return key
