"""Settings: every variable settings.py reads is listed in .env.example, and production
settings fail fast without their required values."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
READS = re.compile(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"')


def _example_names() -> set[str]:
    """Names of ``NAME=value`` lines, and of ``# NAME=example`` ones (optional, left at their default)."""
    lines = (BASE_DIR / ".env.example").read_text().splitlines()
    return {match[1] for line in lines if (match := re.match(r"#?\s*([A-Z][A-Z0-9_]*)=", line.strip()))}


def test_env_example_lists_every_variable_settings_reads():
    read = set(READS.findall((BASE_DIR / "config" / "settings.py").read_text()))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT"} <= read
    assert sorted(read - _example_names()) == []


def _run_settings(**overrides) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PYTEST"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "0",
    "PULSE_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "pulse.example.com",
    "DATABASE_URL": "sqlite:////tmp/pulse-settings-test.sqlite3",
}


def test_production_settings_load_with_their_required_values():
    result = _run_settings(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_settings_fail_fast_without_required_values(missing):
    values = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _run_settings(**values)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_embedded_default_needs_nothing():
    result = _run_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
