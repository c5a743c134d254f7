"""Tracking with the cache (Redis) unreachable: events are stored, the per-key limit holds per
process, never a 500 (regression: the swallowed cache error came back as None and broke the
limit's comparison)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache

from apimetrics import keys, ratelimit
from apimetrics.models import RequestEvent

pytestmark = pytest.mark.django_db

EVENT = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
NOW_31 = dt.datetime(2026, 3, 10, 12, 31, 1, tzinfo=dt.UTC)
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def dead_cache(backend: str) -> dict:
    options = {"CLIENT_CLASS": "django_redis.client.DefaultClient", "IGNORE_EXCEPTIONS": True}
    options |= {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
    return {"default": {"BACKEND": backend, "LOCATION": DEAD_REDIS, "OPTIONS": options}}


@pytest.fixture(
    params=["django_redis.cache.RedisCache", "django_prometheus.cache.backends.redis.RedisCache"],
    ids=["django-redis", "prometheus"],
)
def redis_down(request, settings):
    settings.CACHES = dead_cache(request.param)
    ratelimit._local_counts.clear()
    yield
    ratelimit._local_counts.clear()


def test_tracking_stores_events_with_redis_down(redis_down, track, project, api_key):
    assert track(EVENT, api_key[1]).status_code == 202
    response = track([EVENT] * 100, api_key[1])
    assert response.status_code == 202
    assert response.json() == {"accepted": 100}
    assert RequestEvent.objects.filter(project=project).count() == 101


def test_the_rate_limit_falls_back_to_a_local_count(redis_down, track, project, api_key, settings):
    settings.APIMETRICS_RATE_LIMIT_PER_MINUTE = 5
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 30, 40, tzinfo=dt.UTC), tick=False):
        assert track([EVENT] * 3, api_key[1]).status_code == 202
        limited = track([EVENT] * 3, api_key[1])
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "20"
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 31, 1, tzinfo=dt.UTC), tick=False):
        assert track([EVENT] * 5, api_key[1]).status_code == 202  # a new window, old counts dropped
        assert list(ratelimit._local_counts) == [f"apimetrics:rl:{api_key[0].pk}:{int(NOW_31.timestamp() // 60)}"]
    assert RequestEvent.objects.filter(project=project).count() == 8


class SwallowingCache(LocMemCache):
    """A backend that ignores its errors the django-redis way: None for every call."""

    def add(self, *args, **kwargs):
        return None

    def incr(self, *args, **kwargs):
        return None


def test_a_cache_that_swallows_errors_is_not_taken_for_a_count(settings, api_key):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.SwallowingCache"}}
    ratelimit._local_counts.clear()
    key = keys.identify(api_key[1])
    assert ratelimit.admit(key, 2, now=NOW_31.timestamp()) == ratelimit.Admission(first_in_window=True)
    assert ratelimit._local_counts == {f"apimetrics:rl:{api_key[0].pk}:{int(NOW_31.timestamp() // 60)}": 2}
    ratelimit._local_counts.clear()
