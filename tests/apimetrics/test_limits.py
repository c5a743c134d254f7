"""The limits of API metrics come from the environment (.env.example lists each with its
default), and the product follows them: events per minute and per request, the rotation grace
period, the retention of new projects."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from apimetrics.models import Project, RequestEvent
from tests.apimetrics.conftest import NOW

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
EVENT = {"method": "GET", "path": "/a", "status_code": 200, "response_time_ms": 1}
# Every limit the README names, with its default as .env.example writes it and a value to set.
LIMITS = {
    "APIMETRICS_RATE_LIMIT_PER_MINUTE": ("60000", "1234"),
    "APIMETRICS_MAX_BATCH": ("1000", "50"),
    "APIMETRICS_KEY_GRACE_HOURS": ("24", "1.5"),
    "APIMETRICS_RETENTION_DAYS": ("90", "30"),
    "DATA_UPLOAD_MAX_MEMORY_SIZE": ("5242880", "1048576"),
    "PULSE_MAX_UPLOAD_BYTES": ("104857600", "2097152"),
    "THROTTLE_AUTH_IP": ("30/min", "7/min"),
    "THROTTLE_AUTH_ACCOUNT": ("10/min", "3/min"),
    "ADMIN_LOGIN_RATE": ("10/min", "4/min"),
}
READ = """
import json, django
django.setup()
from django.conf import settings
rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
values = {name: getattr(settings, name, None) for name in %r}
values.update(THROTTLE_AUTH_IP=rates["auth_ip"], THROTTLE_AUTH_ACCOUNT=rates["auth_account"])
print(json.dumps(values))
"""


def test_env_example_lists_every_limit_with_its_default():
    entries = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert {name: entries.get(name) for name in LIMITS} == {name: default for name, (default, _) in LIMITS.items()}


def test_settings_read_every_limit_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", *LIMITS))}
    env.update({name: value for name, (_, value) in LIMITS.items()}, DJANGO_SETTINGS_MODULE="config.settings")
    code = READ % (list(LIMITS),)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "APIMETRICS_RATE_LIMIT_PER_MINUTE": 1234,
        "APIMETRICS_MAX_BATCH": 50,
        "APIMETRICS_KEY_GRACE_HOURS": 1.5,
        "APIMETRICS_RETENTION_DAYS": 30,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 1048576,
        "PULSE_MAX_UPLOAD_BYTES": 2097152,
        "THROTTLE_AUTH_IP": "7/min",
        "THROTTLE_AUTH_ACCOUNT": "3/min",
        "ADMIN_LOGIN_RATE": "4/min",
    }


@time_machine.travel(NOW, tick=False)
def test_a_request_holds_at_most_the_configured_events(track, project, api_key, settings):
    settings.APIMETRICS_MAX_BATCH = 3
    refused = track([EVENT] * 4, api_key[1])
    assert refused.status_code == 413
    assert refused.json() == {
        "error": {"code": "payload_too_large", "message": "At most 3 events per request (4 sent).", "fields": {}}
    }
    assert track([EVENT] * 3, api_key[1]).json() == {"accepted": 3}
    assert RequestEvent.objects.count() == 3


def test_a_rotated_key_keeps_working_for_the_configured_grace(api_as, owner, project, api_key, track, settings):
    settings.APIMETRICS_KEY_GRACE_HOURS = 2
    with time_machine.travel(NOW, tick=False):
        rotated = api_as(owner).post(f"/api/v1/projects/shop/api-keys/{api_key[0].pk}/rotate", {})
    assert rotated.status_code == 201
    assert rotated.json()["previous_key_expires_at"] == "2026-03-10T14:30:15Z"  # NOW + 2 h
    with time_machine.travel(NOW + dt.timedelta(hours=1, minutes=59), tick=False):
        assert track(EVENT, api_key[1]).status_code == 202
    with time_machine.travel(NOW + dt.timedelta(hours=2, seconds=1), tick=False):
        assert track(EVENT, api_key[1]).status_code == 401


def test_new_projects_keep_raw_events_for_the_configured_days(api_as, owner, workspace, settings):
    settings.APIMETRICS_RETENTION_DAYS = 30
    created = api_as(owner).post("/api/v1/projects/", {"name": "Shop API", "key": "shop"})
    assert created.status_code == 201
    assert created.json()["retention_days"] == 30
    assert Project.objects.create(workspace=workspace, name="Admin-made", key="admin-made").retention_days == 30
    explicit = api_as(owner).post("/api/v1/projects/", {"name": "Long", "key": "long", "retention_days": 365})
    assert explicit.json()["retention_days"] == 365


def test_the_defaults_pass_the_limits_check():
    from apimetrics.checks import limits

    assert limits(None) == []


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("APIMETRICS_RATE_LIMIT_PER_MINUTE", 0, "apimetrics.E001"),
        ("APIMETRICS_MAX_BATCH", 0, "apimetrics.E002"),
        ("APIMETRICS_KEY_GRACE_HOURS", 721.0, "apimetrics.E003"),
        ("APIMETRICS_KEY_GRACE_HOURS", float("nan"), "apimetrics.E003"),
        ("APIMETRICS_RETENTION_DAYS", 7, "apimetrics.E004"),
    ],
)
def test_a_limit_out_of_range_fails_the_system_check(settings, name, value, error):
    from apimetrics.checks import limits

    setattr(settings, name, value)
    assert [problem.id for problem in limits(None)] == [error]
