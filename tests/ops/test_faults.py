"""Fault tests with real processes on loopback: Redis stopped, PostgreSQL restarted, a Celery
worker killed mid-task. Every server here is private (own ports, own data directory); the
shared PostgreSQL and Redis are never touched.

gunicorn serves Pulse with production settings (DEBUG=0) against a private PostgreSQL cluster
and a private Redis (cache, throttles, broker).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from tests.ops.servers import (
    CeleryWorker,
    Gunicorn,
    PrivatePostgres,
    PrivateRedis,
    free_port,
    manage,
    once_per_suite,
    pulse_env,
    wait_for,
)

pytestmark = [pytest.mark.slow, once_per_suite]

PASSWORD = "fault-test-password-1"


@pytest.fixture(scope="module")
def postgres():
    server = PrivatePostgres()
    server.init()
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def redis_server():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def prod_env(postgres, redis_server, tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    env = pulse_env(database_url=postgres.url, redis_url=f"{redis_server.url}/0", STATIC_ROOT=str(static_root))
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    script = (
        "from accounts.models import User; from accounts import services; p = '" + PASSWORD + "';"
        "u = User.objects.create_user(email='ops@pulse.test', password=p, full_name='Ops', is_verified=True);"
        "services.workspace_create(owner=u, name='Ops', slug='ops', timezone='UTC', currency='EUR');"
        "User.objects.create_user(email='victim@pulse.test', password=p)"
    )
    manage(env, "shell", "-c", script)
    env["PULSE_STATIC_ROOT_FOR_TESTS"] = str(static_root)
    return env


@pytest.fixture(scope="module")
def web(prod_env):
    server = Gunicorn(prod_env, free_port(8104), workers=2)
    yield server
    log = server.stop()
    # gunicorn names the address it binds, once; no other raw address, no password or token
    bind_line = f"Listening at: {server.base} ("
    assert log.count(bind_line) == 1
    others = "\n".join(line for line in log.splitlines() if bind_line not in line)
    for secret in (PASSWORD, "127.0.0.1"):
        assert secret not in others, f"{secret!r} appears in the gunicorn log"


def login(web) -> str:
    status, body = web.post_json("/api/v1/auth/login", {"email": "ops@pulse.test", "password": PASSWORD})
    assert status == 200, body
    return json.loads(body)["access"]


def read_endpoints(web, token: str) -> dict[str, int]:
    return {path: web.get(path, token)[0] for path in ("/api/v1/users/me", "/api/v1/workspaces/", "/health/")}


def test_static_files_are_served_by_whitenoise_with_hashed_names(web, prod_env):
    manifest = json.loads((Path(prod_env["PULSE_STATIC_ROOT_FOR_TESTS"]) / "staticfiles.json").read_text())
    hashed = next(name for name in manifest["paths"].values() if name.endswith(".js"))
    assert re.search(r"\.[0-9a-f]{12}\.js$", hashed)
    status, _ = web.get(f"/static/{hashed}")
    assert status == 200


def test_metrics_sum_every_gunicorn_worker(web):
    token = login(web)
    for _ in range(6):
        web.get("/api/v1/users/me", token)
    status, body = web.get("/metrics")  # from loopback, no token configured: allowed
    assert status == 200
    text = body.decode()
    assert "pulse_active_users" in text
    served = re.findall(
        r'^django_http_requests_total_by_view_transport_method_total\{[^}]*view="api:users-me"[^}]*\} (\S+)', text, re.M
    )
    assert sum(float(v) for v in served) >= 6  # summed over the workers (PROMETHEUS_MULTIPROC_DIR)


def test_redis_outage_degrades_reads_logins_and_throttles_then_recovers(web, redis_server):
    token = login(web)
    assert read_endpoints(web, token) == {"/api/v1/users/me": 200, "/api/v1/workspaces/": 200, "/health/": 200}
    assert web.get("/health/detailed")[0] == 200

    redis_server.stop()
    try:
        started = time.monotonic()
        for _ in range(5):
            assert read_endpoints(web, token) == {"/api/v1/users/me": 200, "/api/v1/workspaces/": 200, "/health/": 200}
        assert time.monotonic() - started < 10, "reads without Redis must not wait on timeouts"
        assert login(web)  # logins still work
        status, body = web.get("/health/detailed")
        assert status == 503
        assert "redis" in json.loads(body)["failing"]

        # the per-account limit (10/min) still holds, counted per process while Redis is down:
        # with two gunicorn workers at most 2 × 10 attempts pass before 429
        statuses = [
            web.post_json("/api/v1/auth/login", {"email": "victim@pulse.test", "password": "wrong"})[0]
            for _ in range(25)
        ]
        assert set(statuses) <= {401, 429}, statuses
        assert 429 in statuses
        assert statuses.count(401) <= 20
    finally:
        redis_server.start()

    wait_for(lambda: web.get("/health/detailed")[0] == 200, timeout=20, what="health to recover")
    assert read_endpoints(web, token) == {"/api/v1/users/me": 200, "/api/v1/workspaces/": 200, "/health/": 200}


def test_requests_succeed_after_a_postgres_restart(web, postgres):
    token = login(web)
    for _ in range(4):  # warm persistent connections in both gunicorn workers
        assert web.get("/api/v1/users/me", token)[0] == 200
    postgres.restart()
    statuses = [web.get("/api/v1/users/me", token)[0] for _ in range(10)]
    assert statuses == [200] * 10
    assert web.get("/health/detailed")[0] == 200


def test_postgres_down_keeps_liveness_answers_503_and_recovers(web, postgres):
    token = login(web)
    for _ in range(4):  # persistent connections in both gunicorn workers
        assert web.get("/api/v1/users/me", token)[0] == 200
    postgres.stop()
    try:
        for _ in range(4):  # both workers, each with its dead connection and then none
            assert web.get("/health/")[0] == 200
            assert web.get("/health/metrics")[0] == 200
            status, body = web.get("/health/detailed")
            assert status == 503
            assert json.loads(body)["failing"] == ["database"]
            status, body = web.get("/api/v1/users/me", token)
            assert status == 503
            assert json.loads(body) == {
                "error": {
                    "code": "service_unavailable",
                    "message": "The database is unavailable. Try again in a moment.",
                    "fields": {},
                }
            }
            status, body = web.post_json("/api/v1/auth/login", {"email": "ops@pulse.test", "password": PASSWORD})
            assert (status, json.loads(body)["error"]["code"]) == (503, "service_unavailable")
            status, body = web.get("/accounts/login/")
            assert status == 503
            assert b"<h1>Pulse is unavailable for a moment</h1>" in body
    finally:
        postgres.start()
    wait_for(lambda: web.get("/health/detailed")[0] == 200, timeout=30, what="readiness after PostgreSQL returned")
    token = login(web)
    assert [web.get("/api/v1/users/me", token)[0] for _ in range(6)] == [200] * 6
    assert web.get("/accounts/login/")[0] == 200


def test_a_worker_killed_mid_task_completes_it_once_after_restart(prod_env, postgres, redis_server):
    postgres.psql(
        "CREATE TABLE IF NOT EXISTS ops_starts (id serial PRIMARY KEY, key text NOT NULL);"
        "CREATE TABLE IF NOT EXISTS ops_effect (key text PRIMARY KEY);"
        "CREATE TABLE IF NOT EXISTS ops_completions (id serial PRIMARY KEY, key text NOT NULL);"
    )
    broker = f"{redis_server.url}/1"
    # A short visibility timeout so that the lost task is delivered again within the test.
    env = {**prod_env, "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker, "CELERY_VISIBILITY_TIMEOUT": "4"}
    env |= {"CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1"}
    key = uuid.uuid4().hex

    def count(table: str) -> int:
        return int(postgres.psql(f"SELECT count(*) FROM {table} WHERE key = '{key}'"))  # noqa: S608 (our own uuid)

    first = CeleryWorker(env, "first")
    try:
        from celery import Celery

        client = Celery(broker=broker)
        client.conf.broker_transport_options = {"visibility_timeout": 4}
        # A bare client knows nothing of Pulse's routes: name the queue a task of no route takes.
        client.send_task("tests.ops.slow_effect", args=[key, 3], queue="maintenance")
        wait_for(lambda: count("ops_starts") == 1, timeout=30, what=f"the task to start\n{first.output()}")
        first.kill()  # mid-task: it sleeps 3 s before writing its effect
    finally:
        first.stop()
    assert (count("ops_effect"), count("ops_completions")) == (0, 0)

    second = CeleryWorker(env, "second")
    try:
        wait_for(lambda: count("ops_completions") == 1, timeout=60, what=f"redelivery\n{second.output()}")
        time.sleep(5)  # longer than the visibility timeout: nothing runs it a third time
    finally:
        second.stop()
    assert (count("ops_starts"), count("ops_effect"), count("ops_completions")) == (2, 1, 1)


def test_tracking_and_reads_survive_a_redis_outage_without_losing_events(web, prod_env, postgres, redis_server):
    """Tracking while Redis is up, stopped and back: every request 202, every accepted event stored;
    API reads of apimetrics and catalog answer 200 from the database meanwhile."""
    manage(prod_env, "seed_catalog")
    script = (
        "from accounts.models import Workspace; from apimetrics import keys, projects;"
        "w = Workspace.objects.get(slug='ops');"
        "p = projects.project_create(workspace=w, name='Fault API', key='fault-api');"
        "print('FAULT-KEY', p.pk, keys.api_key_create(project=p, name='fault', user=None).secret)"
    )
    output = manage(prod_env, "shell", "-c", script)  # other lines (logs) may come before
    _, project_id, secret = next(line for line in output.splitlines() if line.startswith("FAULT-KEY ")).split()
    token = login(web)
    auth = {"Authorization": f"Bearer {token}", "X-Workspace": "ops"}
    reads = (
        "/api/v1/projects/",
        "/api/v1/projects/fault-api/metrics/summary",
        "/api/v1/projects/fault-api/metrics/endpoints",
        "/api/v1/catalog/types",
    )
    accepted, statuses = 0, []

    def track(count: int) -> None:
        nonlocal accepted
        events = [
            {"method": "GET", "path": f"/orders/{n}", "status_code": 200, "response_time_ms": 12.5}
            for n in range(count)
        ]
        body = events[0] if count == 1 else events
        status, answer = web.request(
            "POST",
            "/api/v1/track",
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "X-API-Key": secret},
        )
        statuses.append(status)
        if status == 202:
            assert json.loads(answer) == {"accepted": count}
            accepted += count

    def run_phase() -> dict[str, int]:
        for _ in range(15):
            track(1)
        track(100)
        track(100)
        return {path: web.request("GET", path, headers=auth)[0] for path in reads}

    def stored() -> int:
        return int(postgres.psql(f"SELECT count(*) FROM apimetrics_requestevent WHERE project_id = {int(project_id)}"))  # noqa: S608

    all_200 = dict.fromkeys(reads, 200)
    assert run_phase() == all_200
    redis_server.stop()
    try:
        started = time.monotonic()
        assert run_phase() == all_200
        assert run_phase() == all_200
        assert time.monotonic() - started < 20, "tracking without Redis must not wait on timeouts"
        assert stored() == accepted
    finally:
        redis_server.start()
    wait_for(lambda: web.get("/health/detailed")[0] == 200, timeout=20, what="health to recover")
    assert run_phase() == all_200

    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) <= {202, 429}, statuses
    assert statuses.count(429) == 0  # far below the per-key limit, with or without Redis
    assert accepted == 4 * (15 + 200)
    assert stored() == accepted  # no event lost
