"""API keys: their format and hash, their lifecycle (create, rotate, revoke) and how a tracking
request finds the key it was sent with.

A key reads ``pk_<prefix>_<secret>``. The prefix finds the row; the HMAC-SHA256 of the whole key
(keyed with ``PULSE_HMAC_SECRET``) is compared in constant time. Lookups are cached and dropped
on revoke/rotate/delete. A tracking request mostly makes no round trip for its key:
:func:`identify` checks the secret against what never changes for a key (kept per process), and
the insert itself checks that the key is neither revoked nor expired (see
:mod:`apimetrics.recording`). How many events a key may send is :mod:`apimetrics.ratelimit`'s.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.audit import Action as AuditAction
from accounts.audit import audit_record
from accounts.models import User
from apimetrics.models import ApiKey, Project
from config import timeline
from config.errors import Conflict, Forbidden

KEY_RE = re.compile(r"^pk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")
LOOKUP_TIMEOUT = 300
MISSING = "missing"
MAX_GRACE_HOURS = 24 * 30

log = structlog.get_logger(__name__)


def compose(prefix: str, secret: str) -> str:
    return f"pk_{prefix}_{secret}"


def digest(full_key: str) -> str:
    return hmac.new(settings.PULSE_HMAC_SECRET.encode(), full_key.encode(), hashlib.sha256).hexdigest()


# --- lifecycle -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, returned once and never stored


def _new_key(*, project: Project, name: str, user: User | None, rotated_from: ApiKey | None = None) -> IssuedKey:
    while True:
        prefix = secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    full = compose(prefix, secrets.token_urlsafe(32))
    api_key = ApiKey.objects.create(
        project=project,
        name=name,
        prefix=prefix,
        hashed_key=digest(full),
        created_by=user,
        rotated_from=rotated_from,
    )
    return IssuedKey(api_key=api_key, secret=full)


UNVERIFIED = "Confirm your email address before creating API keys."


def check_can_issue(user: User) -> None:
    """Only people who confirmed their email address issue keys (the API and the pages ask first)."""
    if not user.is_verified:
        raise Forbidden(UNVERIFIED)


@transaction.atomic
def api_key_create(*, project: Project, name: str, user: User | None) -> IssuedKey:
    issued = _new_key(project=project, name=name, user=user)
    log.info("api_key_created", project=project.key, prefix=issued.api_key.prefix)
    _audit(project, user, AuditAction.API_KEY_CREATED, issued.api_key)
    return issued


def default_grace() -> dt.timedelta:
    """How long a rotated key keeps working unless the rotation says: APIMETRICS_KEY_GRACE_HOURS."""
    return dt.timedelta(hours=settings.APIMETRICS_KEY_GRACE_HOURS)


@transaction.atomic
def api_key_rotate(
    *, api_key: ApiKey, user: User | None, grace: dt.timedelta | None = None, now: dt.datetime | None = None
) -> IssuedKey:
    """A new key with the same name; the old one stays valid for ``grace`` (0: revoked now;
    None: :func:`default_grace`)."""
    now = now or timezone.now()
    grace = default_grace() if grace is None else grace
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if not api_key.is_active(now):
        raise Conflict("This key is revoked or expired and cannot be rotated.")
    issued = _new_key(project=api_key.project, name=api_key.name, user=user, rotated_from=api_key)
    if grace <= dt.timedelta(0):
        api_key.revoked_at = now
    else:
        api_key.expires_at = min(api_key.expires_at or now + grace, now + grace)
    api_key.save(update_fields=["revoked_at", "expires_at"])
    forget(api_key.prefix)
    log.info("api_key_rotated", project=api_key.project.key, prefix=api_key.prefix, new_prefix=issued.api_key.prefix)
    _audit(api_key.project, user, AuditAction.API_KEY_ROTATED, api_key, new_key=issued.api_key.public_prefix)
    project = api_key.project
    transaction.on_commit(
        lambda: timeline.mark(
            workspace_id=project.workspace_id,
            project_id=project.pk,
            kind="key_rotation",
            text=f"API key {api_key.name!r} rotated",
            starts_at=now,
        )
    )
    return issued


def _keeps_project_working(api_key: ApiKey, now: dt.datetime) -> bool:
    """Active without an expiry: a key in its rotation grace stops anyway, so it does not count
    as the key the project keeps."""
    return api_key.is_active(now) and api_key.expires_at is None


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, user: User | None = None, now: dt.datetime | None = None) -> ApiKey:
    """Revoke a key at once. The project's last active key without an expiry cannot be revoked
    (409): otherwise the project would have no working key once the others expire."""
    now = now or timezone.now()
    project = Project.objects.select_for_update().get(pk=api_key.project_id)
    api_key = ApiKey.objects.get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    lasting = [key for key in project.api_keys.all() if _keeps_project_working(key, now)]
    if _keeps_project_working(api_key, now) and len(lasting) <= 1:
        raise Conflict("This is the project's last active key: create or rotate a key before deleting it.")
    api_key.revoked_at = now
    api_key.save(update_fields=["revoked_at"])
    forget(api_key.prefix)
    log.info("api_key_revoked", project=project.key, prefix=api_key.prefix)
    _audit(project, user, AuditAction.API_KEY_REVOKED, api_key)
    return api_key


def _audit(project: Project, user: User | None, action: str, api_key: ApiKey, **details: str) -> None:
    """The workspace's audit log: which key of which project, by its public prefix (never the secret)."""
    audit_record(
        workspace=project.workspace,
        actor=user,
        action=action,
        target=f"{api_key.name} ({api_key.public_prefix}…)",
        details={"project": project.key, "key_id": api_key.pk, **details},
    )


# --- finding the key of a tracking request -------------------------------------------------


def _lookup_key(prefix: str) -> str:
    return f"apimetrics:key:{prefix}"


@dataclass(frozen=True)
class KeyInfo:
    id: int
    project_id: int
    prefix: str
    hashed: str


# What never changes for a prefix while its row exists: (pk, project_id, hashed_key). Kept per
# process so that a tracking request checks the secret without a round trip; whether the key is
# still active (revoked_at, expires_at) is never taken from here but from the database, by the
# statement that stores the events (or from the cache, see is_active()).
_records: dict[str, tuple[int, int, str]] = {}
RECORDS_MAX = 10_000


def _entry_from_db(prefix: str):
    """The cached form of the key with ``prefix``: (pk, project_id, hashed, revoked, expires_at) or MISSING."""
    row = (
        ApiKey.objects.filter(prefix=prefix)
        .values_list("pk", "project_id", "hashed_key", "revoked_at", "expires_at")
        .first()
    )
    if row is None:
        entry = MISSING
    else:
        pk, project_id, hashed, revoked_at, expires_at = row
        entry = (pk, project_id, hashed, revoked_at is not None, expires_at.timestamp() if expires_at else None)
    cache.set(_lookup_key(prefix), entry, timeout=LOOKUP_TIMEOUT if entry != MISSING else 30)
    return entry


def _entry(prefix: str):
    entry = cache.get(_lookup_key(prefix))
    return _entry_from_db(prefix) if entry is None else entry


def _active(entry, key: KeyInfo, now: float) -> bool:
    if entry == MISSING:
        return False
    pk, _project_id, hashed, revoked, expires_at = entry
    if pk != key.id or not hmac.compare_digest(hashed, key.hashed):
        # The prefix now names another key (the old one deleted, its prefix drawn again).
        _records.pop(key.prefix, None)
        return False
    return not revoked and (expires_at is None or expires_at > now)


def identify(raw: str | None) -> KeyInfo | None:
    """The key that ``raw`` is when its secret is right (HMAC compared in constant time), or None
    for every reason alike. Once this process has seen the key, no I/O: whether the key is still
    active is checked by the insert (or :func:`is_active`), from the cache or the database."""
    if not raw:
        return None
    raw = raw.strip()
    match = KEY_RE.match(raw)
    if match is None:
        return None
    prefix = match.group(1)
    expected = digest(raw)
    record = _records.get(prefix)
    if record is None or not hmac.compare_digest(record[2], expected):
        # Not seen here, or not this secret: ask the cache (else the database), which also
        # catches a prefix that now names another key (the old one deleted, its prefix drawn again).
        entry = _entry(prefix)
        if entry == MISSING:
            return None
        record = entry[:3]
        if len(_records) >= RECORDS_MAX:
            _records.clear()
        _records[prefix] = record
        if not hmac.compare_digest(record[2], expected):
            return None
    pk, project_id, hashed = record
    return KeyInfo(id=pk, project_id=project_id, prefix=prefix, hashed=hashed)


def is_active(key: KeyInfo, *, now: float | None = None) -> bool:
    """Whether the key is neither revoked, expired nor deleted (cache, else database)."""
    return _active(_entry(key.prefix), key, now if now is not None else time.time())


def forget(prefix: str) -> None:
    """Drop a cached lookup once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: cache.delete(_lookup_key(prefix)))


def touch(key_id: int, when: dt.datetime) -> None:
    """Record that the key was used. Called for the key's first request of each rate-limit
    window, so the row is written at most once a minute per key."""
    ApiKey.objects.filter(pk=key_id).update(last_used_at=when)
