"""`.venv/bin/honcho start`, as the README says: honcho does not activate the virtualenv, so the
Procfile's commands must find gunicorn and celery in it themselves, and web must bind loopback
as documented, not the 0.0.0.0:$PORT honcho's PORT would give it."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ops.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# What a shell that never activated the virtualenv has on its PATH.
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"
QUEUES = ("ingest", "imports", "reports", "maintenance")


def _processes() -> dict[str, str]:
    """The Procfile as honcho reads it: ``name: command`` lines, comments left out."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(match.groups() for line in lines if (match := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)))


def _bare_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONHOME"}}
    return {**env, "PATH": BARE_PATH, **extra}


@pytest.mark.skipif(not VENV_BIN.is_dir(), reason="no .venv in the project (make install creates it)")
@pytest.mark.parametrize(
    ("name", "program"),
    [("web", "gunicorn"), *((f"worker-{queue}", "celery") for queue in QUEUES), ("beat", "celery")],
)
def test_each_command_resolves_from_the_virtualenv(name, program):
    command = _processes()[name]
    *setup, last = command.split(";")
    assert last.split()[:2] == ["exec", program]
    probe = ";".join([*setup, f" command -v {program}"])
    result = subprocess.run(
        ["/bin/sh", "-c", probe], cwd=ROOT, env=_bare_environment(PORT="5000"), capture_output=True, text=True
    )
    assert result.returncode == 0, f"{program} not found from {command!r}: {result.stderr}"
    assert Path(result.stdout.strip()) == ROOT / ".venv" / "bin" / program


@pytest.mark.parametrize("queue", QUEUES)
def test_one_worker_per_queue_with_its_own_name_and_concurrency(queue):
    command = _processes()[f"worker-{queue}"]
    assert f" -Q {queue} " in command
    assert f" -n {queue}@%h " in command  # two workers on one host must not share a node name
    assert f"--concurrency=${{WORKER_{queue.upper()}_CONCURRENCY:-" in command


def test_web_binds_loopback_8000_whatever_port_honcho_sets():
    *setup, _ = _processes()["web"].split(";")
    code = "import runpy; print(runpy.run_path('config/gunicorn.py')['bind'])"
    probe = ";".join([*setup, f' "{sys.executable}" -c "{code}"'])
    env = _bare_environment(PORT="5000", WEB_CONCURRENCY="1")
    env.pop("GUNICORN_BIND", None)
    result = subprocess.run(["/bin/sh", "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "['127.0.0.1:8000']", result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not (VENV_BIN / "honcho").exists(), reason="honcho is not installed in .venv")
def test_honcho_starts_web_from_the_virtualenv(tmp_path):
    port = free_port(8160)
    env = _bare_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'honcho.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        PULSE_ENV="development",
        LOG_FORMAT="console",
    )
    for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        honcho = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "start", "web"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: _status(f"http://127.0.0.1:{port}/health/") == 200, timeout=60, what=log.read_text())
        finally:
            os.killpg(honcho.pid, signal.SIGTERM)
            honcho.wait(30)
    time.sleep(0.1)
    output = log.read_text()
    assert "gunicorn: not found" not in output
    # gunicorn's log names the address it really listens at (addresses are otherwise redacted).
    assert f"Listening at: http://127.0.0.1:{port}" in output


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status
