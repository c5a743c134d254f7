"""Every periodic job of settings.CELERY_BEAT_SCHEDULE is a registered task that runs, eagerly,
without error on the demo data set."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app as celery_app
from config.jobs import registered_tasks as registry

JOBS = sorted(settings.CELERY_BEAT_SCHEDULE)


def registered_tasks() -> set[str]:
    return set(registry())  # with every app's tasks.py imported, as the jobs API sees them


@pytest.mark.parametrize("job", JOBS)
def test_periodic_job_task_is_registered(job):
    task = settings.CELERY_BEAT_SCHEDULE[job]["task"]
    assert task in registered_tasks(), f"{job}: task {task!r} is not registered with Celery"


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_every_periodic_job_runs_eagerly_on_the_demo_data(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=io.StringIO())
    tasks = registered_tasks()
    failures = {}
    for job in JOBS:
        entry = settings.CELERY_BEAT_SCHEDULE[job]
        if entry["task"] not in tasks:
            failures[job] = f"task {entry['task']!r} is not registered"
            continue
        with django_capture_on_commit_callbacks(execute=True):
            result = celery_app.tasks[entry["task"]].apply(
                args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=False
            )
        if result.state != "SUCCESS":
            failures[job] = f"{result.state}: {result.result!r}"
    assert failures == {}
