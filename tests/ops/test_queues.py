"""Celery queues: every task of the project is routed by name to one of the declared queues, so
that each worker pool (docker-compose.yml, Procfile) takes exactly its share of the work."""

import pytest
from celery.exceptions import QueueNotFound
from django.conf import settings

from config.celery import app

DECLARED = {"ingest", "imports", "reports", "maintenance"}
PROJECT_APPS = ("accounts.", "apimetrics.", "catalog.", "config.", "ecommerce.", "reports.", "sales.")


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def _project_tasks() -> list[str]:
    app.loader.import_default_modules()  # the autodiscovered tasks modules
    return sorted(name for name in app.tasks if name.startswith(PROJECT_APPS))


def test_the_four_queues_are_declared_with_maintenance_the_default():
    assert set(app.amqp.queues) == DECLARED
    assert app.conf.task_default_queue == "maintenance"
    assert app.conf.task_create_missing_queues is False


def test_every_project_task_is_routed_by_name_to_a_declared_queue():
    tasks = _project_tasks()
    assert {"apimetrics.tasks.rollup_project", "ecommerce.tasks.import_orders"} <= set(tasks)
    unrouted = [name for name in tasks if name not in settings.CELERY_TASK_ROUTES]
    assert unrouted == []
    assert {name: _queue_of(name) for name in tasks if _queue_of(name) not in DECLARED} == {}
    # and no route names a task that no longer exists
    assert sorted(set(settings.CELERY_TASK_ROUTES) - set(tasks)) == []


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("apimetrics.tasks.rollup_project", "ingest"),
        ("apimetrics.tasks.rollup_all", "ingest"),
        ("ecommerce.tasks.import_orders", "imports"),
        ("accounts.tasks.build_workspace_export", "reports"),
        ("sales.tasks.nightly_etl", "reports"),
        ("reports.tasks.evaluate_alerts", "reports"),
        ("reports.tasks.deliver_webhook", "reports"),
        ("reports.tasks.send_due_digests", "reports"),
        ("apimetrics.tasks.retention_cleanup", "maintenance"),
        ("accounts.tasks.flush_expired_tokens", "maintenance"),
    ],
)
def test_each_kind_of_work_has_its_queue(task, queue):
    assert _queue_of(task) == queue


def test_an_unknown_task_falls_to_maintenance_and_an_undeclared_queue_is_refused():
    assert _queue_of("somewhere.else") == "maintenance"
    with pytest.raises(QueueNotFound):
        app.amqp.router.route({"queue": "nowhere"}, "apimetrics.tasks.rollup_all")
