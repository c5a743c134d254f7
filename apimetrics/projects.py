"""Monitored API projects: create, update, delete, and the built-in project of self-tracking."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import SYSTEM_WORKSPACE_SLUG, Membership, Workspace
from apimetrics.analytics import CACHE_NAMESPACE
from apimetrics.models import Project, RollupState, default_retention_days
from config.cache import bump_data_version
from config.errors import Conflict
from config.services import model_update

# What project_update may change (the API's writable fields).
EDITABLE_FIELDS = ("name", "key", "timezone", "retention_days", "apdex_threshold_ms")
SELF_WORKSPACE_SLUG = SYSTEM_WORKSPACE_SLUG  # reserved: no user workspace gets it
SELF_PROJECT_KEY = "pulse-api"


def _key_taken(key: str) -> Conflict:
    return Conflict(f"A project with the key {key!r} already exists in this workspace.")


def project_create(
    *,
    workspace: Workspace,
    name: str,
    key: str,
    timezone_name: str = "UTC",
    retention_days: int | None = None,
    apdex_threshold_ms: int = 500,
    is_builtin: bool = False,
) -> Project:
    """A project with its rollup watermark; ``retention_days`` defaults to the server's (409 for a key taken)."""
    retention_days = default_retention_days() if retention_days is None else retention_days
    try:
        with transaction.atomic():
            project = Project.objects.create(
                workspace=workspace,
                name=name,
                key=key,
                timezone=timezone_name,
                retention_days=retention_days,
                apdex_threshold_ms=apdex_threshold_ms,
                is_builtin=is_builtin,
            )
            RollupState.objects.create(project=project)
    except IntegrityError as exc:
        raise _key_taken(key) from exc
    return project


def projects_with_active_keys(queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    """Projects annotated with ``active_keys``: how many of their keys are neither revoked nor
    expired now (rotated keys in their grace included), as :meth:`ApiKey.is_active` says."""
    queryset = Project.objects.all() if queryset is None else queryset
    active = Q(api_keys__revoked_at__isnull=True) & (
        Q(api_keys__expires_at__isnull=True) | Q(api_keys__expires_at__gt=timezone.now())
    )
    return queryset.annotate(active_keys=Count("api_keys", filter=active))


@transaction.atomic
def project_update(*, project: Project, data: Mapping[str, Any]) -> Project:
    """Change the fields of :data:`EDITABLE_FIELDS` given in ``data`` (409 for a key taken)."""
    try:
        with transaction.atomic():
            model_update(instance=project, fields=EDITABLE_FIELDS, data=data)
    except IntegrityError as exc:
        raise _key_taken(project.key) from exc
    return project


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project with its keys (their cached lookups are dropped, see receivers), events
    and rollups."""
    workspace_id = project.workspace_id
    project.delete()
    bump_data_version(CACHE_NAMESPACE, workspace_id)


def builtin_project() -> Project:
    """The project Pulse records its own API traffic in (created on first use), in the system
    workspace: the one at the reserved slug SELF_WORKSPACE_SLUG that no user owns. A user's
    workspace that took the slug before accounts reserved it is never used: it would show them
    every consumer and endpoint of Pulse."""
    # Every workspace a user creates has an owner (accounts keeps at least one); Pulse's has none.
    system = Workspace.objects.filter(slug=SELF_WORKSPACE_SLUG).exclude(memberships__role=Membership.Role.OWNER)
    project = Project.objects.filter(workspace__in=system, key=SELF_PROJECT_KEY).first()
    if project is not None:
        return project
    with transaction.atomic():
        workspace, _ = Workspace.objects.get_or_create(
            slug=SELF_WORKSPACE_SLUG, defaults={"name": "Pulse (self-monitoring)", "timezone": settings.TIME_ZONE}
        )
        if workspace.memberships.filter(role=Membership.Role.OWNER).exists():
            raise RuntimeError(
                f"The workspace {SELF_WORKSPACE_SLUG!r} belongs to a user; rename it to turn self-tracking on."
            )
        project, created = Project.objects.get_or_create(
            workspace=workspace,
            key=SELF_PROJECT_KEY,
            defaults={"name": "Pulse API", "is_builtin": True},
        )
        if created:
            RollupState.objects.get_or_create(project=project)
    return project
