"""Recording tracked events: the insert of validated rows, committed before it returns."""

import contextlib
import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apimetrics import keys, rollups, sql
from apimetrics.models import RequestEvent
from config import metrics

# A validated event is a tuple of these columns, in this order (see apimetrics.tracking).
EVENT_COLUMNS = (
    "timestamp",
    "method",
    "path",
    "endpoint",
    "status_code",
    "response_time_ms",
    "ip_hash",
    "user_agent",
    "consumer",
)
COPY_THRESHOLD = 20

_EVENT_ROW = "(" + ", ".join(["%s"] * (1 + len(EVENT_COLUMNS))) + ")"
_EVENT_COLUMNS_SQL = ", ".join(("project_id", *EVENT_COLUMNS))
# The key that sends the events, neither revoked nor expired at the request's time: checked by
# the statement that inserts them, so that a request costs no round trip to ask.
_KEY_ACTIVE = (
    "EXISTS (SELECT 1 FROM apimetrics_apikey WHERE id = %s AND revoked_at IS NULL "
    "AND (expires_at IS NULL OR expires_at > %s))"
)


class InactiveKey(Exception):
    """The key that sent the events is revoked, expired or deleted: nothing was stored."""


def _key_active(key_id: int, now: dt.datetime) -> bool:
    return bool(sql.fetchall(f"SELECT {_KEY_ACTIVE}", [key_id, sql.param(now)])[0][0])


def _insert_events(project_id: int, events: list[tuple], key_id: int | None, now: dt.datetime) -> int:
    """Insert the events, while the key ``key_id`` is active when one is given; returns how many
    were inserted (all or none). A few events take one INSERT, which checks the key as it inserts;
    more take a query on the key, then one COPY on PostgreSQL. (SQLite, which has no COPY, takes
    bigger batches through bulk_create, which batches them in a transaction.)"""
    if len(events) < COPY_THRESHOLD:
        params = [value for event in events for value in (project_id, sql.param(event[0]), *event[1:])]
        rows = ", ".join([_EVENT_ROW] * len(events))
        if key_id is None:
            statement = f"INSERT INTO {sql.EVENTS} ({_EVENT_COLUMNS_SQL}) VALUES {rows}"  # noqa: S608 (placeholders)
        else:
            statement = (
                f"INSERT INTO {sql.EVENTS} ({_EVENT_COLUMNS_SQL}) SELECT * FROM (VALUES {rows}) AS event "  # noqa: S608
                f"WHERE {_KEY_ACTIVE}"
            )
            params += [key_id, sql.param(now)]
        # Prepared on PostgreSQL (config.db.postgresql): the usual request sends this very statement.
        with getattr(connection, "prepared_cursor", connection.cursor)() as cursor:
            cursor.execute(statement, params)
            return cursor.rowcount
    if key_id is not None and not _key_active(key_id, now):
        return 0
    if connection.vendor == "postgresql":
        # The raw COPY's errors raised as Django's (IntegrityError…), as the cursor's are.
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {sql.EVENTS} ({_EVENT_COLUMNS_SQL}) FROM STDIN") as copy,
        ):
            for event in events:
                copy.write_row((project_id, *event))
    else:
        RequestEvent.objects.bulk_create(
            [RequestEvent(project_id=project_id, **dict(zip(EVENT_COLUMNS, event, strict=True))) for event in events]
        )
    return len(events)


def events_record(
    *,
    project_id: int,
    events: list[tuple],
    now: dt.datetime | None = None,
    key_id: int | None = None,
    touch_key: bool = False,
) -> int:
    """Store validated events (tuples in :data:`EVENT_COLUMNS` order, see :mod:`apimetrics.tracking`)
    and, with ``touch_key``, mark the key ``key_id`` used at ``now``, all in one transaction.
    With ``key_id``, only while that key is active at ``now``: else nothing is written and
    :class:`InactiveKey` is raised. Returns the count once committed (called inside a
    transaction, it joins it and commits with it). Minutes that may already be rolled up are
    marked for a re-roll."""
    now = now or timezone.now()
    late_minutes = rollups.late_minutes((event[0] for event in events), now)
    # Outside a transaction one statement is its own, committed (durably) before execute returns:
    # the usual request, events on time, is one round trip instead of BEGIN, INSERT, COMMIT.
    # savepoint=False: inside a transaction the others add no round trip either.
    one_statement = not late_minutes and not touch_key
    count = len(events)
    try:
        with contextlib.nullcontext() if one_statement else transaction.atomic(savepoint=False):
            # All the events, or none when the key is no longer active.
            stored = _insert_events(project_id, events, key_id, now) == count
            if stored:
                if late_minutes:
                    rollups.mark_dirty(project_id, late_minutes)
                if touch_key:
                    keys.touch(key_id, now)
                transaction.on_commit(lambda: metrics.events_tracked(accepted=count))
    except IntegrityError:
        # The key's project was deleted, with its keys, after the insert had checked the key and
        # before the events' foreign key was: nothing was stored, as for a key found deleted.
        if key_id is None or connection.in_atomic_block or _key_active(key_id, now):
            raise
        stored = False
    if not stored:
        raise InactiveKey
    return count
