"""Health endpoints, in-process and in a real server process whose Redis is unreachable."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from config import health
from tests.conftest import bearer_client
from tests.ops.servers import free_port

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
PORT = free_port(8107)  # locked for this run: see free_port


PUBLIC = {"REMOTE_ADDR": "93.184.216.34"}  # a public address (TEST-NET ranges count as private)


def test_liveness_touches_no_database(anon_api, django_assert_num_queries):
    with django_assert_num_queries(0):  # not even the request transaction's savepoint
        response = anon_api.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "environment": settings.ENVIRONMENT}


def test_detailed_health_reports_every_check_with_latency(anon_api):
    response = anon_api.get("/health/detailed")  # the test client's address, 127.0.0.1, is internal
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert list(body["checks"]) == ["database", "redis", "cache", "broker", "migrations"]
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert isinstance(check["latency_ms"], int | float)
        assert check["latency_ms"] >= 0
    assert body["checks"]["database"]["vendor"] == connection.vendor
    if settings.REDIS_URL:
        assert body["checks"]["redis"]["configured"] is True
        assert body["checks"]["cache"]["backend"] == "RedisCache"
    else:
        assert body["checks"]["redis"]["configured"] is False
        assert body["checks"]["cache"]["backend"] == "LocMemCache"


def _database_down(monkeypatch):
    def broken():
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.DetailedHealthView.CHECKS, "database", broken)


def test_detailed_health_names_the_failing_part(anon_api, monkeypatch):
    _database_down(monkeypatch)
    response = anon_api.get("/health/detailed")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["status"] == "failing"
    assert body["checks"]["database"]["error"] == "ConnectionError: database is down"
    # It would fail the same way, as slowly: not run.
    assert body["checks"]["migrations"] == {"status": "skipped", "reason": "the database is unreachable"}
    assert body["checks"]["cache"]["status"] == "ok"


def test_anonymous_callers_get_the_status_alone(db, monkeypatch):
    client = APIClient(**PUBLIC)
    assert client.get("/health/detailed").json() == {"status": "ok"}
    assert client.get("/health/metrics").json() == {"status": "ok"}
    _database_down(monkeypatch)
    response = client.get("/health/detailed")
    assert response.status_code == 503
    assert response.json() == {"status": "failing"}  # neither the part nor the error text


def test_staff_get_the_details_from_anywhere(db, staff_user):
    client = bearer_client(staff_user)
    client.defaults.update(PUBLIC)
    assert client.get("/health/detailed").json()["failing"] == []
    assert set(client.get("/health/metrics").json()) == {"cpu", "memory", "disk", "network", "process"}


def test_a_signed_in_non_staff_user_gets_the_status_alone(db, owner):
    client = bearer_client(owner)
    client.defaults.update(PUBLIC)
    assert client.get("/health/detailed").json() == {"status": "ok"}


def test_with_a_metrics_token_only_its_bearer_gets_the_details(db, settings):
    settings.METRICS_TOKEN = "scrape-me-please-0123456789"
    internal = APIClient()  # loopback, but a token is set: the token is needed
    assert internal.get("/health/detailed").json() == {"status": "ok"}
    bearer = APIClient(**PUBLIC, HTTP_AUTHORIZATION="Bearer scrape-me-please-0123456789")
    assert bearer.get("/health/detailed").json()["checks"]["database"]["status"] == "ok"
    assert "process" in bearer.get("/health/metrics").json()
    wrong = APIClient(**PUBLIC, HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.get("/health/detailed").json() == {"status": "ok"}  # no 401 either: the status is public


def test_behind_a_proxy_the_client_address_decides(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    from rest_framework.settings import api_settings

    api_settings.reload()
    try:
        # The proxy's own address is private; the client it forwards for is not.
        proxied = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="93.184.216.34")
        assert proxied.get("/health/detailed").json() == {"status": "ok"}
        inside = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.0.0.7")
        assert "checks" in inside.get("/health/detailed").json()
    finally:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
        api_settings.reload()


def test_system_metrics(anon_api, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon_api.get("/health/metrics")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"cpu", "memory", "disk", "network", "process"}
    assert body["cpu"]["count"] >= 1
    assert 0 < body["memory"]["available"] <= body["memory"]["total"]
    assert body["disk"]["used"] + body["disk"]["free"] <= body["disk"]["total"]
    assert body["process"]["pid"] == os.getpid()
    assert body["process"]["rss"] > 0


# --- a Redis that accepts connections and never answers ---------------------------------------


@pytest.fixture
def silent_redis():
    """``redis://`` URLs of sockets that accept connections and never answer: each probe waits
    for its read timeout (a dead host would make it wait for the connect timeout instead)."""
    sockets = []

    def make() -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        sockets.append(server)
        return f"redis://127.0.0.1:{server.getsockname()[1]}/0"

    yield make
    for server in sockets:
        server.close()


def _timed_readiness(client) -> tuple[float, dict]:
    started = time.monotonic()
    response = client.get("/health/detailed")
    assert response.status_code == 503
    return time.monotonic() - started, response.json()


@pytest.mark.parametrize("timeout", [0.2, 0.4])
def test_a_silent_redis_answers_within_its_timeouts(anon_api, settings, silent_redis, timeout):
    url = silent_redis()
    settings.HEALTH_CHECK_TIMEOUT = timeout
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url.replace("/0", "/1")  # the same server: probed once
    settings.CELERY_TASK_ALWAYS_EAGER = False
    elapsed, body = _timed_readiness(anon_api)
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"]["error"].startswith("TimeoutError")
    assert body["checks"]["broker"] == {"status": "skipped", "reason": "Redis is unreachable"}
    # One probe waited for its timeout; redis-py's default retries would have waited seconds.
    assert timeout <= elapsed < timeout * 2 + 0.5


def test_a_silent_broker_on_another_server_is_probed_with_the_same_timeout(anon_api, settings, silent_redis):
    settings.HEALTH_CHECK_TIMEOUT = 0.2
    settings.REDIS_URL = silent_redis()
    settings.CELERY_BROKER_URL = silent_redis()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    elapsed, body = _timed_readiness(anon_api)
    assert body["failing"] == ["redis", "broker"]
    assert 2 * 0.2 <= elapsed < 3 * 0.2 + 0.5


def test_redis_info_needs_a_login(anon_api):
    assert anon_api.get("/health/redis-info").status_code == 401


def test_redis_info_is_staff_only(api_as, owner):
    assert api_as(owner).get("/health/redis-info").status_code == 403


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="a Redis is configured in this run")
def test_redis_info_without_redis_is_503(api_as, staff_user):
    response = api_as(staff_user).get("/health/redis-info")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "redis_not_configured", "message": "No Redis is configured (REDIS_URL).", "fields": {}}
    }


@pytest.mark.skipif(not settings.REDIS_URL, reason="no Redis in the embedded run")
def test_redis_info_with_redis(api_as, staff_user):
    response = api_as(staff_user).get("/health/redis-info")
    assert response.status_code == 200
    body = response.json()
    assert body["version"].count(".") == 2
    assert body["connected_clients"] >= 1
    assert set(body) == {
        "version",
        "used_memory",
        "used_memory_human",
        "connected_clients",
        "ops_per_sec",
        "keyspace_hits",
        "keyspace_misses",
        "hit_rate",
        "uptime_seconds",
    }


# --- a real server whose Redis is unreachable -------------------------------------------------


def _request(path, *, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def _wait_for_port(process, deadline_s=60):
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the server did not start")


@pytest.fixture
def server_without_redis(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_SETTINGS", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PULSE_ENV="development",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'pulse.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        DJANGO_SUPERUSER_PASSWORD="a-long-enough-pass",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    for command in (["migrate", "--noinput"], ["createsuperuser", "--noinput", "--email", "staff@pulse.test"]):
        subprocess.run([*manage, *command], env=env, cwd=BASE_DIR, check=True, capture_output=True, timeout=300)  # noqa: S603
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [*manage, "runserver", f"127.0.0.1:{PORT}", "--noreload", "--nothreading"],
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_port(process)
            yield log_path
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.slow
def test_redis_unreachable_fails_readiness_and_nothing_else(server_without_redis):
    status, _, body = _request("/health/detailed")
    assert status == 503
    assert body["status"] == "failing"
    assert "redis" in body["failing"]
    # The broker is the same Redis; the rest stands.
    assert set(body["failing"]) <= {"redis", "cache", "broker"}
    assert body["checks"]["redis"]["status"] == "failing"
    assert "ConnectionError" in body["checks"]["redis"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"

    assert _request("/health/")[0] == 200
    assert _request("/health/metrics")[0] == 200

    # Logging in and using the API still work (the cache degrades to no caching).
    status, _, tokens = _request(
        "/api/v1/auth/login", method="POST", body={"email": "staff@pulse.test", "password": "a-long-enough-pass"}
    )
    assert status == 200, tokens
    auth = {"Authorization": f"Bearer {tokens['access']}"}
    status, headers, me = _request("/api/v1/users/me", headers={**auth, "X-Request-ID": "redis-down-check-1"})
    assert status == 200
    assert me["email"] == "staff@pulse.test"
    assert headers["X-Request-ID"] == "redis-down-check-1"

    status, _, info = _request("/health/redis-info", headers=auth)
    assert status == 503
    assert info["error"]["code"] == "redis_unavailable"

    # JSON logs (LOG_FORMAT=json): the request line carries the request id and its context.
    time.sleep(0.3)
    lines = [json.loads(line) for line in server_without_redis.read_text().splitlines() if line.startswith("{")]
    request_lines = [
        line for line in lines if line.get("request_id") == "redis-down-check-1" and line.get("event") == "request"
    ]
    assert len(request_lines) == 1
    line = request_lines[0]
    assert (line["method"], line["path"], line["status"], line["level"]) == ("GET", "/api/v1/users/me", 200, "info")
    assert line["user_id"] is not None
    assert isinstance(line["duration_ms"], int | float)
    assert "a-long-enough-pass" not in server_without_redis.read_text()
    assert tokens["access"] not in server_without_redis.read_text()
