"""API-key crypto and the hot path of tracking: cached key lookup, rate limit, last use.

A key reads ``pk_<prefix>_<secret>``. The prefix finds the row; the HMAC-SHA256 of the whole key
(keyed with ``PULSE_HMAC_SECRET``) is compared in constant time. Lookups are cached and dropped
on revoke/rotate/delete; rate-limit counters live in the cache (Redis in production).

A tracking request mostly makes no cache round trip: :func:`identify` checks the secret against
what never changes for a key (kept per process), :func:`admit` counts the events against a lease
this process took from the key's rate-limit counter (one Redis command per lease), and the
insert itself checks that the key is neither revoked nor expired.
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
    hashed: str


# What never changes for a prefix while its row exists: (pk, project_id, hashed_key). Kept per
# process so that a tracking request checks the secret without a round trip; whether the key is
# still active (revoked_at, expires_at) is never taken from here but from the database, by the
# statement that stores the events (or from the cache, see is_active()).
_records: dict[str, tuple[int, int, str]] = {}
_RECORDS_MAX = 10_000


def _entry_from_db(prefix: str):
    """The cached form of the key with ``prefix``: (pk, project_id, hashed, revoked, expires_at) or MISSING."""
    from apimetrics.models import ApiKey

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
    return entry


def _entry(prefix: str):
    entry = cache.get(_lookup_key(prefix))
    return _entry_from_db(prefix) if entry is None else entry


def _active(entry, key: KeyInfo, now: float) -> bool:
    if entry == MISSING:
        return False
    pk, _project_id, hashed, revoked, expires_at = entry
    if pk != key.id or not hmac.compare_digest(hashed, key.hashed):
        # The prefix now names another key (the old one deleted, its prefix drawn again).
        _records.pop(key.prefix, None)
        return False
    return not revoked and (expires_at is None or expires_at > now)


def identify(raw: str | None) -> KeyInfo | None:
    """The key that ``raw`` is when its secret is right (HMAC compared in constant time), or None
    for every reason alike. Once this process has seen the key, no I/O: whether the key is still
    active is checked by :func:`admit` (or :func:`is_active`), from the cache or the database."""
    if not raw:
        return None
    raw = raw.strip()
    match = KEY_RE.match(raw)
    if match is None:
        return None
    prefix = match.group(1)
    expected = digest(raw)
    record = _records.get(prefix)
    if record is None or not hmac.compare_digest(record[2], expected):
        # Not seen here, or not this secret: ask the cache (else the database), which also
        # catches a prefix that now names another key (the old one deleted, its prefix drawn again).
        entry = _entry(prefix)
        if entry == MISSING:
            return None
        record = entry[:3]
        if len(_records) >= _RECORDS_MAX:
            _records.clear()
        _records[prefix] = record
        if not hmac.compare_digest(record[2], expected):
            return None
    pk, project_id, hashed = record
    return KeyInfo(id=pk, project_id=project_id, prefix=prefix, hashed=hashed)


def is_active(key: KeyInfo, *, now: float | None = None) -> bool:
    """Whether the key is neither revoked, expired nor deleted (cache, else database)."""
    return _active(_entry(key.prefix), key, now if now is not None else time.time())


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


# INCRBY and, on the window's first count, EXPIRE: one round trip instead of a pipeline of two.
_COUNT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], 120) end
return count
"""
_script = None


def _count(counter: str, events: int) -> int | None:
    """``counter`` once ``events`` are added to it (a counter that expires two minutes after the
    window opened), or None when the cache could not answer."""
    global _script
    backend = caches["default"]
    if _redis_backend():
        from django_redis import get_redis_connection
        from redis.commands.core import Script

        try:
            client = get_redis_connection("default")
            if _script is None:
                _script = Script(client, _COUNT)  # loaded into Redis on first use (EVALSHA)
            return int(_script(keys=[backend.make_key(counter)], args=[events], client=client))
        except Exception:  # Redis unreachable: the caller counts in this process
            return None
    try:
        count = events if backend.add(counter, events, timeout=120) else backend.incr(counter, events)
    except ValueError:  # expired between add and incr
        backend.add(counter, events, timeout=120)
        count = events
    except Exception:
        count = None
    # A cache that swallowed its error (IGNORE_EXCEPTIONS) answers None.
    return count if isinstance(count, int) else None


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


# A process takes events from a key's shared count a lease at a time, this share of the limit
# (600 events of the default 60,000 a minute), and admits them without a round trip until the
# lease is spent. A lease left unspent when the minute ends is counted all the same: the key is
# never admitted more than its limit, and at least its limit less a lease per web process.
LEASE_SHARE = 100
_leases: dict[int, tuple[int, int]] = {}  # key id: (window, events left in the lease)


@dataclass(frozen=True)
class Admission:
    retry_after: int | None = None  # seconds until the window resets when over the limit
    first_in_window: bool = False  # this process's first admission of the key this minute


def admit(key: KeyInfo, events: int, *, now: float | None = None) -> Admission:
    """Whether ``events`` more fit in ``key``'s fixed one-minute window, counted in the cache
    (Redis in production: an atomic INCRBY with expiry) a lease at a time (:data:`LEASE_SHARE`).
    Whether the key is still active is not asked here: the insert checks it (see
    :func:`apimetrics.services.events_record`).

    When the cache is unreachable the limit still holds, counted in this process (so at most
    once per web process), and tracking goes on: never a 500 for a cache outage.
    """
    now = now if now is not None else time.time()
    window = int(now // 60)
    with _local_lock:
        lease_window, left = _leases.get(key.id, (None, 0))
        if lease_window == window and left >= events:
            _leases[key.id] = (window, left - events)
            return Admission()
    first = lease_window != window
    limit = rate_limit_per_minute()
    counter = f"apimetrics:rl:{key.id}:{window}"
    lease = max(events, limit // LEASE_SHARE)
    count = _count(counter, lease)
    if count is None:
        lease = events
        count = _incr_local(counter, window, events)
        first = count == events  # once per key, window and process
        if first:
            log.warning("apimetrics_rate_limit_local_fallback", key_id=key.id)
    available = limit - (count - lease)  # what the limit left before this lease
    if available < events:
        return Admission(retry_after=max(1, int((window + 1) * 60 - now + 0.999)))
    # Kept even when nothing is left (a lease of just these events): the window is known to this
    # process, so its next admission of the key this minute is not taken for the first.
    with _local_lock:
        if len(_leases) >= _RECORDS_MAX:
            _leases.clear()
        _leases[key.id] = (window, min(lease, available) - events)
    return Admission(first_in_window=first)


def touch(key_id: int, when: dt.datetime) -> None:
    """Record that the key was used. Called for the key's first request of each rate-limit
    window, so the row is written at most once a minute per key."""
    from apimetrics.models import ApiKey

    ApiKey.objects.filter(pk=key_id).update(last_used_at=when)
