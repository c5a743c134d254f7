from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from config import job_runs, jobs
from config.celery import TRANSIENT_ERRORS, retry_policy
from config.queue import enqueue, fan_out
from tests.ops import tasks

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "ops-add": {"task": "tests.ops.add", "schedule": 60.0, "args": [2, 3]},
    "ops-nightly": {"task": "tests.ops.boom", "schedule": crontab(hour=2, minute=0), "args": ["x"]},
    "ops-missing": {"task": "tests.ops.not_a_task", "schedule": crontab(minute=15, hour="*/6")},
}


@pytest.fixture
def schedule(settings):
    settings.CELERY_BEAT_SCHEDULE = SCHEDULE
    job_runs.reset_registry_cache()
    return SCHEDULE


def test_sync_beat_schedule_creates_missing_jobs_and_keeps_staff_edits(schedule):
    assert jobs.sync_beat_schedule() == {"created": ["ops-add", "ops-nightly", "ops-missing"], "updated": []}
    task = PeriodicTask.objects.get(name="ops-nightly")
    assert (task.crontab.minute, task.crontab.hour) == ("0", "2")
    assert PeriodicTask.objects.get(name="ops-add").interval.every == 60

    # staff move the nightly job to 03:30: a second sync keeps it, --force resets it
    task.crontab = type(task.crontab).objects.create(minute="30", hour="3")
    task.save()
    assert jobs.sync_beat_schedule() == {"created": [], "updated": []}
    assert PeriodicTask.objects.get(name="ops-nightly").crontab.hour == "3"
    assert jobs.sync_beat_schedule(force=True)["updated"] == ["ops-add", "ops-nightly", "ops-missing"]
    assert PeriodicTask.objects.get(name="ops-nightly").crontab.hour == "2"


def test_jobs_list_is_staff_only(schedule, api_as, owner, anon_api):
    assert anon_api.get("/api/v1/jobs/").status_code == 401
    assert api_as(owner).get("/api/v1/jobs/").status_code == 403
    assert anon_api.post("/api/v1/jobs/ops-add/run").status_code == 401
    assert api_as(owner).post("/api/v1/jobs/ops-add/run").status_code == 403


def test_jobs_list_shows_schedule_and_never_run_jobs(schedule, api_as, staff_user, django_assert_num_queries):
    jobs.sync_beat_schedule()
    client = api_as(staff_user)
    # savepoint (ATOMIC_REQUESTS); the membership the X-Workspace header names with its user
    # (none: staff need none here), then the user alone; periodic tasks with their schedules (one
    # join); the latest run of each job (grouped ids as a subquery); release savepoint
    with django_assert_num_queries(6):
        response = client.get("/api/v1/jobs/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    by_name = {job["name"]: job for job in body["results"]}
    assert by_name["ops-add"] == {
        "name": "ops-add",
        "task": "tests.ops.add",
        "schedule": "every 60 seconds",
        "enabled": True,
        "registered": True,
        "in_database": True,
        "args": [2, 3],
        "kwargs": {},
        "last_run_at": None,
        "last_status": None,
        "last_duration_ms": None,
        "last_error": None,
        "total_run_count": 0,
    }
    assert by_name["ops-nightly"]["schedule"] == "cron 0 2 * * * (UTC)"
    assert by_name["ops-missing"]["registered"] is False


def test_jobs_list_works_before_the_schedule_is_stored(schedule, api_as, staff_user):
    body = api_as(staff_user).get("/api/v1/jobs/").json()
    by_name = {job["name"]: job for job in body["results"]}
    assert by_name["ops-add"]["in_database"] is False
    assert by_name["ops-add"]["schedule"] == "every 60 s"
    assert by_name["ops-nightly"]["schedule"] == "cron 0 2 * * *"


def test_run_now_records_last_run_status_and_duration(schedule, api_as, staff_user, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, 0, tzinfo=UTC), tick=False)
    client = api_as(staff_user)
    response = client.post("/api/v1/jobs/ops-add/run")
    assert response.status_code == 202
    body = response.json()
    assert (body["job"], body["task"]) == ("ops-add", "tests.ops.add")
    assert tasks.CALLS == [("add", 2, 3)]

    run = TaskResult.objects.get(task_id=body["task_id"])
    assert (run.periodic_task_name, run.task_name, run.status, run.result) == (
        "ops-add",
        "tests.ops.add",
        "SUCCESS",
        "5",
    )
    job = {j["name"]: j for j in client.get("/api/v1/jobs/").json()["results"]}["ops-add"]
    assert job["last_status"] == "SUCCESS"
    assert job["last_run_at"] == "2026-11-23T12:00:00Z"
    assert job["last_duration_ms"] == 0.0  # the clock is frozen


def test_run_now_of_a_failing_job_goes_to_the_dead_letter_list(schedule, api_as, staff_user):
    client = api_as(staff_user)
    # run inline (eager): the failure is recorded and the call still answers 202, never a 500
    assert client.post("/api/v1/jobs/ops-nightly/run").status_code == 202
    job = {j["name"]: j for j in client.get("/api/v1/jobs/").json()["results"]}["ops-nightly"]
    assert job["last_status"] == "FAILURE"
    assert job["last_error"] == '"ValueError: boom x"'

    failures = client.get("/api/v1/jobs/failures").json()
    assert failures["count"] == 1
    failure = failures["results"][0]
    assert (failure["task_name"], failure["job"], failure["error"]) == (
        "tests.ops.boom",
        "ops-nightly",
        '"ValueError: boom x"',
    )
    assert "ValueError: boom x" in failure["traceback"]


def test_run_now_answers_404_for_unknown_and_409_for_unregistered_jobs(schedule, api_as, staff_user):
    client = api_as(staff_user)
    missing = client.post("/api/v1/jobs/nope/run")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    unregistered = client.post("/api/v1/jobs/ops-missing/run")
    assert unregistered.status_code == 409
    assert unregistered.json()["error"]["code"] == "conflict"


def test_a_failing_ad_hoc_task_is_a_dead_letter_but_a_successful_one_writes_nothing(schedule):
    enqueue(tasks.noop)
    assert not TaskResult.objects.exists()
    with pytest.raises(ValueError, match="crash y"):
        enqueue(tasks.crash, "y")
    failure = TaskResult.objects.get()
    assert (failure.task_name, failure.periodic_task_name, failure.status) == ("tests.ops.crash", None, "FAILURE")
    assert "ValueError: crash y" in failure.traceback


def test_every_task_retries_transient_errors_with_backoff_and_acks_late():
    assert tasks.noop.autoretry_for == TRANSIENT_ERRORS
    assert (tasks.noop.retry_backoff, tasks.noop.retry_jitter, tasks.noop.max_retries) == (2, True, 5)
    assert (tasks.noop.acks_late, tasks.noop.reject_on_worker_lost) == (True, True)
    # a transient error is retried (eagerly here); a bug fails at once
    assert tasks.flaky.apply(args=[1], throw=False).state == "SUCCESS"
    assert tasks.CALLS == [("flaky", 0), ("flaky", 1)]
    assert tasks.crash.apply(args=["z"], throw=False).state == "FAILURE"


def test_retry_policy_helper_gives_a_task_its_own_budget():
    assert retry_policy(max_retries=10, backoff=5) == {
        "autoretry_for": TRANSIENT_ERRORS,
        "max_retries": 10,
        "retry_backoff": 5,
        "retry_backoff_max": 300,
        "retry_jitter": True,
        "acks_late": True,
        "reject_on_worker_lost": True,
    }


def test_admin_jobs_page_lists_jobs_and_runs_one(schedule, client, staff_user):
    client.force_login(staff_user)
    page = client.get("/admin/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("ops-nightly", "cron 0 2 * * *", "(not registered)"):
        assert text in html
    assert 'href="/admin/jobs/"' in client.get("/admin/").content.decode()  # linked from every admin page
    response = client.post("/admin/jobs/", {"name": "ops-add"})
    assert response.status_code == 302
    assert tasks.CALLS == [("add", 2, 3)]
    assert TaskResult.objects.get().status == "SUCCESS"


def test_admin_jobs_page_needs_staff(client, owner):
    assert client.get("/admin/jobs/").status_code == 302
    client.force_login(owner)
    assert client.get("/admin/jobs/").status_code == 302


def test_fan_out_sends_one_task_per_id_and_counts_them():
    assert fan_out(tasks.record, iter([4, 8, 15])) == 3
    assert tasks.CALLS == [("record", 4), ("record", 8), ("record", 15)]
    assert fan_out(tasks.record, []) == 0
    assert len(tasks.CALLS) == 3
