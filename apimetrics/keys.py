"""API-key crypto and the hot path of tracking: cached key lookup, rate limit, last use.

A key reads ``pk_<prefix>_<secret>``. The prefix finds the row; the HMAC-SHA256 of the whole key
(keyed with ``PULSE_HMAC_SECRET``) is compared in constant time. Lookups are cached and dropped
on revoke/rotate/delete; counters and "last used" marks live in the cache (Redis in production).
"""

import datetime as dt
import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction

KEY_RE = re.compile(r"^pk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")
LOOKUP_TIMEOUT = 300
MISSING = "missing"

log = structlog.get_logger(__name__)


def compose(prefix: str, secret: str) -> str:
    return f"pk_{prefix}_{secret}"


def digest(full_key: str) -> str:
    return hmac.new(settings.PULSE_HMAC_SECRET.encode(), full_key.encode(), hashlib.sha256).hexdigest()


def hash_ip(ip: str) -> str:
    """A keyed hash of an IP address: stable for counting unique clients, useless to reverse."""
    return hmac.new(settings.PULSE_HMAC_SECRET.encode(), b"ip:" + ip.encode(), hashlib.sha256).hexdigest()


def _lookup_key(prefix: str) -> str:
    return f"apimetrics:key:{prefix}"


@dataclass(frozen=True)
class KeyInfo:
    id: int
    project_id: int
    prefix: str


def authenticate(raw: str | None, *, now: float | None = None) -> KeyInfo | None:
    """The active key matching ``raw``, or None (for every reason alike)."""
    from apimetrics.models import ApiKey

    if not raw:
        return None
    match = KEY_RE.match(raw.strip())
    if match is None:
        return None
    prefix = match.group(1)
    entry = cache.get(_lookup_key(prefix))
    if entry is None:
        row = (
            ApiKey.objects.filter(prefix=prefix)
            .values_list("pk", "project_id", "hashed_key", "revoked_at", "expires_at")
            .first()
        )
        if row is None:
            entry = MISSING
        else:
            pk, project_id, hashed, revoked_at, expires_at = row
            entry = (pk, project_id, hashed, revoked_at is not None, expires_at.timestamp() if expires_at else None)
        cache.set(_lookup_key(prefix), entry, timeout=LOOKUP_TIMEOUT if entry != MISSING else 30)
    if entry == MISSING:
        return None
    pk, project_id, hashed, revoked, expires_at = entry
    if not hmac.compare_digest(hashed, digest(raw.strip())):
        return None
    if revoked or (expires_at is not None and expires_at <= (now if now is not None else time.time())):
        return None
    return KeyInfo(id=pk, project_id=project_id, prefix=prefix)


def forget(prefix: str) -> None:
    """Drop a cached lookup once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.delete(_lookup_key(prefix)))


def rate_limit_per_minute() -> int:
    return int(getattr(settings, "APIMETRICS_RATE_LIMIT_PER_MINUTE", 60_000))


def _redis_backend() -> bool:
    """True when the default cache is django-redis (django-prometheus' counting backend included)."""
    try:
        from django_redis.cache import RedisCache
    except ImportError:  # pragma: no cover - django-redis is a base requirement
        return False
    return isinstance(caches["default"], RedisCache)


def _incr_window(key: str, events: int) -> int:
    """Add ``events`` to a counter that expires: one pipelined round trip on Redis.

    Raises when the cache cannot count (Redis unreachable), so that the caller falls back."""
    if _redis_backend():
        from django_redis import get_redis_connection

        pipe = get_redis_connection("default").pipeline(transaction=False)
        name = cache.make_key(key)
        pipe.incrby(name, events)
        pipe.expire(name, 120)
        return int(pipe.execute()[0])
    try:
        count = events if cache.add(key, events, timeout=120) else cache.incr(key, events)
    except ValueError:  # expired between add and incr
        cache.add(key, events, timeout=120)
        count = events
    if not isinstance(count, int):  # a cache that swallowed its error (IGNORE_EXCEPTIONS) answers None
        raise ConnectionError("the cache did not count")
    return count


_local_lock = threading.Lock()
_local_counts: dict[str, int] = {}


def _incr_local(key: str, window: int, events: int) -> int:
    """The fallback counter while the cache is unreachable: per process, current window only."""
    suffix = f":{window}"
    with _local_lock:
        for stale in [k for k in _local_counts if not k.endswith(suffix)]:
            del _local_counts[stale]
        _local_counts[key] = _local_counts.get(key, 0) + events
        return _local_counts[key]


@dataclass(frozen=True)
class RateDecision:
    retry_after: int | None  # seconds until the window resets when refused
    first_in_window: bool  # the key's first request this minute


def rate_limit_hit(key_id: int, events: int, *, now: float | None = None) -> RateDecision:
    """Count ``events`` against the key's fixed one-minute window (an atomic INCRBY with expiry).

    When the cache is unreachable the limit still holds, counted in this process (so at most
    once per web process), and tracking goes on: never a 500 for a cache outage.
    """
    now = now if now is not None else time.time()
    window = int(now // 60)
    key = f"apimetrics:rl:{key_id}:{window}"
    try:
        count = _incr_window(key, events)
    except Exception:
        count = _incr_local(key, window, events)
        if count == events:  # once per key, window and process
            log.warning("apimetrics_rate_limit_local_fallback", key_id=key_id)
    if count > rate_limit_per_minute():
        return RateDecision(max(1, int((window + 1) * 60 - now + 0.999)), count == events)
    return RateDecision(None, count == events)


def touch(key_id: int, when: dt.datetime) -> None:
    """Record that the key was used. Called for the key's first request of each rate-limit
    window, so the row is written at most once a minute per key."""
    from apimetrics.models import ApiKey

    ApiKey.objects.filter(pk=key_id).update(last_used_at=when)
