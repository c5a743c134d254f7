"""The one caching helper: results keyed by workspace and by a data version.

Every write to a workspace's data calls :func:`bump_data_version` (after commit), which moves
readers to new keys, so nobody reads stale data after a write and no key is shared by two
tenants. Versions start from the clock, so a version lost from the cache is never reused.
When the cache is unreachable, values are computed and nothing is cached.
"""

import datetime as dt
import hashlib
import json
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


def _version_key(namespace: str, workspace_id: int | None) -> str:
    return f"ver:{namespace}:{workspace_id or 0}"


def data_version(namespace: str, workspace_id: int | None) -> int | None:
    """The current data version, or None when the cache cannot be reached."""
    key = _version_key(namespace, workspace_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return version


def bump_data_version(namespace: str, workspace_id: int | None = None) -> None:
    """Invalidate every cached result of ``namespace`` for the workspace, once the current
    transaction commits (at once outside a transaction)."""
    key = _version_key(namespace, workspace_id)
    transaction.on_commit(lambda: cache.set(key, time.time_ns(), timeout=None))


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
    """``compute()`` once per (namespace, workspace, data version, name, params)."""
    version = data_version(namespace, workspace_id)
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode(), usedforsecurity=False)
    key = f"res:{namespace}:{workspace_id or 0}:{version}:{name}:{digest.hexdigest()}"
    started = time.perf_counter()
    if version is not None and not refresh:
        stored = cache.get(key)
        if stored is not None:
            log.debug("cache_hit", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
            return Cached(stored[0], True, stored[1])
    value = compute()
    computed_at = timezone.now()
    if version is not None:
        cache.set(key, (value, computed_at), timeout=timeout)
    log.info(
        "cache_miss" if not refresh else "cache_refresh",
        key=key,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return Cached(value, False, computed_at)
