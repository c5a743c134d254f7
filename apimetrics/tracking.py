"""Validation and normalisation of tracked events: pure functions, fast enough for 1,000-event
batches (no serializer per event), returning rows ready for a bulk insert."""

import datetime as dt
import ipaddress
import re

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from apimetrics.keys import hash_ip
from config.exceptions import PayloadTooLarge

MAX_BATCH = 1000
MAX_PAST = dt.timedelta(days=7)
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_RESPONSE_MS = 3_600_000
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"})
EVENT_COLUMNS = (
    "timestamp",
    "method",
    "path",
    "endpoint",
    "status_code",
    "response_time_ms",
    "ip_hash",
    "user_agent",
    "consumer",
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX_ID = re.compile(r"^[0-9a-fA-F]{24,}$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _is_id(segment: str) -> bool:
    return segment.isdigit() or bool(_UUID.match(segment)) or bool(_HEX_ID.match(segment))


def normalise_path(path: str) -> tuple[str, str]:
    """``(path, endpoint)``: the path without scheme, host and query; the endpoint with numeric
    ids, UUIDs and long hex ids replaced by ``{id}``."""
    path = _SCHEME.sub("", path).split("?", 1)[0].split("#", 1)[0] or "/"
    if not path.startswith("/"):
        path = "/" + path
    segments = ["{id}" if _is_id(segment) else segment for segment in path.split("/")]
    return path[:1024], "/".join(segments)[:255]


def _count(payload) -> list:
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        if not payload:
            raise ValidationError({"non_field_errors": ["Send one event or a list of 1 to 1,000 events."]})
        if len(payload) > MAX_BATCH:
            raise PayloadTooLarge(f"At most {MAX_BATCH:,} events per request ({len(payload):,} sent).")
        return payload
    raise ValidationError({"non_field_errors": ["Send one event object or a list of events."]})


def events_of(payload) -> list:
    """The list of raw events in a request body (400 when it is neither, 413 above 1,000)."""
    return _count(payload)


def _text(value, name: str, errors: dict, *, max_length: int, required: bool = False, truncate: bool = False):
    if value is None or value == "":
        if required:
            errors[name] = ["This field is required."]
        return ""
    if not isinstance(value, str):
        errors[name] = ["Must be a string."]
        return ""
    if _UNSTORABLE.search(value):
        # PostgreSQL refuses NUL in text, and no database encodes a lone surrogate as UTF-8.
        errors[name] = ["Must not contain a NUL character or an unpaired surrogate."]
        return ""
    if len(value) > max_length:
        if truncate:
            return value[:max_length]
        errors[name] = [f"At most {max_length} characters."]
        return ""
    return value


def clean_event(raw, now: dt.datetime) -> tuple[tuple | None, dict]:
    """One event as a row in :data:`EVENT_COLUMNS` order, or the errors by field."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": ["Each event must be an object."]}
    errors: dict[str, list[str]] = {}

    method = raw.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        errors["method"] = [f"One of {', '.join(sorted(METHODS))}."]
    else:
        method = method.upper()

    path = _text(raw.get("path"), "path", errors, max_length=2048, required=True)
    endpoint_given = _text(raw.get("endpoint"), "endpoint", errors, max_length=255)
    if endpoint_given and not endpoint_given.startswith("/"):
        errors["endpoint"] = ["An endpoint template starts with '/'."]
    path, endpoint = normalise_path(path) if path else ("", "")

    status = raw.get("status_code")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        errors["status_code"] = ["An integer from 100 to 599."]

    elapsed = raw.get("response_time_ms")
    # The comparison also refuses NaN and infinities; math.isfinite would overflow on a huge int.
    if isinstance(elapsed, bool) or not isinstance(elapsed, int | float) or not 0 <= elapsed <= MAX_RESPONSE_MS:
        errors["response_time_ms"] = [f"A number of milliseconds from 0 to {MAX_RESPONSE_MS:,}."]

    stamp = raw.get("timestamp")
    if stamp is None:
        timestamp = now
    else:
        timestamp = None
        if isinstance(stamp, str):
            try:
                timestamp = parse_datetime(stamp)
            except ValueError:
                timestamp = None
        if timestamp is None:
            errors["timestamp"] = ["An ISO 8601 date and time."]
        else:
            if timestamp.tzinfo is None:
                timestamp = timestamp.replace(tzinfo=dt.UTC)
            timestamp = timestamp.astimezone(dt.UTC)
            if not now - MAX_PAST <= timestamp <= now + MAX_FUTURE:
                errors["timestamp"] = ["Must be within the last 7 days and at most 5 minutes ahead."]

    ip = raw.get("ip")
    ip_hash = ""
    if ip not in (None, ""):
        try:
            ip_hash = hash_ip(str(ipaddress.ip_address(ip)) if isinstance(ip, str) else "")
        except ValueError:
            errors["ip"] = ["An IPv4 or IPv6 address."]
        if not isinstance(ip, str):
            errors["ip"] = ["An IPv4 or IPv6 address."]

    user_agent = _text(raw.get("user_agent"), "user_agent", errors, max_length=512, truncate=True)
    consumer = _text(raw.get("consumer"), "consumer", errors, max_length=128)

    if errors:
        return None, errors
    return (
        timestamp,
        method,
        path,
        endpoint_given or endpoint,
        status,
        float(elapsed),
        ip_hash,
        user_agent,
        consumer,
    ), {}


MAX_REPORTED_ERRORS = 20


def clean_events(events: list, now: dt.datetime) -> list[tuple]:
    """Every event as a row; any bad event fails the whole batch with the errors by index."""
    rows, errors = [], {}
    for index, raw in enumerate(events):
        row, event_errors = clean_event(raw, now)
        if event_errors:
            errors[str(index)] = event_errors
            if len(errors) >= MAX_REPORTED_ERRORS:
                break
        else:
            rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows
