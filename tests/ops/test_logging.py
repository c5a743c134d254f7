import json
import logging

import structlog

from config.logging import REDACTED, redact_sensitive


def run(event_dict):
    return redact_sensitive(None, "info", dict(event_dict))


def test_sensitive_keys_are_redacted_wherever_they_are():
    out = run(
        {
            "event": "login",
            "password": "hunter2",
            "refresh_token": "abc",
            "Authorization": "Bearer abc.def.ghi",
            "api_key": "pk_live_123",
            "client_secret": "s",
            "ip": "192.0.2.10",
            "headers": {"Cookie": "sessionid=1", "Accept": "text/html"},
            "user_id": 7,
            "path": "/api/v1/users/me",
        }
    )
    for key in ("password", "refresh_token", "Authorization", "api_key", "client_secret", "ip"):
        assert out[key] == REDACTED
    assert out["headers"] == {"Cookie": REDACTED, "Accept": "text/html"}
    assert (out["user_id"], out["path"], out["event"]) == (7, "/api/v1/users/me", "login")


def test_secrets_and_addresses_inside_text_are_redacted():
    out = run(
        {
            "event": "Invalid password=hunter2 for token: 'x y' from 203.0.113.5 via 2001:db8::1",
            "error": "Error 111 connecting to 127.0.0.1:6390. Connection refused.",
            "header": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.sig",
            "when": "2026-11-23T19:27:09Z at 12:30:45",
        }
    )
    assert out["event"] == f"Invalid password={REDACTED} for token: {REDACTED} from [ip] via [ip]"
    assert out["error"] == "Error 111 connecting to [ip]:6390. Connection refused."
    assert "eyJ" not in out["header"]
    assert out["when"] == "2026-11-23T19:27:09Z at 12:30:45"


def test_every_log_line_goes_through_the_redaction(capsys):
    from config.logging import configure

    configure(log_format="json", level="INFO")
    structlog.get_logger("pulse.test").info("attempt", password="hunter2", remote_addr="198.51.100.4")
    logging.getLogger("django.security").warning("Bad token %s from %s", "token=abc123", "198.51.100.4")
    lines = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    text = json.dumps(lines)
    for secret in ("hunter2", "198.51.100.4", "abc123"):
        assert secret not in text
    assert lines[0]["password"] == REDACTED
