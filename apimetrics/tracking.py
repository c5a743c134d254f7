"""Tracking: what ``POST /api/v1/track`` does, from the key and body it was sent to the stored events.

:func:`track` is the service. The validation and normalisation of events are pure functions,
fast enough for 1,000-event batches (no serializer per event), returning rows ready for a bulk
insert (:data:`apimetrics.recording.EVENT_COLUMNS`).
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apimetrics import keys, ratelimit, recording
from config.errors import NON_FIELD, Invalid, RateLimited, TooLarge, Unauthorized

MAX_PAST = dt.timedelta(days=7)
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_RESPONSE_MS = 3_600_000
MAX_REPORTED_ERRORS = 20
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"})
INVALID_KEY = "Invalid or missing API key."
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX_ID = re.compile(r"^[0-9a-fA-F]{24,}$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")

Errors = dict[str, list[str]]


# --- the service ---------------------------------------------------------------------------


def track(*, api_key: str | None, body: Callable[[], Any]) -> int:
    """Store the events of a tracking request sent with ``api_key``; returns how many, once committed.

    ``body`` reads the request's parsed body, after the key is known: a revoked, expired or
    deleted key answers 401 whatever its body (a bad one, a batch too large, one over the rate
    limit), as the insert answers. Every event is validated before the batch counts against
    the key's rate limit.
    """
    key = keys.identify(api_key)
    if key is None:
        raise Unauthorized(INVALID_KEY)
    try:
        events = events_of(body())
        now = timezone.now()
        rows = clean_events(events, now)
        # Only a valid batch counts against the limit: refused ones never use up the key's minute.
        admission = ratelimit.admit(key, len(rows))
        if admission.retry_after is not None:
            raise RateLimited(_over_limit(admission.retry_after), retry_after=admission.retry_after)
    except Exception:
        if not keys.is_active(key):
            raise Unauthorized(INVALID_KEY) from None
        raise
    try:
        return recording.events_record(
            project_id=key.project_id, events=rows, now=now, key_id=key.id, touch_key=admission.first_in_window
        )
    except recording.InactiveKey:
        raise Unauthorized(INVALID_KEY) from None


def _over_limit(retry_after: int) -> str:
    unit = "second" if retry_after == 1 else "seconds"
    return f"Rate limit exceeded for this API key. Expected available in {retry_after} {unit}."


def events_of(payload: Any) -> list:
    """The list of raw events in a request body (400 when it is neither, 413 above
    APIMETRICS_MAX_BATCH)."""
    most = settings.APIMETRICS_MAX_BATCH
    if isinstance(payload, dict):
        return [payload]
    if isinstance(payload, list):
        if not payload:
            raise _not_events(f"Send one event or a list of 1 to {most:,} events.")
        if len(payload) > most:
            raise TooLarge(f"At most {most:,} events per request ({len(payload):,} sent).")
        return payload
    raise _not_events("Send one event object or a list of events.")


def _not_events(message: str) -> Invalid:
    return Invalid(message, fields={NON_FIELD: message})


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
        index, event_errors = next(iter(errors.items()))
        field, messages = next(iter(event_errors.items()))
        where = index if field == NON_FIELD else f"{index}: {field}"
        raise Invalid(f"{where}: {messages[0]}", fields=errors)
    return rows


# --- one event -----------------------------------------------------------------------------


def hash_ip(ip: str) -> str:
    """A keyed hash of an IP address: stable for counting unique clients, useless to reverse."""
    return hmac.new(settings.PULSE_HMAC_SECRET.encode(), b"ip:" + ip.encode(), hashlib.sha256).hexdigest()


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


def _text(value, name: str, errors: Errors, *, max_length: int, required: bool = False, truncate: bool = False):
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


def _method(value, errors: Errors) -> str | None:
    if not isinstance(value, str) or value.upper() not in METHODS:
        errors["method"] = [f"One of {', '.join(sorted(METHODS))}."]
        return None
    return value.upper()


def _numbers(raw: dict, errors: Errors) -> None:
    status = raw.get("status_code")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        errors["status_code"] = ["An integer from 100 to 599."]
    elapsed = raw.get("response_time_ms")
    # The comparison also refuses NaN and infinities; math.isfinite would overflow on a huge int.
    if isinstance(elapsed, bool) or not isinstance(elapsed, int | float) or not 0 <= elapsed <= MAX_RESPONSE_MS:
        errors["response_time_ms"] = [f"A number of milliseconds from 0 to {MAX_RESPONSE_MS:,}."]


def _timestamp(stamp, now: dt.datetime, errors: Errors) -> dt.datetime | None:
    if stamp is None:
        return now
    timestamp = None
    if isinstance(stamp, str):
        try:
            timestamp = parse_datetime(stamp)
        except ValueError:
            timestamp = None
    if timestamp is None:
        errors["timestamp"] = ["An ISO 8601 date and time."]
        return None
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=dt.UTC)
    # Compared before any conversion: aware datetimes compare whatever their offsets, while
    # moving 0001-01-01T00:30+01:00 or 9999-12-31T23:59-01:00 to UTC overflows the calendar.
    if not now - MAX_PAST <= timestamp <= now + MAX_FUTURE:
        errors["timestamp"] = ["Must be within the last 7 days and at most 5 minutes ahead."]
        return None
    return timestamp.astimezone(dt.UTC)


def _ip_hash(ip, errors: Errors) -> str:
    if ip in (None, ""):
        return ""
    try:
        if isinstance(ip, str):
            return hash_ip(str(ipaddress.ip_address(ip)))
    except ValueError:
        pass
    errors["ip"] = ["An IPv4 or IPv6 address."]
    return ""


def clean_event(raw, now: dt.datetime) -> tuple[tuple | None, Errors]:
    """One event as a row in :data:`apimetrics.recording.EVENT_COLUMNS` order, or the errors by field."""
    if not isinstance(raw, dict):
        return None, {NON_FIELD: ["Each event must be an object."]}
    errors: Errors = {}
    method = _method(raw.get("method"), errors)
    path = _text(raw.get("path"), "path", errors, max_length=2048, required=True)
    endpoint_given = _text(raw.get("endpoint"), "endpoint", errors, max_length=255)
    if endpoint_given and not endpoint_given.startswith("/"):
        errors["endpoint"] = ["An endpoint template starts with '/'."]
    path, endpoint = normalise_path(path) if path else ("", "")
    _numbers(raw, errors)
    timestamp = _timestamp(raw.get("timestamp"), now, errors)
    ip_hash = _ip_hash(raw.get("ip"), errors)
    user_agent = _text(raw.get("user_agent"), "user_agent", errors, max_length=512, truncate=True)
    consumer = _text(raw.get("consumer"), "consumer", errors, max_length=128)
    if errors:
        return None, errors
    return (
        timestamp,
        method,
        path,
        endpoint_given or endpoint,
        raw["status_code"],
        float(raw["response_time_ms"]),
        ip_hash,
        user_agent,
        consumer,
    ), {}
