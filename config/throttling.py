"""Rate limits that hold when Redis does not.

DRF throttles count in the cache. With Redis unreachable, django-redis (``IGNORE_EXCEPTIONS``)
would answer every read with "nothing" and drop every write, so a throttle would never fire:
a brute-force attempt would go unlimited exactly when the system is degraded. The cache below
goes to Redis directly (bypassing ``IGNORE_EXCEPTIONS`` so that a failure is seen), and on a
failure counts in this process's memory instead, for ``FALLBACK_SECONDS`` before it tries Redis
again. The limits then hold per process: with N web processes a client may get N times the
rate, still bounded, until Redis is back.

Every throttle of the project subclasses :class:`ResilientRateThrottle` (or uses
:data:`resilient_cache` for hand-made counters).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import Any

import structlog
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from config import metrics

log = structlog.get_logger("pulse.cache")

FALLBACK_SECONDS = 5.0


class ResilientCache:
    """The methods throttles use (get, set, add, incr, delete), with a local fallback."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self.local = LocMemCache("pulse-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _primary(self) -> object:
        cache = caches[self.alias]
        # django-redis: its client raises instead of swallowing the error.
        return getattr(cache, "client", None) if hasattr(cache, "_ignore_exceptions") else cache

    @property
    def degraded(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, operation: str, *args: object) -> Any:  # what the cache stored
        if not self.degraded:
            try:
                return getattr(self._primary(), operation)(*args)
            except Exception as exc:  # any Redis/connection failure
                with self._lock:
                    if not self.degraded:
                        log.warning("cache_unavailable_local_fallback", operation=operation, error=type(exc).__name__)
                    self._down_until = time.monotonic() + FALLBACK_SECONDS
        metrics.record_cache_fallback(operation=operation)
        return getattr(self.local, operation)(*args)

    def get(self, key: str, default: object = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: object, timeout: float | None = None) -> None:
        self._call("set", key, value, timeout)

    def add(self, key: str, value: object, timeout: float | None = None) -> bool:
        return bool(self._call("add", key, value, timeout))

    def incr(self, key: str, delta: int = 1) -> int:
        return int(self._call("incr", key, delta))

    def delete(self, key: str) -> bool:
        return bool(self._call("delete", key))

    def reset(self) -> None:
        """Forget the fallback state (tests)."""
        self._down_until = 0.0
        self.local.clear()


resilient_cache = ResilientCache()


def client_network(address: str) -> str:
    """What a per-address limit counts: an IPv4 address as it is, an IPv6 address as its /64
    network. An IPv6 subscriber is given a whole /64 and can take a new address from it for each
    request, so counting single addresses would not limit it at all."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a proxy's odd header): counted as it is
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_ident(request: HttpRequest | Request) -> str:
    """The client's :func:`client_network`, its address found as DRF throttles find it
    (``NUM_PROXIES`` deep in X-Forwarded-For)."""
    # get_ident reads META alone, which a Django request has too (the stubs ask for DRF's).
    return client_network(BaseThrottle().get_ident(request))  # type: ignore[arg-type]


class ResilientRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle counting in :data:`resilient_cache`, per client network
    (:func:`client_ident`) where it counts per address."""

    # The throttle reads and writes through get and set only; the stubs ask for a whole BaseCache.
    cache = resilient_cache  # type: ignore[assignment]

    def get_ident(self, request: Request) -> str:
        return client_ident(request)
