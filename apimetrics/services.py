"""Writes of the apimetrics app: projects, API keys, recorded events, rollups and retention."""

# ruff: noqa: S608 - SQL here interpolates only table names and fixed fragments; values are parameters.
import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import SYSTEM_WORKSPACE_SLUG, Membership, User, Workspace
from apimetrics import keys, sql
from apimetrics.histogram import BUCKET_SQL
from apimetrics.models import (
    ApiKey,
    DayRollup,
    DirtyMinute,
    HourRollup,
    MinuteRollup,
    Project,
    RequestEvent,
    RollupState,
)
from apimetrics.tracking import EVENT_COLUMNS
from config import metrics
from config.cache import bump_data_version
from config.errors import Conflict

log = structlog.get_logger(__name__)

CACHE_NAMESPACE = "apimetrics"
DEFAULT_GRACE = dt.timedelta(hours=24)
# A minute is rolled up once it has been over for ROLLUP_LAG; an event for a minute that ended
# more than DIRTY_AFTER before it is written marks the minute for a re-roll. Since
# DIRTY_AFTER < ROLLUP_LAG, an event can be missed only by a tracking transaction that stays
# open for more than ROLLUP_LAG - DIRTY_AFTER (30 s).
ROLLUP_LAG = dt.timedelta(seconds=60)
DIRTY_AFTER = dt.timedelta(seconds=30)
ROLLUP_BATCH = dt.timedelta(hours=6)
COPY_THRESHOLD = 20


# --- projects ------------------------------------------------------------------------------


def project_create(
    *,
    workspace: Workspace,
    name: str,
    key: str,
    timezone_name: str = "UTC",
    retention_days: int = 90,
    apdex_threshold_ms: int = 500,
    is_builtin: bool = False,
) -> Project:
    try:
        with transaction.atomic():
            project = Project.objects.create(
                workspace=workspace,
                name=name,
                key=key,
                timezone=timezone_name,
                retention_days=retention_days,
                apdex_threshold_ms=apdex_threshold_ms,
                is_builtin=is_builtin,
            )
            RollupState.objects.create(project=project)
    except IntegrityError as exc:
        raise Conflict(f"A project with the key {key!r} already exists in this workspace.") from exc
    return project


def projects_with_active_keys(queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """Projects annotated with ``active_keys``: how many of their keys are neither revoked nor
    expired now (rotated keys in their grace included), as :meth:`ApiKey.is_active` says."""
    queryset = Project.objects.all() if queryset is None else queryset
    active = Q(api_keys__revoked_at__isnull=True) & (
        Q(api_keys__expires_at__isnull=True) | Q(api_keys__expires_at__gt=timezone.now())
    )
    return queryset.annotate(active_keys=Count("api_keys", filter=active))


@transaction.atomic
def project_update(*, project: Project, **changes) -> Project:
    if "timezone_name" in changes:
        changes["timezone"] = changes.pop("timezone_name")
    for field, value in changes.items():
        setattr(project, field, value)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        raise Conflict(f"A project with the key {project.key!r} already exists in this workspace.") from exc
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project with its keys (their cached lookups are dropped, see receivers), events
    and rollups."""
    workspace_id = project.workspace_id
    project.delete()
    bump_data_version(CACHE_NAMESPACE, workspace_id)


# --- API keys ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, returned once and never stored


def _new_key(*, project: Project, name: str, user: User | None, rotated_from: ApiKey | None = None) -> IssuedKey:
    while True:
        prefix = secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    full = keys.compose(prefix, secrets.token_urlsafe(32))
    api_key = ApiKey.objects.create(
        project=project,
        name=name,
        prefix=prefix,
        hashed_key=keys.digest(full),
        created_by=user,
        rotated_from=rotated_from,
    )
    return IssuedKey(api_key=api_key, secret=full)


@transaction.atomic
def api_key_create(*, project: Project, name: str, user: User | None) -> IssuedKey:
    issued = _new_key(project=project, name=name, user=user)
    log.info("api_key_created", project=project.key, prefix=issued.api_key.prefix)
    return issued


@transaction.atomic
def api_key_rotate(
    *, api_key: ApiKey, user: User | None, grace: dt.timedelta = DEFAULT_GRACE, now: dt.datetime | None = None
) -> IssuedKey:
    """A new key with the same name; the old one stays valid for ``grace`` (0: revoked now)."""
    now = now or timezone.now()
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if not api_key.is_active(now):
        raise Conflict("This key is revoked or expired and cannot be rotated.")
    issued = _new_key(project=api_key.project, name=api_key.name, user=user, rotated_from=api_key)
    if grace <= dt.timedelta(0):
        api_key.revoked_at = now
    else:
        api_key.expires_at = min(api_key.expires_at or now + grace, now + grace)
    api_key.save(update_fields=["revoked_at", "expires_at"])
    keys.forget(api_key.prefix)
    log.info("api_key_rotated", project=api_key.project.key, prefix=api_key.prefix, new_prefix=issued.api_key.prefix)
    return issued


def _keeps_project_working(api_key: ApiKey, now: dt.datetime) -> bool:
    """Active without an expiry: a key in its rotation grace stops anyway, so it does not count
    as the key the project keeps."""
    return api_key.is_active(now) and api_key.expires_at is None


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key at once. The project's last active key without an expiry cannot be revoked
    (409): otherwise the project would have no working key once the others expire."""
    now = now or timezone.now()
    project = Project.objects.select_for_update().get(pk=api_key.project_id)
    api_key = ApiKey.objects.get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    lasting = [key for key in project.api_keys.all() if _keeps_project_working(key, now)]
    if _keeps_project_working(api_key, now) and len(lasting) <= 1:
        raise Conflict("This is the project's last active key: create or rotate a key before deleting it.")
    api_key.revoked_at = now
    api_key.save(update_fields=["revoked_at"])
    keys.forget(api_key.prefix)
    log.info("api_key_revoked", project=project.key, prefix=api_key.prefix)
    return api_key


# --- recording events ----------------------------------------------------------------------


def _floor_minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def _floor_hour(value: dt.datetime) -> dt.datetime:
    return value.replace(minute=0, second=0, microsecond=0)


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
            statement = f"INSERT INTO {sql.EVENTS} ({_EVENT_COLUMNS_SQL}) VALUES {rows}"
        else:
            statement = (
                f"INSERT INTO {sql.EVENTS} ({_EVENT_COLUMNS_SQL}) SELECT * FROM (VALUES {rows}) AS event "
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
    late_before = now - DIRTY_AFTER
    late_minutes = {
        _floor_minute(event[0]) for event in events if _floor_minute(event[0]) + dt.timedelta(minutes=1) <= late_before
    }
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
                    # An upsert, not "ignore": on a minute already marked it locks the mark until this
                    # commits, so a re-roll deleting the mark waits and then reads these events too.
                    DirtyMinute.objects.bulk_create(
                        [DirtyMinute(project_id=project_id, minute=minute) for minute in late_minutes],
                        update_conflicts=True,
                        unique_fields=["project", "minute"],
                        update_fields=["minute"],
                    )
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


# --- rollups -------------------------------------------------------------------------------

_STATUS_SUMS = ", ".join(
    f"SUM(CASE WHEN status_code >= {low} AND status_code < {low + 100} THEN 1 ELSE 0 END) AS s{low // 100}"
    for low in (200, 300, 400, 500)
)
_ROLLUP_COLUMNS = (
    "project_id, kind, {time}, method, endpoint, consumer, requests, status_2xx, status_3xx, status_4xx, "
    "status_5xx, sum_response_ms, histogram"
)
_DIMENSIONS = {
    # kind: (columns grouped in the inner query, the outer select of method, endpoint, consumer)
    "e": ("method, endpoint", "method, endpoint, ''"),
    "c": ("consumer", "'', '', consumer"),
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
        f"DELETE FROM {table} WHERE project_id = %s AND kind IN ('e', 'c') AND {column} >= %s AND {column} < %s",
        params,
    )
    for kind, (grouped, selected) in _DIMENSIONS.items():
        sql.execute(
            f"INSERT INTO {table} ({_ROLLUP_COLUMNS.format(time=column)}) "
            f"SELECT project_id, '{kind}', t, {selected}, SUM(n), SUM(s2), SUM(s3), SUM(s4), SUM(s5), SUM(total), "
            f"{sql.json_object_agg('b', 'n')} FROM ("
            f"SELECT project_id, {sql.trunc(unit, 'timestamp')} AS t, {grouped}, {BUCKET_SQL} AS b, "
            f"COUNT(*) AS n, {_STATUS_SUMS}, SUM(response_time_ms) AS total "
            f"FROM {sql.EVENTS} WHERE project_id = %s AND timestamp >= %s AND timestamp < %s "
            f"GROUP BY project_id, t, {grouped}, b) s GROUP BY project_id, t, {grouped}",
            params,
        )


def _roll_minutes(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    _roll_from_raw(project_id, "minute", start, end)


def _roll_hours(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Whole hours [start, end): only hours before the watermark's hour are complete."""
    _roll_from_raw(project_id, "hour", start, end)


def _roll_days(project_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Whole UTC days [start, end)."""
    _roll_from_raw(project_id, "day", start, end)


def _floor_day(value: dt.datetime) -> dt.datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class RollupResult:
    minutes: int = 0
    dirty_minutes: int = 0
    rolled_until: dt.datetime | None = None


def _ranges(minutes: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Consecutive minutes merged into [start, end) ranges."""
    ranges: list[list[dt.datetime]] = []
    step = dt.timedelta(minutes=1)
    for minute in sorted(minutes):
        if ranges and ranges[-1][1] == minute:
            ranges[-1][1] = minute + step
        else:
            ranges.append([minute, minute + step])
    return [(start, end) for start, end in ranges]


def rollup_project(
    *,
    project_id: int,
    now: dt.datetime | None = None,
    batch: dt.timedelta = ROLLUP_BATCH,
    on_batch=None,
) -> RollupResult:
    """Roll every complete minute since the watermark, then re-roll minutes late events touched.

    Each batch recomputes whole minutes (delete + insert) and moves the watermark in one
    transaction, so running twice never double counts and a crash loses only the batch in
    progress, which the next run redoes.
    """
    if batch <= dt.timedelta(0):  # 0 would loop for ever, a negative batch move the watermark back
        raise ValueError("The batch must be a positive duration.")
    now = now or timezone.now()
    target = _floor_minute(now - ROLLUP_LAG)
    state, _ = RollupState.objects.get_or_create(project_id=project_id)
    result = RollupResult(rolled_until=state.rolled_until)
    start = state.rolled_until
    if start is None:
        first = (
            RequestEvent.objects.filter(project_id=project_id)
            .order_by("timestamp")
            .values_list("timestamp", flat=True)
            .first()
        )
        if first is None:
            return result
        start = _floor_minute(first)
    while start < target:
        end = min(start + batch, target)
        with transaction.atomic():
            state = RollupState.objects.select_for_update().get(pk=project_id)
            if state.rolled_until is not None and state.rolled_until > start:
                start = state.rolled_until  # another worker got here first
                continue
            if connection.vendor == "postgresql":
                # Aggregating a batch sorts and hashes far more than the default 4 MB.
                sql.execute("SET LOCAL work_mem = '64MB'", [])
            _roll_minutes(project_id, start, end)
            _roll_hours(project_id, _floor_hour(start), _floor_hour(end))
            _roll_days(project_id, _floor_day(start), _floor_day(end))
            DirtyMinute.objects.filter(project_id=project_id, minute__lt=end).filter(minute__gte=start).delete()
            state.rolled_until = end
            state.save(update_fields=["rolled_until", "updated_at"])
        result.minutes += int((end - start).total_seconds() // 60)
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
    first = (
        RequestEvent.objects.filter(project_id=project_id).order_by("timestamp").values_list("timestamp", flat=True)
    ).first()
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


# --- retention -----------------------------------------------------------------------------


def events_delete_expired(*, project_id: int, now: dt.datetime | None = None, batch_size: int = 5000) -> int:
    """Delete raw events older than the project's retention, ``batch_size`` rows per short
    transaction (an index range by primary key), so tracking is never blocked for long."""
    now = now or timezone.now()
    retention = Project.objects.filter(pk=project_id).values_list("retention_days", flat=True).first()
    if retention is None:
        return 0
    cutoff = now - dt.timedelta(days=retention)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                RequestEvent.objects.filter(project_id=project_id, timestamp__lt=cutoff).values_list("pk", flat=True)[
                    :batch_size
                ]
            )
            if not ids:
                break
            RequestEvent.objects.filter(pk__in=ids)._raw_delete(RequestEvent.objects.db)
        deleted += len(ids)
        if len(ids) < batch_size:
            break
    DirtyMinute.objects.filter(project_id=project_id, minute__lt=cutoff).delete()
    if deleted:
        log.info("apimetrics_retention", project_id=project_id, deleted=deleted, cutoff=cutoff.isoformat())
    return deleted


# --- self-tracking -------------------------------------------------------------------------

SELF_WORKSPACE_SLUG = SYSTEM_WORKSPACE_SLUG  # reserved: no user workspace gets it
SELF_PROJECT_KEY = "pulse-api"


def builtin_project() -> Project:
    """The project Pulse records its own API traffic in (created on first use), in the system
    workspace: the one at the reserved slug SELF_WORKSPACE_SLUG that no user owns. A user's
    workspace that took the slug before accounts reserved it is never used: it would show them
    every consumer and endpoint of Pulse."""
    # Every workspace a user creates has an owner (accounts keeps at least one); Pulse's has none.
    system = Workspace.objects.filter(slug=SELF_WORKSPACE_SLUG).exclude(memberships__role=Membership.Role.OWNER)
    project = Project.objects.filter(workspace__in=system, key=SELF_PROJECT_KEY).first()
    if project is not None:
        return project
    with transaction.atomic():
        workspace, _ = Workspace.objects.get_or_create(
            slug=SELF_WORKSPACE_SLUG, defaults={"name": "Pulse (self-monitoring)", "timezone": settings.TIME_ZONE}
        )
        if workspace.memberships.filter(role=Membership.Role.OWNER).exists():
            raise RuntimeError(
                f"The workspace {SELF_WORKSPACE_SLUG!r} belongs to a user; rename it to turn self-tracking on."
            )
        project, created = Project.objects.get_or_create(
            workspace=workspace,
            key=SELF_PROJECT_KEY,
            defaults={"name": "Pulse API", "is_builtin": True},
        )
        if created:
            RollupState.objects.get_or_create(project=project)
    return project
