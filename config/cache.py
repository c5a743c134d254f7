"""The one caching helper: results keyed by workspace and guarded by a data version.

Every write to a workspace's data calls :func:`bump_data_version` (after commit). A cached
entry carries the version it was computed under and is served only while that version is
current, so nobody reads stale data after a write and no entry is shared by two tenants.
A read costs one cache round trip: the version and the entry are fetched together (MGET).

:func:`cached_by_inputs` is the other kind of entry: a result that is a pure function of inputs
the caller has just read, such as a model fitted on data reduced by the database, keyed by a
digest of those inputs rather than by the data version.
Versions are random 62-bit numbers, so a version lost from the cache is never reused (and a
frozen test clock cannot make two bumps equal). When the cache is unreachable, values are
computed and nothing is cached.
"""

import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

log = structlog.get_logger("pulse.cache")


@dataclass(frozen=True)
class Cached:
    value: Any
    hit: bool
    computed_at: dt.datetime


def version_key(namespace: str, workspace_id: int | None) -> str:
    return f"ver:{namespace}:{workspace_id or 0}"


def _new_version() -> int:
    return secrets.randbits(62)


def data_version(namespace: str, workspace_id: int | None) -> int | None:
    """The current data version, or None when the cache cannot be reached."""
    key = version_key(namespace, workspace_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, _new_version(), timeout=None)
        version = cache.get(key)
    return version


def bump_data_version(namespace: str, workspace_id: int | None = None) -> None:
    """Invalidate every cached result of ``namespace`` for the workspace, once the current
    transaction commits (at once outside a transaction)."""
    key = version_key(namespace, workspace_id)
    transaction.on_commit(lambda: cache.set(key, _new_version(), timeout=None))


def delete_and_bump(namespace: str, queryset) -> int:
    """Delete the rows of ``queryset`` (by statement: no per-row signals) and bump ``namespace``
    for every workspace they belonged to. Returns how many rows went."""
    workspace_ids = set(queryset.values_list("workspace_id", flat=True).distinct())
    deleted, _ = queryset.delete()
    for workspace_id in workspace_ids:
        bump_data_version(namespace, workspace_id)
    return deleted


class DeleteBumpsAdmin:
    """For the admin of a workspace's rows that cached results count: deleting one row or a
    selection bumps the workspace's ``data_namespace`` (:func:`delete_and_bump`)."""

    data_namespace = ""

    def delete_model(self, request, obj):
        delete_and_bump(self.data_namespace, type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        delete_and_bump(self.data_namespace, queryset)


def cached(
    namespace: str,
    workspace_id: int | None,
    name: str,
    params: dict,
    compute: Callable[[], Any],
    *,
    timeout: int | None = None,
    refresh: bool = False,
) -> Cached:
    """``compute()`` once per (namespace, workspace, data version, name, params).

    ``refresh=True`` recomputes and stores the value whatever is cached.
    """
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode(), usedforsecurity=False)
    v_key = version_key(namespace, workspace_id)
    key = f"res:{namespace}:{workspace_id or 0}:{name}:{digest.hexdigest()}"
    started = time.perf_counter()
    found = cache.get_many([v_key, key])
    version = found.get(v_key)
    if version is None:
        version = data_version(namespace, workspace_id)  # first read ever, or no cache
    stored = found.get(key)
    if not refresh and version is not None and stored is not None and stored[0] == version:
        log.debug("cache_hit", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
        return Cached(stored[1], True, stored[2])
    value = compute()
    computed_at = timezone.now()
    if version is not None:
        cache.set(key, (version, value, computed_at), timeout=timeout)
    log.info(
        "cache_refresh" if refresh else "cache_miss",
        key=key,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return Cached(value, False, computed_at)


def cached_by_inputs(
    namespace: str, workspace_id: int | None, name: str, inputs: str, compute: Callable[[], Any], *, timeout: int
) -> Cached:
    """``compute()`` once per (namespace, workspace, name, ``inputs``), ``inputs`` being a digest of
    everything the result depends on (the data the caller read, the code's version).

    For results that are expensive and deterministic, such as fitted model parameters. No data
    version guards them: the digest already tells whether they were computed from the data the
    caller holds, so a write that changes those data misses, and one that leaves them as they
    were (or a data version lost from the cache) still finds the result. Entries expire after
    ``timeout`` seconds, so the results of data long replaced do not pile up.
    """
    key = f"inp:{namespace}:{workspace_id or 0}:{name}:{inputs}"
    started = time.perf_counter()
    stored = cache.get(key)
    if stored is not None:
        log.debug("cache_hit", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
        return Cached(stored[0], True, stored[1])
    value = compute()
    computed_at = timezone.now()
    cache.set(key, (value, computed_at), timeout=timeout)
    log.info("cache_miss", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
    return Cached(value, False, computed_at)
