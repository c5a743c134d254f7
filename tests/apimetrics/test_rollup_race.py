"""A late event committed while a re-roll of its minute runs is not lost from the rollups
(PostgreSQL: two real connections, the race the upserted marks close)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from apimetrics import recording, rollups
from apimetrics.models import MinuteRollup, RequestEvent
from tests.apimetrics.factories import ProjectFactory, make_event

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)
MINUTE = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def counted(project) -> int:
    return sum(MinuteRollup.objects.filter(project=project, kind="e", minute=MINUTE).values_list("requests", flat=True))


def test_a_late_event_committed_during_a_re_roll_of_its_minute_is_counted(workspace):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL (SQLite locks the whole database)")
    project = ProjectFactory(workspace=workspace, key="race")
    RequestEvent.objects.bulk_create([make_event(project, MINUTE + dt.timedelta(seconds=5))])
    rollups.rollup_project(project_id=project.pk, now=NOW)
    late = [(MINUTE + dt.timedelta(seconds=10), "GET", "/items", "/items", 200, 10.0, "", "", "")]
    recording.events_record(project_id=project.pk, events=late, now=NOW)  # marks the minute
    assert counted(project) == 1

    recorded, release = threading.Event(), threading.Event()

    def late_writer():
        # A second late event of the same minute, held uncommitted while the re-roll starts.
        try:
            with transaction.atomic():
                recording.events_record(project_id=project.pk, events=late, now=NOW)
                recorded.set()
                release.wait(10)
        finally:
            connections.close_all()

    def re_roll():
        try:
            rollups.rollup_project(project_id=project.pk, now=NOW)
        finally:
            connections.close_all()

    writer = threading.Thread(target=late_writer)
    writer.start()
    assert recorded.wait(10)
    roller = threading.Thread(target=re_roll)
    roller.start()
    roller.join(timeout=1.5)  # with the fix it waits for the writer's mark; without, it is done
    release.set()
    writer.join(10)
    roller.join(10)
    rollups.rollup_project(project_id=project.pk, now=NOW)  # the next minute's run
    assert RequestEvent.objects.filter(project=project).count() == 3
    assert counted(project) == 3
