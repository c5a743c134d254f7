"""Daily partitions of the raw events table (PostgreSQL only).

On PostgreSQL ``apimetrics_requestevent`` is partitioned by ``RANGE ("timestamp")``, one
partition per UTC day (migration 0004)::

    apimetrics_requestevent
    ├── apimetrics_requestevent_default      events older (or newer) than every day below
    ├── apimetrics_requestevent_p20260301    [2026-03-01, 2026-03-02)
    └── …                                    up to AHEAD_DAYS after today

:func:`ensure` creates the days ahead (the hourly beat task and every ``migrate``), so that
tracking always writes into its day's partition. Retention (:mod:`apimetrics.retention`) drops
a day once it is past every project's retention with :func:`drop_before`: a catalogue change
instead of a delete of each row, with nothing left for VACUUM. The primary key is
``(id, timestamp)``, since a partitioned table's unique keys must hold its partition key; ``id``
still comes from one sequence. No table has a foreign key onto the events. SQLite keeps a plain
table: every function here does nothing there.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apimetrics import sql
from config import partitions

log = structlog.get_logger("pulse.apimetrics.partitions")

AHEAD_DAYS = 7
DEFAULT = f"{sql.EVENTS}_default"
ENSURE_LOCK = 0x61706970  # pg_advisory_xact_lock key: one ensure() at a time ("apip")
DROP_LOCK_TIMEOUT = "2s"
_PREFIX = f"{sql.EVENTS}_p"


def enabled() -> bool:
    """Whether the events table is partitioned (PostgreSQL once migration 0004 ran)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return partitions.is_partitioned(cursor, sql.EVENTS)


def partition_name(day: dt.date) -> str:
    return f"{_PREFIX}{day:%Y%m%d}"


def _day_of(name: str) -> dt.date | None:
    if not name.startswith(_PREFIX):
        return None
    return dt.datetime.strptime(name.removeprefix(_PREFIX), "%Y%m%d").replace(tzinfo=dt.UTC).date()


def days(cursor) -> list[dt.date]:
    """The days that have a partition, oldest first."""
    return sorted(day for name in partitions.children(cursor, sql.EVENTS) if (day := _day_of(name)))


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def _create(cursor, day: dt.date) -> None:
    """Create ``day``'s partition, moving into it the events of that day the DEFAULT partition
    holds (attaching a range that the DEFAULT partition has rows of is refused)."""
    name, (start, end) = partitions.quote(partition_name(day)), _bounds(day)
    table, default = partitions.quote(sql.EVENTS), partitions.quote(DEFAULT)
    cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {default} WHERE timestamp >= %s AND timestamp < %s RETURNING *) "  # noqa: S608
        f"INSERT INTO {name} SELECT * FROM moved",
        [start, end],
    )
    # Attaching builds the partition's primary key and indexes from the table's.
    cursor.execute(
        f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def ensure(*, first: dt.date | None = None, now: dt.datetime | None = None, ahead: int = AHEAD_DAYS) -> list[str]:
    """Create every missing daily partition from ``first`` (default: today) to ``ahead`` days
    after today, in UTC; returns the names created. Safe to run at once from several processes."""
    if not enabled():
        return []
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    first = min(first or today, today)
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ENSURE_LOCK])
        have = set(days(cursor))
        for offset in range((today - first).days + ahead + 1):
            day = first + dt.timedelta(days=offset)
            if day not in have:
                _create(cursor, day)
                created.append(partition_name(day))
    if created:
        log.info("event_partitions_created", partitions=created)
    return created


def drop_before(day: dt.date) -> list[str]:
    """Detach and drop every daily partition of a day before ``day``; returns the names dropped.
    Each one locks the events table for a moment: when that lock is not granted within
    :data:`DROP_LOCK_TIMEOUT`, that partition stays for the next run."""
    if not enabled():
        return []
    dropped = []
    table = partitions.quote(sql.EVENTS)
    with connection.cursor() as cursor:
        for old in [partition_name(d) for d in days(cursor) if d < day]:
            try:
                with transaction.atomic():
                    cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                    cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {partitions.quote(old)}")
                    cursor.execute(f"DROP TABLE {partitions.quote(old)}")
                    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            except DatabaseError as exc:
                log.warning("event_partition_drop_deferred", partition=old, error=str(exc).strip())
                continue
            dropped.append(old)
    if dropped:
        log.info("event_partitions_dropped", partitions=dropped)
    return dropped
