"""Structured logging: JSON lines in production, readable lines in development.

Every record, from structlog or from the standard library, goes through the same processors,
so the request id bound by :class:`config.middleware.RequestIdMiddleware` is on every line of a
request, whoever logged it.
"""

import logging.config
import re
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

REDACTED = "[redacted]"
# Keys whose values never reach a log line, wherever they appear (nested too).
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|authorization|api[_-]?key|cookie|session|csrf|signature|credential"
    r"|^(ip|ip_address|remote_addr|client_ip|x_forwarded_for)$",
    re.IGNORECASE,
)
# Values inside free text: "password=…", "Bearer …", JWTs, and IPv4/IPv6 addresses.
SENSITIVE_TEXT = [
    # "Authorization: Bearer …", "Basic …": the scheme and the credential after it.
    (
        re.compile(
            r"(?i)\b(authorization[\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|(?:(?:bearer|basic|token|digest)\s+)?[^\s,;}]+)"
        ),
        r"\1" + REDACTED,
    ),
    # key=value, key: value, and keys in quotes as JSON and dict reprs write them ("password": "…").
    (
        re.compile(
            r"(?i)\b(\w*(?:password|passwd|secret|token|api[_-]?key))([\"']?\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;}]+)"
        ),
        r"\1\2" + REDACTED,
    ),
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), "[ip]"),
    (re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])"), "[ip]"),
    (re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])"), "[ip]"),
    (re.compile(r"(?<![\w:])::1(?![\w:])"), "[ip]"),
]


def _scrub_text(text: str) -> str:
    for pattern, replacement in SENSITIVE_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: object, depth: int = 0) -> object:
    if depth > 5:
        return value
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and SENSITIVE_KEY.search(k) else _scrub(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_scrub(v, depth + 1) for v in value)
    return value


# gunicorn's line naming the address it binds: a server's address, not a client's, and the one
# line that tells whoever started it where to connect.
_BIND_LINE = re.compile(r"Listening at: \S+ \(\d+\)")


def _is_bind_line(event_dict: EventDict) -> bool:
    event = event_dict.get("event")
    return event_dict.get("logger") == "gunicorn.error" and isinstance(event, str) and bool(_BIND_LINE.fullmatch(event))


def redact_sensitive(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: no secret, token, password, cookie or raw IP address in any log line."""
    bind_line = _is_bind_line(event_dict)
    for key, value in list(event_dict.items()):
        if key.startswith("_") or (bind_line and key == "event"):  # structlog's bookkeeping (_record…)
            continue
        if SENSITIVE_KEY.search(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(value)
    return event_dict


SHARED_PROCESSORS: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
    redact_sensitive,
]


def dict_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The logging configuration; also used for gunicorn's own loggers (config/gunicorn.py)."""
    renderer = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    redact_sensitive,  # again: tracebacks are text only from here on
                    renderer,
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Request lines come from our own middleware; Django's duplicates are noise.
            "django.server": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            "django.db.backends": {"level": "WARNING"},
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def configure(*, log_format: str, level: str) -> None:
    logging.config.dictConfig(dict_config(log_format=log_format, level=level))
    structlog.configure(
        processors=[
            # A record below the logger's level is dropped before any processor (redaction
            # included) runs: at WARNING, the request line of every request costs next to nothing.
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
