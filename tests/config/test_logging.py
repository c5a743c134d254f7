"""Request ids on every log line of a request, and no secret in any log line."""

import io
import json
import logging
import re

import pytest
import structlog
from django.core import mail
from django.test import Client

from config.logging import SHARED_PROCESSORS

pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def log_lines():
    """Every record (structlog's and the standard library's) as a parsed JSON object."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=SHARED_PROCESSORS,
        )
    )
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    read.text = stream.getvalue
    yield read
    root.removeHandler(handler)
    root.setLevel(previous_level)


def test_an_incoming_request_id_is_echoed(anon_api):
    response = anon_api.get("/health/", HTTP_X_REQUEST_ID="client-id.42:a_b-c")
    assert response["X-Request-ID"] == "client-id.42:a_b-c"


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "bad id with spaces", "<script>", "é", "abc\n"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(anon_api, incoming):
    headers = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    first = anon_api.get("/health/", **headers)["X-Request-ID"]
    second = anon_api.get("/health/", **headers)["X-Request-ID"]
    assert HEX32.match(first)
    assert first != second


def test_the_request_id_is_on_every_log_line_of_the_request(
    anon_api, log_lines, settings, django_capture_on_commit_callbacks
):
    settings.SLOW_QUERY_MS = 0  # every query is "slow": the db logger writes lines inside the request
    response = anon_api.post(
        "/api/v1/auth/register",
        {"email": "ada@acme.test", "password": "a-long-enough-pass", "full_name": "Ada"},
        format="json",
        HTTP_X_REQUEST_ID="req-1",
    )
    assert response.status_code == 201
    lines = log_lines()
    events = [line["event"] for line in lines]
    assert "slow_query" in events
    assert "user_registered" in events
    assert events[-1] == "request"
    assert all(line.get("request_id") == "req-1" for line in lines), lines
    request_line = lines[-1]
    assert request_line["logger"] == "pulse.request"
    assert (request_line["method"], request_line["path"], request_line["status"]) == (
        "POST",
        "/api/v1/auth/register",
        201,
    )
    assert request_line["user_id"] is None
    slow = next(line for line in lines if line["event"] == "slow_query")
    assert slow["level"] == "warning"
    assert slow["sql"].startswith(("SELECT", "INSERT", "SAVEPOINT"))
    assert isinstance(slow["duration_ms"], int | float)


def test_standard_library_lines_carry_the_request_id_too(anon_api, log_lines):
    anon_api.get("/health/", HTTP_HOST="evil.example", HTTP_X_REQUEST_ID="req-stdlib")
    lines = log_lines()
    security = [line for line in lines if line["logger"].startswith("django.security")]
    assert security, lines
    assert all(line["request_id"] == "req-stdlib" for line in lines)


def test_the_request_line_names_the_user_and_workspace(api_as, owner, workspace, log_lines, settings):
    settings.ROOT_URLCONF = "tests.config.scoped_urls"
    api_as(owner).get("/api/v1/test/scoped/", HTTP_X_REQUEST_ID="req-ws")
    line = next(line for line in log_lines() if line["event"] == "request")
    assert (line["request_id"], line["user_id"], line["workspace"], line["status"]) == ("req-ws", owner.pk, "acme", 200)


def test_a_crash_is_logged_with_its_traceback_and_request_id(log_lines, settings):
    settings.ROOT_URLCONF = "tests.config.scoped_urls"
    Client(raise_request_exception=False).get("/api/v1/test/crash/", HTTP_X_REQUEST_ID="req-crash")
    lines = log_lines()
    assert all(line["request_id"] == "req-crash" for line in lines)
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "error"
    assert "RuntimeError: boom" in error["exception"]
    assert lines[-1]["event"] == "request"
    assert lines[-1]["status"] == 500


def test_no_password_or_token_in_any_log_line(anon_api, log_lines, settings, django_capture_on_commit_callbacks):
    settings.SLOW_QUERY_MS = 0
    password = "a-very-secret-pass-123"
    with django_capture_on_commit_callbacks(execute=True):
        anon_api.post("/api/v1/auth/register", {"email": "ada@acme.test", "password": password}, format="json")
    verify_token = re.search(r"Token: (\S+)", mail.outbox[0].body).group(1)
    anon_api.post("/api/v1/auth/verify-email", {"token": verify_token}, format="json")
    anon_api.post("/api/v1/auth/login", {"email": "ada@acme.test", "password": "wrong-secret-999"}, format="json")
    tokens = anon_api.post("/api/v1/auth/login", {"email": "ada@acme.test", "password": password}, format="json").json()
    refreshed = anon_api.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")
    anon_api.get("/api/v1/users/me")
    anon_api.post("/api/v1/auth/logout", {"refresh": refreshed["refresh"]}, format="json")
    cookie_login = anon_api.post(
        "/api/v1/auth/login?cookie=1", {"email": "ada@acme.test", "password": password}, format="json"
    )
    text = log_lines.text()
    assert len(log_lines()) > 20
    secrets = [
        password,
        "wrong-secret-999",
        verify_token,
        tokens["access"],
        tokens["refresh"],
        refreshed["access"],
        refreshed["refresh"],
        cookie_login.cookies[settings.JWT_ACCESS_COOKIE].value,
    ]
    for secret in secrets:
        assert secret not in text
    # Nor their signatures alone (a JWT's last part).
    for token in secrets[3:]:
        assert token.rsplit(".", 1)[-1] not in text


def test_secrets_in_free_text_of_any_library_are_redacted(log_lines):
    """A third-party line formatting headers or a dict into its message: the credential after
    an Authorization scheme, and values under quoted keys (JSON, dict reprs), are redacted."""
    library = logging.getLogger("thirdparty")
    library.warning("calling upstream with %s", {"password": "hunter2", "client_secret": "s3-abc"})
    library.warning('payload {"api_key": "pk_live_zzz", "refresh_token":"r-123", "token_type": "bearer"}')
    library.warning("Authorization: Bearer opaque-metrics-token")
    library.warning("Authorization: Basic dXNlcjpodW50ZXIy")
    library.warning('headers={"Authorization": "Token t-456"}')
    text = log_lines.text()
    for secret in ("hunter2", "s3-abc", "pk_live_zzz", "r-123", "opaque-metrics-token", "dXNlcjpodW50ZXIy", "t-456"):
        assert secret not in text
    messages = [line["event"] for line in log_lines()]
    assert messages[0] == "calling upstream with {'password': [redacted], 'client_secret': [redacted]}"
    assert messages[1] == 'payload {"api_key": [redacted], "refresh_token":[redacted], "token_type": "bearer"}'


class _WatchedDict(dict):
    """A log value that notes when a processor walks it."""

    walked = False

    def items(self):
        self.walked = True
        return super().items()


def test_a_record_below_the_level_is_dropped_before_any_processor_runs(log_lines, caplog):
    caplog.set_level(logging.WARNING, logger="pulse.request")  # restored at teardown
    below, above = _WatchedDict(path="/a"), _WatchedDict(path="/b")
    log = structlog.get_logger("pulse.request")
    log.info("request", detail=below)
    log.warning("request", detail=above)
    assert not below.walked
    assert above.walked
    assert [line["detail"] for line in log_lines()] == [{"path": "/b"}]


def test_gunicorns_bind_line_keeps_its_address_and_nothing_else_does():
    from config.logging import redact_sensitive

    bind = {"logger": "gunicorn.error", "event": "Listening at: http://127.0.0.1:8000 (4242)"}
    assert redact_sensitive(None, "info", dict(bind))["event"] == "Listening at: http://127.0.0.1:8000 (4242)"
    other = {"logger": "gunicorn.error", "event": "Listening at: http://127.0.0.1:8000 (4242) from 10.0.0.9"}
    assert redact_sensitive(None, "info", other)["event"] == "Listening at: http://[ip]:8000 (4242) from [ip]"
    elsewhere = {"logger": "pulse.request", "event": "Listening at: http://127.0.0.1:8000 (4242)"}
    assert redact_sensitive(None, "info", elsewhere)["event"] == "Listening at: http://[ip]:8000 (4242)"
