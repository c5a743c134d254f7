"""The audit log of a workspace: who invited, removed or changed whom, created or revoked a key,
imported, changed the settings, exported or deleted.

Every app records its events through :func:`audit_record` (accounts imports no app, apps import
this), in the transaction of the change it records, so an event exists exactly when its change
was committed. Details hold what a reader needs to tell events apart (the old and new role, the
fields changed), never a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from django.db.models import QuerySet

from accounts.models import AuditEvent, User, Workspace

log = structlog.get_logger(__name__)

Action = AuditEvent.Action


def audit_record(
    *,
    workspace: Workspace | None,
    actor: User | None,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` (None: Pulse itself, a task) did ``action`` (one of
    :class:`AuditEvent.Action`) to ``target`` in ``workspace``."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    actor = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent.objects.create(
        workspace=workspace,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target=target[:255],
        details=dict(details or {}),
    )
    log.info("audit_event", action=action, workspace_id=workspace.pk if workspace else None, event_id=event.pk)
    return event


def audit_events(workspace: Workspace, *, action: str | None = None) -> QuerySet[AuditEvent]:
    """The workspace's events, newest first (along the (workspace, -created_at) index),
    optionally of one action."""
    events = AuditEvent.objects.filter(workspace=workspace).order_by("-created_at", "-pk")
    if action:
        events = events.filter(action=action)
    return events
