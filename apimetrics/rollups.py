"""Rollups: raw events summed per minute, hour and day (counts and latency histograms).

:func:`rollup_project` rolls every complete minute since the project's watermark and re-rolls
the minutes that late events touched after they were rolled (they are marked in DirtyMinute by
the insert, see :func:`late_minutes` and :func:`mark_dirty`). :func:`rollup_reset` moves the
watermark back to rebuild (``manage.py backfill_rollups --rebuild``).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from apimetrics import sql
from apimetrics.analytics import CACHE_NAMESPACE
from apimetrics.histogram import BUCKET_SQL
from apimetrics.models import DayRollup, DirtyMinute, HourRollup, MinuteRollup, Project, RequestEvent, RollupState
from config.cache import bump_data_version

# A minute is rolled up once it has been over for ROLLUP_LAG; an event for a minute that ended
# more than DIRTY_AFTER before it is written marks the minute for a re-roll. Since
# DIRTY_AFTER < ROLLUP_LAG, an event can be missed only by a tracking transaction that stays
# open for more than ROLLUP_LAG - DIRTY_AFTER (30 s).
ROLLUP_LAG = dt.timedelta(seconds=60)
DIRTY_AFTER = dt.timedelta(seconds=30)
ROLLUP_BATCH = dt.timedelta(hours=6)
_MINUTE = dt.timedelta(minutes=1)


def _floor_minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def _floor_hour(value: dt.datetime) -> dt.datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _floor_day(value: dt.datetime) -> dt.datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


# --- late events ---------------------------------------------------------------------------


def late_minutes(timestamps: Iterable[dt.datetime], now: dt.datetime) -> set[dt.datetime]:
    """The minutes of events written at ``now`` that a rollup may already have read."""
    late_before = now - DIRTY_AFTER
    minutes = {_floor_minute(timestamp) for timestamp in timestamps}
    return {minute for minute in minutes if minute + _MINUTE <= late_before}


def mark_dirty(project_id: int, minutes: Iterable[dt.datetime]) -> None:
    """Mark minutes for a re-roll, in the transaction that writes their late events.

    An upsert, not "ignore": on a minute already marked it locks the mark until this commits, so
    a re-roll deleting the mark waits and then reads these events too."""
    DirtyMinute.objects.bulk_create(
        [DirtyMinute(project_id=project_id, minute=minute) for minute in minutes],
        update_conflicts=True,
        unique_fields=["project", "minute"],
        update_fields=["minute"],
    )


# --- rolling -------------------------------------------------------------------------------

_STATUS_SUMS = ", ".join(
    f"SUM(CASE WHEN status_code >= {low} AND status_code < {low + 100} THEN 1 ELSE 0 END) AS s{low // 100}"
    for low in (200, 300, 400, 500)
)
_ROLLUP_COLUMNS = (
    "project_id, kind, {time}, method, endpoint, consumer, requests, status_2xx, status_3xx, status_4xx, "
    "status_5xx, sum_response_ms, histogram, status_codes"
)
_DIMENSIONS = {
    # kind: (columns grouped in the inner query, the outer select of method, endpoint, consumer)
    "e": ("method, endpoint", "method, endpoint, '' AS consumer"),
    "c": ("consumer", "'' AS method, '' AS endpoint, consumer"),
    # The consumers of each endpoint: what ranks an endpoint's consumers by their latency.
    "x": ("method, endpoint, consumer", "method, endpoint, consumer"),
}


def _roll_from_raw(project_id: int, unit: str, start: dt.datetime, end: dt.datetime) -> None:
    """Recompute the ``unit`` (minute, hour or day) rollups of [start, end) from the raw events:
    delete, then insert what the database aggregated (counts, sums and histogram per slot).

    Whole hours and days are recomputed from raw events too, which is cheaper than merging the
    JSON histograms of the finer level, and valid because a slot is only ever recomputed while
    its raw events are within retention (late events are at most 7 days old, retention ≥ 8 days).
    """
    if start >= end:
        return
    table, column = sql.LEVELS[unit], unit
    params = [project_id, sql.param(start), sql.param(end)]
    # kind IN (…) lets the (project, kind, time, …) unique index serve the time range.
    sql.execute(
        f"DELETE FROM {table} WHERE project_id = %s AND kind IN ('e', 'c', 'x') AND {column} >= %s AND {column} < %s",  # noqa: S608
        params,
    )
    events = f"FROM {sql.EVENTS} WHERE project_id = %s AND timestamp >= %s AND timestamp < %s"
    t = sql.trunc(unit, "timestamp")
    for kind, (grouped, selected) in _DIMENSIONS.items():
        # The histogram and the counts by code group the slot's events two ways: each is built
        # by its own aggregate (h, c), joined on the slot and the dimension.
        joined = " AND ".join(f"c.{name.strip()} = h.{name.strip()}" for name in grouped.split(","))
        sql.execute(
            f"INSERT INTO {table} ({_ROLLUP_COLUMNS.format(time=column)}) SELECT h.*, c.codes FROM ("  # noqa: S608 (names and fixed fragments)
            f"SELECT project_id, '{kind}' AS kind, t, {selected}, SUM(n) AS n, SUM(s2), SUM(s3), SUM(s4), SUM(s5), "
            f"SUM(total), {sql.json_object_agg('b', 'n')} FROM ("
            f"SELECT project_id, {t} AS t, {grouped}, {BUCKET_SQL} AS b, "
            f"COUNT(*) AS n, {_STATUS_SUMS}, SUM(response_time_ms) AS total "
            f"{events} GROUP BY project_id, t, {grouped}, b) s GROUP BY project_id, t, {grouped}) h JOIN ("
            f"SELECT t, {grouped}, {sql.json_object_agg('code', 'n')} AS codes FROM ("
            f"SELECT {t} AS t, {grouped}, CAST(status_code AS TEXT) AS code, COUNT(*) AS n "
            f"{events} GROUP BY t, {grouped}, code) x GROUP BY t, {grouped}) c ON c.t = h.t AND {joined}",
            params * 2,
        )


def _roll_minutes(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    _roll_from_raw(project_id, "minute", start, end)


def _roll_hours(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Whole hours [start, end): only hours before the watermark's hour are complete."""
    _roll_from_raw(project_id, "hour", start, end)


def _roll_days(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Whole UTC days [start, end)."""
    _roll_from_raw(project_id, "day", start, end)


@dataclass
class RollupResult:
    minutes: int = 0
    dirty_minutes: int = 0
    rolled_until: dt.datetime | None = None


def _ranges(minutes: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive minutes merged into [start, end) ranges."""
    ranges: list[list[dt.datetime]] = []
    for minute in sorted(minutes):
        if ranges and ranges[-1][1] == minute:
            ranges[-1][1] = minute + _MINUTE
        else:
            ranges.append([minute, minute + _MINUTE])
    return [(start, end) for start, end in ranges]


def _first_minute(project_id: int) -> dt.datetime | None:
    """The minute of the project's oldest raw event (None: no event)."""
    first = (
        RequestEvent.objects.filter(project_id=project_id).order_by("timestamp").values_list("timestamp", flat=True)
    ).first()
    return None if first is None else _floor_minute(first)


def _target(now: dt.datetime) -> dt.datetime:
    """Where a run at ``now`` moves the watermark: the end of the last minute over for ROLLUP_LAG."""
    return _floor_minute(now - ROLLUP_LAG)


def minutes_behind(*, project_id: int, now: dt.datetime | None = None) -> int:
    """How many minutes :func:`rollup_project` would roll now (a progress bar's total)."""
    state = RollupState.objects.filter(project_id=project_id).first()
    start = state.rolled_until if state is not None and state.rolled_until else _first_minute(project_id)
    return 0 if start is None else max(0, (_target(now or timezone.now()) - start) // _MINUTE)


def _roll_batch(project_id: int, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """Roll [start, end) and move the watermark to ``end`` in one transaction; returns where the
    batch began, later than ``start`` when another worker rolled part of it already."""
    with transaction.atomic():
        state = RollupState.objects.select_for_update().get(pk=project_id)
        if state.rolled_until is not None and state.rolled_until > start:
            return state.rolled_until  # another worker got here first
        if connection.vendor == "postgresql":
            # Aggregating a batch sorts and hashes far more than the default 4 MB.
            sql.execute("SET LOCAL work_mem = '64MB'", [])
            # A partition just filled has no statistics yet: the planner then guesses one row per
            # side and joins the two aggregates of a batch in a nested loop, quadratic in its slots.
            sql.execute("SET LOCAL enable_nestloop = off", [])
        _roll_minutes(project_id, start, end)
        _roll_hours(project_id, _floor_hour(start), _floor_hour(end))
        _roll_days(project_id, _floor_day(start), _floor_day(end))
        DirtyMinute.objects.filter(project_id=project_id, minute__lt=end).filter(minute__gte=start).delete()
        state.rolled_until = end
        state.save(update_fields=["rolled_until", "updated_at"])
    return start


def rollup_project(
    *,
    project_id: int,
    now: dt.datetime | None = None,
    batch: dt.timedelta = ROLLUP_BATCH,
    on_batch: Callable[[dt.datetime, dt.datetime], None] | None = None,
) -> RollupResult:
    """Roll every complete minute since the watermark, then re-roll minutes late events touched.

    Each batch recomputes whole minutes (delete + insert) and moves the watermark in one
    transaction, so running twice never double counts and a crash loses only the batch in
    progress, which the next run redoes.
    """
    if batch <= dt.timedelta(0):  # 0 would loop for ever, a negative batch move the watermark back
        raise ValueError("The batch must be a positive duration.")
    now = now or timezone.now()
    target = _target(now)
    state, _ = RollupState.objects.get_or_create(project_id=project_id)
    result = RollupResult(rolled_until=state.rolled_until)
    start = state.rolled_until or _first_minute(project_id)
    if start is None:
        return result
    while start < target:
        end = min(start + batch, target)
        began = _roll_batch(project_id, start, end)
        if began != start:
            start = began
            continue
        result.minutes += (end - start) // _MINUTE
        result.rolled_until = end
        if on_batch is not None:
            on_batch(start, end)
        start = end
    result.dirty_minutes = _roll_dirty(project_id, now)
    if result.minutes or result.dirty_minutes:
        workspace_id = Project.objects.filter(pk=project_id).values_list("workspace_id", flat=True).first()
        bump_data_version(CACHE_NAMESPACE, workspace_id)
    return result


def _roll_dirty(project_id: int, now: dt.datetime, limit: int = 2000) -> int:
    """Re-roll the minutes (and their hours) that late events touched after they were rolled."""
    total = 0
    while True:
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(pk=project_id)
            if state.rolled_until is None:
                return total
            minutes = list(
                DirtyMinute.objects.filter(project_id=project_id, minute__lt=state.rolled_until)
                .order_by("minute")
                .values_list("minute", flat=True)[:limit]
            )
            if not minutes:
                return total
            # The marks go first: a late event committed after this delete marks its minute
            # again (its upsert waits for this transaction), one committed before it is read below.
            DirtyMinute.objects.filter(project_id=project_id, minute__in=minutes).delete()
            retention = Project.objects.filter(pk=project_id).values_list("retention_days", flat=True).get()
            # Raw events near the retention edge may be half deleted: re-rolling would lose counts.
            keep_after = now - dt.timedelta(days=retention - 1)
            fresh = [minute for minute in minutes if minute >= keep_after]
            for start, end in _ranges(fresh):
                _roll_minutes(project_id, start, end)
            for hour in sorted({_floor_hour(minute) for minute in fresh}):
                if hour < _floor_hour(state.rolled_until):
                    _roll_hours(project_id, hour, hour + dt.timedelta(hours=1))
            for day in sorted({_floor_day(minute) for minute in fresh}):
                if day < _floor_day(state.rolled_until):
                    _roll_days(project_id, day, day + dt.timedelta(days=1))
            total += len(fresh)


def rollup_reset(*, project_id: int) -> dt.datetime | None:
    """Forget the rollups that raw events can rebuild (from the first UTC day whose raw events
    are all kept) and move the watermark back there, so the next run recomputes them (backfill
    --rebuild).

    Rollups older than that (raw events deleted by retention) are kept: so is the whole day of
    the oldest raw event when retention deleted the start of it, since rebuilding its hours and
    day from what is left would lose the rest. Returns the new watermark (None: nothing to rebuild).
    """
    first = _first_minute(project_id)
    if first is None:
        return None
    start = _floor_day(first)
    end = start + dt.timedelta(days=1)
    rolled = MinuteRollup.objects.filter(project_id=project_id, kind="e", minute__gte=start, minute__lt=end)
    kept = RequestEvent.objects.filter(project_id=project_id, timestamp__gte=start, timestamp__lt=end).count()
    if (rolled.aggregate(requests=Sum("requests"))["requests"] or 0) > kept:  # retention cut into the day
        start = end
    with transaction.atomic():
        RollupState.objects.update_or_create(project_id=project_id, defaults={"rolled_until": start})
        MinuteRollup.objects.filter(project_id=project_id, minute__gte=start)._raw_delete(MinuteRollup.objects.db)
        HourRollup.objects.filter(project_id=project_id, hour__gte=start)._raw_delete(HourRollup.objects.db)
        DayRollup.objects.filter(project_id=project_id, day__gte=start)._raw_delete(DayRollup.objects.db)
        DirtyMinute.objects.filter(project_id=project_id)._raw_delete(DirtyMinute.objects.db)
    return start
