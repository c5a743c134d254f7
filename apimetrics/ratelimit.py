"""The per-key rate limit of tracking: how many events a key may send each minute.

Counted in the cache (Redis in production: an atomic INCRBY with expiry) a lease at a time, so
that a tracking request mostly makes no round trip for it; counted in this process while the
cache is unreachable.
"""

import threading
import time
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.cache import caches

from apimetrics.keys import RECORDS_MAX, KeyInfo

log = structlog.get_logger(__name__)


def rate_limit_per_minute() -> int:
    return settings.APIMETRICS_RATE_LIMIT_PER_MINUTE


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
    a lease at a time (:data:`LEASE_SHARE`). Whether the key is still active is not asked here:
    the insert checks it (see :func:`apimetrics.recording.events_record`).

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
        if len(_leases) >= RECORDS_MAX:
            _leases.clear()
        _leases[key.id] = (window, min(lease, available) - events)
    return Admission(first_in_window=first)
