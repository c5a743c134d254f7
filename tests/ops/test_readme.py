"""What a newcomer needs in the first hour, as the README says it and the Makefile does it."""

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
QUICK_START = README.split("\n## ", 1)[0]


def _make(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAKEFLAGS", "PORT"}}
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
    )


def test_the_quick_start_says_how_to_change_the_port_reset_and_use_postgresql():
    assert "make demo PORT=8001" in QUICK_START
    assert "make demo-reset" in QUICK_START
    assert "createdb -h 127.0.0.1 -U postgres pulse" in QUICK_START
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse" in QUICK_START
    assert re.search(r"`make worker` and `make beat`[^.]*need Redis", QUICK_START)
    assert re.search(r"`DEBUG=0`, `SECURE_SSL_REDIRECT` is on unless\s+set", QUICK_START)
    assert "SECURE_SSL_REDIRECT=0" in QUICK_START


def test_benchmark_figures_live_under_performance():
    before, performance = README.split("\n## Performance\n", 1)
    for internal in ("plain `COPY`", "2-core machine", "CPU time", "524,877 lines, 64 MiB"):
        assert internal not in before, internal
        assert internal in performance, internal


def test_make_demo_serves_on_the_port_given():
    result = _make("demo", "PORT=8001")
    assert result.returncode == 0, result.stderr
    assert "manage.py runserver 127.0.0.1:8001" in result.stdout
    assert "PULSE_BASE_URL=http://127.0.0.1:8001" in result.stdout
    assert "manage.py runserver 127.0.0.1:8000" in _make("run").stdout


def test_make_demo_reset_refuses_a_configured_database():
    result = subprocess.run(
        ["make", "--no-print-directory", "demo-reset"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/pulse"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DATABASE_URL is set: drop and create that database instead" in result.stdout
    assert "rm -rf db.sqlite3 media" in _make("demo-reset").stdout
