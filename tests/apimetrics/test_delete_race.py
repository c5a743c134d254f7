"""Events sent while their project is being deleted (PostgreSQL: two real connections).

The insert checks the key when it starts and the project's foreign key when it writes: a
deletion that commits in between leaves the key checked but the project gone. The request then
answers as for any deleted key, 401, and stores nothing."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from apimetrics import projects
from apimetrics.models import Project, RequestEvent

pytestmark = pytest.mark.django_db(transaction=True)

EVENT = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}


def _waiting_on_a_lock(backend_pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend_pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.parametrize("events", [1, 200], ids=["one-insert", "copy"])
def test_events_of_a_project_deleted_meanwhile_answer_401_and_store_nothing(track, project, api_key, events):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL (SQLite locks the whole database)")
    assert track(EVENT, api_key[1]).status_code == 202  # the key's lookup is cached, its minute begun
    deleting, release = threading.Event(), threading.Event()
    answers, tracker_pid = [], []

    def delete_project():
        # The deletion is held uncommitted while the events go in, then commits.
        try:
            with transaction.atomic():
                projects.project_delete(project=Project.objects.get(pk=project.pk))
                deleting.set()
                release.wait(10)
        finally:
            connections.close_all()

    def send_events():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                tracker_pid.append(cursor.fetchone()[0])
            answers.append(track([EVENT] * events, api_key[1]))
        finally:
            connections.close_all()

    deleter = threading.Thread(target=delete_project)
    deleter.start()
    assert deleting.wait(10)
    tracker = threading.Thread(target=send_events)
    tracker.start()
    deadline = time.monotonic() + 10
    # The insert has checked the key (the deletion is not committed) and waits on the project.
    while not (tracker_pid and _waiting_on_a_lock(tracker_pid[0])):
        assert time.monotonic() < deadline, "the insert never waited for the deletion"
        time.sleep(0.02)
    release.set()
    deleter.join(10)
    tracker.join(10)

    assert len(answers) == 1  # no exception in the request
    assert answers[0].status_code == 401
    assert answers[0].json()["error"]["code"] == "authentication_failed"
    assert not Project.objects.filter(pk=project.pk).exists()
    assert RequestEvent.objects.filter(project_id=project.pk).count() == 0
