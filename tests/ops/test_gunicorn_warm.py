"""gunicorn stays warm (config/gunicorn.py): the application is preloaded in the master, workers
are recycled only past a high, jittered limit, and each worker opens its own database connection
after the fork, before its first request. Checked on a real gunicorn with a private PostgreSQL."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.servers import Gunicorn, PrivatePostgres, free_port, pulse_env, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _config(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER", "GUNICORN_PRELOAD", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    return runpy.run_path(str(ROOT / "config" / "gunicorn.py"))


def test_the_config_preloads_and_recycles_only_past_a_high_jittered_limit(monkeypatch):
    config = _config(monkeypatch)
    assert (config["preload_app"], config["max_requests"], config["max_requests_jitter"]) == (True, 100_000, 10_000)
    for hook in ("when_ready", "pre_fork", "post_worker_init"):
        assert callable(config[hook]), hook


def test_the_limits_and_the_preload_come_from_the_environment(monkeypatch):
    config = _config(monkeypatch, GUNICORN_MAX_REQUESTS="500", GUNICORN_PRELOAD="0")
    assert (config["preload_app"], config["max_requests"], config["max_requests_jitter"]) == (False, 500, 50)
    config = _config(monkeypatch, GUNICORN_MAX_REQUESTS_JITTER="7")
    assert config["max_requests_jitter"] == 7


def _sockets_to(port: int) -> set[int]:
    """Inodes of the TCP sockets connected to ``port`` on loopback."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _workers(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


@pytest.mark.slow
def test_workers_answer_each_on_a_connection_of_its_own_opened_after_the_fork(tmp_path):
    postgres = PrivatePostgres()
    postgres.init()
    env = pulse_env(database_url=postgres.url, redis_url="", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    web = Gunicorn(env, free_port(8170), workers=2, app="tests.ops.wsgi_touching_db:application")
    try:
        master = web.process.pid
        workers = wait_for(lambda: len(_workers(master)) == 2 and _workers(master), timeout=30, what="2 workers")
        # Each worker connects in post_worker_init, before it takes a request.
        to_postgres = wait_for(
            lambda: (
                all(_socket_inodes(pid) & _sockets_to(postgres.port) for pid in workers) and _sockets_to(postgres.port)
            ),
            timeout=30,
            what="a database connection in each worker",
        )
        owned = {pid: _socket_inodes(pid) & to_postgres for pid in [master, *workers]}
        assert owned[master] == set()  # the master's preload connection was closed before the fork
        first, second = (owned[pid] for pid in workers)
        assert first
        assert second
        assert first.isdisjoint(second)
        assert int(postgres.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'pulse'")) == 2 + 1
        for _ in range(6):
            assert web.get("/health/")[0] == 200
        assert _workers(master) == workers  # none was recycled or died
    finally:
        log = web.stop()
        postgres.destroy()
    assert "Traceback" not in log, log[-3000:]


# Run in a fresh interpreter: the master's preload and warm-up, then one API request (a bearer
# token that does not verify: no database needed) with every module import and every build of a
# URL name table counted.
_FIRST_REQUEST = """
import io, json, runpy, sys
from config.wsgi import application
runpy.run_path("config/gunicorn.py")["_warm_imports"]()
from django.urls.resolvers import URLResolver
populated = []
populate = URLResolver._populate
URLResolver._populate = lambda self: (populated.append(repr(self)), populate(self))[1]
before = set(sys.modules)
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/v1/ecommerce/kpis", "QUERY_STRING": "",
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(),
           "wsgi.url_scheme": "http", "HTTP_AUTHORIZATION": "Bearer not.a.token", "HTTP_X_WORKSPACE": "acme"}
statuses = []
b"".join(application(environ, lambda status, headers: statuses.append(status)))
print(json.dumps({"status": statuses[0], "imported": sorted(set(sys.modules) - before), "populated": populated}))
"""


def test_a_fresh_workers_first_request_imports_nothing_and_builds_no_url_table():
    env = pulse_env(database_url="sqlite:///:memory:", redis_url="", WEB_CONCURRENCY="1")
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_REQUEST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first = json.loads(result.stdout.strip().splitlines()[-1])
    assert first == {"status": "401 Unauthorized", "imported": [], "populated": []}
