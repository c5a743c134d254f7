"""The few SQL fragments that differ between PostgreSQL and SQLite.

Rollups and analytics are written in SQL so the database builds and merges histograms; only
time truncation and the JSON functions differ between the two supported databases.
"""

import datetime as dt

from django.db import connection, connections, router
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apimetrics.models import RequestEvent

EVENTS = "apimetrics_requestevent"
MINUTES = "apimetrics_minuterollup"
HOURS = "apimetrics_hourrollup"
DAYS = "apimetrics_dayrollup"
# Rollup levels from the finest: (unit, table, time column).
LEVELS = {"minute": MINUTES, "hour": HOURS, "day": DAYS}
_PATTERNS = {"minute": "%%Y-%%m-%%d %%H:%%M:00", "hour": "%%Y-%%m-%%d %%H:00:00", "day": "%%Y-%%m-%%d 00:00:00"}


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def trunc(unit: str, column: str) -> str:
    """``column`` truncated to the minute, hour or day, in UTC."""
    if is_postgres():
        return f"date_trunc('{unit}', {column})"
    # %% because every statement here has parameters: the driver turns %% back into %.
    return f"strftime('{_PATTERNS[unit]}', {column})"


def json_each(column: str) -> str:
    return f"jsonb_each_text({column})" if is_postgres() else f"json_each({column})"


def json_object_agg(key: str, value: str) -> str:
    return f"jsonb_object_agg({key}, {value})" if is_postgres() else f"json_group_object({key}, {value})"


def param(value: dt.datetime):
    """A datetime as the database driver expects it in raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def as_datetime(value) -> dt.datetime | None:
    """A datetime column read by raw SQL (a string on SQLite) as an aware UTC datetime."""
    if value is None or isinstance(value, dt.datetime):
        return value if value is None or timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    return parsed.replace(tzinfo=dt.UTC) if parsed and timezone.is_naive(parsed) else parsed


def fetchall(sql: str, params: list) -> list[tuple]:
    """Rows of a read, from where the database router reads the events (a replica for a web
    request's analytics, config.replicas), as the ORM's reads would."""
    with connections[router.db_for_read(RequestEvent)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
