import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_cors_is_off_by_default(client):
    response = client.options(
        "/api/v1/users/me", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.django_db
def test_cors_answers_only_allowed_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    allowed = client.options(
        "/api/v1/users/me", HTTP_ORIGIN="https://app.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = client.get("/health/", HTTP_ORIGIN="https://evil.example")
    assert "access-control-allow-origin" not in other.headers


def _check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        # without the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly flags
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "0",
        "PULSE_ENV": "production",
        "SECRET_KEY": "a-long-random-production-key-" + "Zq8" * 20,
        "ALLOWED_HOSTS": "pulse.example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        **overrides,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={name: value for name, value in env.items() if value},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _check_deploy()
    assert result.returncode == 0, result.stderr


def test_check_deploy_warns_of_a_per_process_cache_without_redis():
    result = _check_deploy(REDIS_URL="")
    assert result.returncode == 1
    assert "(pulse.W001) The cache is each process's own memory (REDIS_URL is not set)" in result.stderr
