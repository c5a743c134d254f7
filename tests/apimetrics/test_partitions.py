"""The raw events partitioned by day on PostgreSQL (apimetrics.partitions, migration 0004):
partitions ahead after migrate and after the hourly task, each event in its day's partition or
the DEFAULT one, retention by dropping whole days, rollups untouched."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from apimetrics import partitions, recording, retention, rollups, tasks
from apimetrics.models import MinuteRollup
from tests.apimetrics.factories import ProjectFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps a plain events table"),
]

D0 = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def _day(offset: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(D0 + dt.timedelta(days=offset), dt.time(hour), tzinfo=dt.UTC)


def _days() -> list[dt.date]:
    with connection.cursor() as cursor:
        return partitions.days(cursor)


def _where(project) -> dict[str, int]:
    """How many of the project's events each partition holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM apimetrics_requestevent WHERE project_id = %s GROUP BY 1",
            [project.pk],
        )
        return dict(cursor.fetchall())


def _record(project, when: dt.datetime, count: int = 1) -> None:
    event = (when, "GET", "/items/1", "/items/{id}", 200, 12.5, "", "tests", "")
    recording.events_record(project_id=project.pk, events=[event] * count, now=when)


def _p(offset: int) -> str:
    return partitions.partition_name(D0 + dt.timedelta(days=offset))


def test_migrate_leaves_today_and_a_week_ahead_partitioned():
    today = timezone.now().astimezone(dt.UTC).date()
    assert partitions.enabled()
    assert {today + dt.timedelta(days=n) for n in range(8)} <= set(_days())


def test_the_hourly_task_creates_the_days_ahead_once():
    later = timezone.now() + dt.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        assert tasks.event_partitions_ensure.delay().get() == 8
        assert tasks.event_partitions_ensure.delay().get() == 0
    first = later.astimezone(dt.UTC).date()
    assert {first + dt.timedelta(days=n) for n in range(8)} <= set(_days())


def test_each_event_lands_in_its_days_partition_and_a_stray_one_in_default(workspace):
    project = ProjectFactory(workspace=workspace)
    partitions.ensure(first=D0 - dt.timedelta(days=1), now=NOW, ahead=1)
    _record(project, _day(0))  # one INSERT
    _record(project, _day(-1, 23), count=25)  # one COPY
    _record(project, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))  # older than every partition
    assert _where(project) == {_p(0): 1, _p(-1): 25, partitions.DEFAULT: 1}


def test_creating_a_day_moves_its_events_out_of_default(workspace):
    project = ProjectFactory(workspace=workspace)
    _record(project, _day(-40), count=3)
    assert _where(project) == {partitions.DEFAULT: 3}
    assert partitions.ensure(first=D0 - dt.timedelta(days=40), now=NOW, ahead=0)[0] == _p(-40)
    assert _where(project) == {_p(-40): 3}


def test_retention_drops_the_days_past_every_projects_retention_and_keeps_rollups(workspace):
    keeps_10 = ProjectFactory(workspace=workspace, key="ten", retention_days=10)
    keeps_8 = ProjectFactory(workspace=workspace, key="eight", retention_days=8)
    partitions.ensure(first=D0 - dt.timedelta(days=12), now=NOW, ahead=1)
    counts = {-12: (3, 2), -11: (2, 1), -10: (4, 2), -9: (1, 1), -1: (2, 2)}
    for offset, (ten, eight) in counts.items():
        _record(keeps_10, _day(offset), ten)
        _record(keeps_8, _day(offset), eight)
    for project in (keeps_10, keeps_8):
        _record(project, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # in DEFAULT: no day of its own
        rollups.rollup_project(project_id=project.pk, now=NOW)
    assert _where(keeps_10) == {_p(-12): 3, _p(-11): 2, _p(-10): 4, _p(-9): 1, _p(-1): 2, partitions.DEFAULT: 1}
    rolled = sorted(MinuteRollup.objects.values_list("project", "minute", "requests"))
    others = [day for day in _days() if day > D0 + dt.timedelta(days=1)]
    with connection.cursor() as cursor:
        # The events were committed long before retention runs: no foreign-key check pending
        # (a table with pending trigger events cannot be dropped).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    # The longest retention is 10 days: the days before 2026-02-28 are past it for everyone.
    assert retention.partitions_drop_expired(now=NOW) == [_p(-12), _p(-11)]
    assert _days() == [D0 + dt.timedelta(days=n) for n in range(-10, 2)] + others
    # Rows go only where a partition cannot: DEFAULT, and the days the 8-day project no longer keeps.
    assert retention.events_delete_expired(project_id=keeps_10.pk, now=NOW) == 1
    assert retention.events_delete_expired(project_id=keeps_8.pk, now=NOW) == 2 + 1 + 1
    assert _where(keeps_10) == {_p(-10): 4, _p(-9): 1, _p(-1): 2}
    assert _where(keeps_8) == {_p(-1): 2}
    with time_machine.travel(NOW, tick=False):
        tasks.retention_cleanup_all.delay()  # the daily task: nothing more to do
    assert _where(keeps_10) == {_p(-10): 4, _p(-9): 1, _p(-1): 2}
    assert sorted(MinuteRollup.objects.values_list("project", "minute", "requests")) == rolled
