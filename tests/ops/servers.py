"""Private servers for the fault tests: a PostgreSQL cluster, a Redis server, gunicorn and Celery
workers of Pulse, all on loopback and on ports of their own, so that stopping or restarting them
never disturbs the shared PostgreSQL (5432) and Redis (6379) other test runs use."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


# The lock files of the ports this run took: held (and the ports kept) until the run ends.
_taken_ports: list[IO[str]] = []


def free_port(start: int) -> int:
    """A loopback port from ``start`` up that nothing listens on and no other test run took: each
    port taken is locked (``flock``) until the run ends, so two runs at once (CI runs its embedded
    and PostgreSQL passes side by side) never start servers on the same one."""
    for port in range(start, start + 200):
        lock = (Path(tempfile.gettempdir()) / f"pulse-test-port-{port}.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                lock.close()
                continue
        _taken_ports.append(lock)
        return port
    raise RuntimeError(f"no free port from {start}")


# The tests that bring their own servers (a PostgreSQL cluster, a replica, Redis, gunicorn) read
# nothing of the pass's database, so one pass of the suite is enough: by default they run where
# DATABASE_URL is unset (the embedded-default pass of .ci/run); PULSE_FAULT_TESTS=1 forces them,
# PULSE_FAULT_TESTS=0 skips them.
_MODE = os.environ.get("PULSE_FAULT_TESTS", "auto")
once_per_suite = pytest.mark.skipif(
    _MODE == "0" or (_MODE == "auto" and bool(os.environ.get("DATABASE_URL"))),
    reason="tests with servers of their own run once, in the embedded-default pass (PULSE_FAULT_TESTS=1 forces them)",
)


def wait_for(check, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def pg_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivateRedis:
    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = free_port(6390)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: socket.create_connection(("127.0.0.1", self.port), 0.2), timeout=10, what="redis")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


class PrivatePostgres:
    def __init__(self):
        bindir = pg_bindir()
        if bindir is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bindir = bindir
        self.port = free_port(5440)
        self.dir = Path(tempfile.mkdtemp(prefix="pulse-ops-pg-"))
        self.data = self.dir / "data"
        self.sockets = self.dir / "run"
        self.sockets.mkdir()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # PostgreSQL refuses to run as root: its files belong to `postgres`
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sockets, "postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/pulse"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "pulse")

    # Server options beyond the port and sockets; a primary that replicas follow adds its own.
    settings = "-c fsync=off -c full_page_writes=off"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 {self.settings}"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 {self.settings}"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-m", "fast", "-w", "restart"
        )

    def psql(self, sql: str) -> str:
        result = self._run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "pulse", "-Atc", sql
        )
        return result.stdout.strip()

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePrimary(PrivatePostgres):
    """A cluster that streaming replicas can follow: WAL for replicas, senders, and the
    replication line of ``pg_hba.conf`` (loopback, trust)."""

    settings = "-c fsync=off -c wal_level=replica -c max_wal_senders=4 -c wal_keep_size=64MB"

    def init(self) -> None:
        super().init()
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._run("pg_ctl", "-D", str(self.data), "reload")


class PrivateReplica(PrivatePostgres):
    """A hot standby of ``primary``: ``pg_basebackup -R`` (which writes the standby signal and the
    connection to the primary), then started on a port of its own."""

    settings = "-c fsync=off -c hot_standby=on"

    def __init__(self, primary: PrivatePostgres):
        super().__init__()
        self.primary = primary
        self.port = free_port(5440)

    def init(self) -> None:
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        self.start()

    def pause_replay(self) -> None:
        self.psql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.psql("SELECT pg_wal_replay_resume()")


def pulse_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Production settings pointed at the private servers."""
    env = {
        **os.environ,
        "PULSE_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "fault-tests-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser fixture for its own process
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    """Run a management command against the private servers; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=300, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args[:1])} failed:\n{result.stderr.decode(errors='replace')[-3000:]}")
    return result.stdout.decode()


class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int = 2, app: str = "config.wsgi"):
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)}
        self.env.pop("PORT", None)
        self.base = f"http://127.0.0.1:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="pulse-ops-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), app, "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.get("/health/")[0] == 200, timeout=30, what="gunicorn")

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def get(self, path: str, token: str | None = None):
        return self.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})

    def post_json(self, path: str, data: dict):
        import json

        return self.request("POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"})

    def stop(self) -> str:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.log.close()
        text = Path(self.log.name).read_text(errors="replace")
        Path(self.log.name).unlink()
        return text


class CeleryWorker:
    def __init__(self, env: dict, name: str):
        self.log = tempfile.NamedTemporaryFile(prefix="pulse-ops-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-I",
                "tests.ops.tasks",
                "--concurrency=1",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the worker and its pool: a machine dying mid-task."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
