"""Analytics reads off PostgreSQL streaming replicas (``DATABASE_REPLICA_URLS``).

Settings add one alias per replica (``replica_0``, ``replica_1``…), :class:`ReplicaRouter` and
:class:`ReplicaMiddleware`. Inside a web request, a read of an analytics app's model goes to a
usable replica; everything else stays on the primary:

- writes, and reads inside a transaction the code opened (not the request's own
  ``ATOMIC_REQUESTS`` one), since they must see the transaction's rows;
- reads of the rest of a request that wrote, and every read of an unsafe request;
- read-your-writes: a user whose request wrote, or was unsafe, reads the primary for
  ``DATABASE_REPLICA_STICKY_SECONDS`` afterwards (a mark in the cache, which every web process
  shares), so that a page reloaded after a change shows it;
- tasks and commands, which compute from what they read (a rollup from a lagging replica would
  count events twice or not at all).

A replica is usable while it replays the primary's WAL and is at most
``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind. Each process checks each replica once every
``DATABASE_REPLICA_CHECK_SECONDS`` (two small queries, one on each side), not on each read;
a replica that refuses connections, times out or lags is skipped without an error until the
next check. A replica that stops between two checks is noticed when a request first needs its
connection, which then opens on the primary instead.

What a replica answered is as fresh as the replica, not as the clock: :func:`read_as_of` tells
how fresh, and results computed there carry that time as their ``data_as_of``.
"""

import contextlib
import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.http import HttpRequest, HttpResponse

log = structlog.get_logger("pulse.db")

PRIMARY = DEFAULT_DB_ALIAS
REPLICA_PREFIX = "replica_"
# The apps whose tables analytics pages and endpoints read; accounts (users, memberships,
# workspaces: who may read what), reports and Django's own tables always come from the primary.
ANALYTICS_APPS = frozenset({"sales", "ecommerce", "apimetrics", "catalog"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def sticky_key(user_id: object) -> str:
    return f"replica:sticky:{user_id}"


# --- replica health, checked once per interval in each process ---------------------------


@dataclass(frozen=True)
class Health:
    usable: bool
    # The replica holds every transaction the primary had committed by then (None: unusable).
    as_of: dt.datetime | None
    checked: float  # time.monotonic() of the check


_health: dict[str, Health] = {}

_STATE_SQL = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, pg_last_xact_replay_timestamp()"


def _measure(alias: str) -> Health:
    """Compare the replica's replayed WAL with the primary's: caught up, it holds every commit
    the primary had made when asked; otherwise as much as its last replayed commit, and the
    distance from that commit to the primary's clock is its lag."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text, clock_timestamp()")  # now() would be its transaction's start
        primary_lsn, primary_now = cursor.fetchone()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_STATE_SQL, [primary_lsn])
            in_recovery, caught_up, replayed_at = cursor.fetchone()
    except DatabaseError:  # refused, timed out, gone: skipped until the next check
        with contextlib.suppress(DatabaseError):
            connections[alias].close()
        return Health(False, None, time.monotonic())
    if not in_recovery:  # promoted, or not a replica at all: its data may differ from ours
        return Health(False, None, time.monotonic())
    as_of = primary_now if caught_up else replayed_at
    max_lag = dt.timedelta(seconds=settings.DATABASE_REPLICA_MAX_LAG_SECONDS)
    usable = as_of is not None and primary_now - as_of <= max_lag
    return Health(usable, as_of if usable else None, time.monotonic())


def health(alias: str) -> Health:
    """The replica's state as last checked by this process, checked again when older than
    ``DATABASE_REPLICA_CHECK_SECONDS``."""
    known = _health.get(alias)
    if known is None or time.monotonic() - known.checked >= settings.DATABASE_REPLICA_CHECK_SECONDS:
        fresh = _health[alias] = _measure(alias)
        if known is None or fresh.usable != known.usable:  # said once per change, not per check
            level = logging.INFO if fresh.usable else logging.WARNING
            log.log(level, "replica_checked", alias=alias, usable=fresh.usable)
        known = fresh
    return known


def _connects(alias: str) -> bool:
    """Whether the replica's connection works now: Django's health check of a reused connection,
    or a new one. A failure marks the replica unusable until its next check."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            connection.close()
        _health[alias] = Health(False, None, time.monotonic())
        log.warning("replica_unreachable", alias=alias)
        return False
    return True


def _usable_replica() -> tuple[str, dt.datetime | None]:
    """A usable replica and how fresh it is, else the primary (as fresh as can be: None)."""
    aliases = replica_aliases()
    # Each process starts at another replica, which spreads the processes over them.
    start = os.getpid() % len(aliases)
    for alias in aliases[start:] + aliases[:start]:
        state = health(alias)
        if state.usable and _connects(alias):
            return alias, state.as_of
    return PRIMARY, None


# --- the request being served ------------------------------------------------------------


@dataclass
class _Reads:
    request: HttpRequest
    outer_atomic: int = 0  # atomic blocks the request itself opens (ATOMIC_REQUESTS)
    wrote: bool = False
    alias: str | None = None  # where this request's analytics reads go, chosen at the first
    as_of: dt.datetime | None = None  # how fresh that replica was then; None on the primary

    def choose(self) -> str:
        if self.alias is None:
            self.alias, self.as_of = (PRIMARY, None) if self._on_primary() else _usable_replica()
        return self.alias

    def _on_primary(self) -> bool:
        if self.request.method not in SAFE_METHODS:
            return True
        # The user is known by now: a read of analytics data comes after authentication.
        user = getattr(self.request, "user", None)
        return bool(user is not None and user.is_authenticated and cache.get(sticky_key(user.pk)))


_reads: ContextVar[_Reads | None] = ContextVar("pulse_replica_reads", default=None)


def read_as_of() -> dt.datetime | None:
    """When the current request's analytics reads went to a replica: the moment up to which that
    replica held every commit of the primary. None when they went to the primary."""
    state = _reads.get()
    return None if state is None else state.as_of


class ReplicaRouter:
    """Analytics reads of a safe request to a usable replica; every other query to the primary."""

    def db_for_read(self, model: type[models.Model], **hints: Any) -> str:
        state = _reads.get()
        if state is None or state.wrote or model._meta.app_label not in ANALYTICS_APPS:
            return PRIMARY
        if len(connections[PRIMARY].atomic_blocks) > state.outer_atomic:
            return PRIMARY
        return state.choose()

    def db_for_write(self, model: type[models.Model], **hints: Any) -> str:
        state = _reads.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: models.Model, obj2: models.Model, **hints: Any) -> bool:
        return True  # every alias holds the same database

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # replicas get the schema by replaying the primary's WAL


@contextlib.contextmanager
def request_reads(request: HttpRequest) -> Iterator[_Reads]:
    """Route the analytics reads made inside the block as those of ``request``."""
    state = _Reads(request)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


class ReplicaMiddleware:
    """Scopes routing to the request and marks its user sticky to the primary after a write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_reads(request) as state:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if (state.wrote or request.method not in SAFE_METHODS) and user is not None and user.is_authenticated:
            cache.set(sticky_key(user.pk), True, timeout=settings.DATABASE_REPLICA_STICKY_SECONDS)
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], *args: Any) -> None:
        state = _reads.get()
        if state is not None and settings.DATABASES[PRIMARY].get("ATOMIC_REQUESTS"):
            state.outer_atomic = int(PRIMARY not in getattr(view, "_non_atomic_requests", set()))
