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

from config import health

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("PULSE_TEST_PORT", "8107"))


def test_liveness(anon_api):
    response = anon_api.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "environment": settings.ENVIRONMENT}


def test_detailed_health_reports_every_check_with_latency(anon_api):
    response = anon_api.get("/health/detailed")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert list(body["checks"]) == ["database", "cache", "redis", "broker", "migrations"]
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


def test_detailed_health_names_the_failing_part(anon_api, monkeypatch):
    def broken():
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.DetailedHealthView.CHECKS, "database", broken)
    response = anon_api.get("/health/detailed")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["status"] == "failing"
    assert body["checks"]["database"]["error"] == "ConnectionError: database is down"
    assert body["checks"]["migrations"]["status"] == "ok"


def test_system_metrics(anon_api):
    response = anon_api.get("/health/metrics")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"cpu", "memory", "disk", "network", "process"}
    assert body["cpu"]["count"] >= 1
    assert 0 < body["memory"]["available"] <= body["memory"]["total"]
    assert body["disk"]["used"] + body["disk"]["free"] <= body["disk"]["total"]
    assert body["process"]["pid"] == os.getpid()
    assert body["process"]["rss"] > 0


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
