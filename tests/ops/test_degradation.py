"""Unit-level degradation: throttles without Redis, tasks without a broker, the admin login limit."""

import kombu.exceptions
import pytest

from config import queue
from config.throttling import resilient_cache
from tests.factories import PASSWORD
from tests.ops import tasks

pytestmark = pytest.mark.django_db


class DeadClient:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("redis is down")

        return fail


@pytest.fixture
def redis_down(monkeypatch):
    monkeypatch.setattr(type(resilient_cache), "_primary", lambda self: DeadClient())


def test_login_throttle_still_limits_when_the_cache_is_unreachable(redis_down, anon_api, owner, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK}
    statuses = [
        anon_api.post("/api/v1/auth/login", {"email": owner.email, "password": "wrong"}, format="json").status_code
        for _ in range(12)
    ]
    # auth_account is 10/min: ten refusals, then the local fallback count throttles
    assert statuses == [401] * 10 + [429] * 2
    assert resilient_cache.degraded


def test_resilient_cache_uses_redis_again_after_the_fallback_window(monkeypatch):
    calls = []

    class Flaky:
        def get(self, key, default=None):
            calls.append(key)
            raise ConnectionError("down")

    monkeypatch.setattr(type(resilient_cache), "_primary", lambda self: Flaky())
    now = [100.0]
    monkeypatch.setattr("config.throttling.time.monotonic", lambda: now[0])
    assert resilient_cache.get("k", "d") == "d"
    assert resilient_cache.get("k", "d") == "d"
    assert calls == ["k"]  # the second call did not wait on Redis
    now[0] += 6
    resilient_cache.get("k", "d")
    assert calls == ["k", "k"]


def test_enqueue_runs_the_task_inline_when_the_broker_is_down(monkeypatch, settings):
    def refuse(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to broker. Connection refused.")

    monkeypatch.setattr(tasks.add, "apply_async", refuse)
    task_id = queue.enqueue(tasks.add, 4, 5)
    assert tasks.CALLS == [("add", 4, 5)]
    assert len(task_id) == 32


def test_admin_login_posts_are_throttled_per_address(client, staff_user, settings):
    for n in range(10):
        response = client.post("/admin/login/", {"username": f"guess{n}@pulse.test", "password": "nope"})
        assert response.status_code == 200  # the form again, with its error
    throttled = client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    # another address is not affected
    other = client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302


def test_admin_login_posts_from_one_ipv6_network_share_their_count(client, staff_user):
    for n in range(10):
        guess = {"username": f"guess{n}@pulse.test", "password": "nope"}
        response = client.post("/admin/login/", guess, REMOTE_ADDR=f"2001:db8:9::{n + 1}")
        assert response.status_code == 200
    same_network = client.post(
        "/admin/login/", {"username": staff_user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:9:0:1:2:3:4"
    )
    assert same_network.status_code == 429
    other_network = client.post(
        "/admin/login/", {"username": staff_user.email, "password": PASSWORD}, REMOTE_ADDR="2001:db8:a::1"
    )
    assert other_network.status_code == 302


def test_admin_login_posts_are_throttled_per_account_from_any_address(client, staff_user):
    """Guessing one staff account's password from many addresses: the account's counter (shared
    with the API's and the HTML form's logins) stops it at 10 a minute."""
    for n in range(10):
        guess = client.post(
            "/admin/login/", {"username": staff_user.email, "password": "nope"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
        assert guess.status_code == 200
    right = client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.1.1")
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    api = client.post(
        "/api/v1/auth/login",
        {"email": staff_user.email, "password": PASSWORD},
        "application/json",
        REMOTE_ADDR="10.0.1.2",
    )
    assert api.status_code == 429


def test_admin_login_is_throttled_even_without_redis(redis_down, client, staff_user):
    codes = [
        client.post("/admin/login/", {"username": staff_user.email, "password": "x"}).status_code for _ in range(11)
    ]
    assert codes == [200] * 10 + [429]
