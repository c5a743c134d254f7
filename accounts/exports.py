"""Full exports of a workspace: a ZIP with one CSV per table the workspace owns.

The tables are found, not listed: every model of every installed app with a chain of foreign keys
to :class:`~accounts.models.Workspace` (``SalesRecord.workspace``, ``ApiKey.project.workspace``),
read through Django's app registry, so accounts imports no app and a new app's tables are in the
next export without a change here. Columns are the tables' own, foreign keys as ids, plus the
email address of every user a row names; fields holding hashes of secrets (API keys, IP
addresses) and passwords are left out.

An export is built by a task, kept in the default storage (``MEDIA_ROOT/exports/``) under a
random name, downloadable once by an owner (the file is deleted as it is handed out) until it
expires (``EXPORT_MAX_AGE``, 24 hours), when :func:`exports_expire` (a periodic job) deletes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import structlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.audit import Action, audit_record
from accounts.models import User, Workspace, WorkspaceExport
from config.errors import Conflict
from config.queue import enqueue_on_commit

log = structlog.get_logger(__name__)

# Names of fields never exported: hashes of secrets, passwords, tokens.
SECRET_FIELD = re.compile(r"(^|_)(hash|hashed|password|secret|token)(_|$)")
MAX_DEPTH = 4


@dataclass(frozen=True)
class OwnedTable:
    """A model whose rows belong to a workspace through ``path`` (``"project__workspace"``);
    the workspace table itself has the path ``"pk"``."""

    model: type[models.Model]
    path: str

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def columns(self) -> list[tuple[str, str]]:
        """(CSV header, ORM lookup) of every exported column."""
        user_model = get_user_model()
        fields = [field for field in self.model._meta.concrete_fields if not SECRET_FIELD.search(field.name)]
        names = {field.attname for field in fields}
        out = []
        for field in fields:
            out.append((field.attname, field.attname))
            email = f"{field.name}_email"
            if field.is_relation and field.related_model is user_model and email not in names:
                out.append((email, f"{field.name}__email"))
        return out

    def rows(self, workspace: Workspace) -> models.QuerySet:
        lookup = "pk" if self.path == "pk" else f"{self.path}_id"
        return self.model._base_manager.filter(**{lookup: workspace.pk}).order_by("pk")


def _path_to_workspace(model: type[models.Model]) -> str | None:
    """The shortest chain of foreign keys from ``model`` to Workspace (breadth first)."""
    queue: deque[tuple[type[models.Model], tuple[str, ...]]] = deque([(model, ())])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        for field in current._meta.concrete_fields:
            if not (field.many_to_one or field.one_to_one) or field.related_model is None:
                continue
            if field.related_model is Workspace:
                return "__".join((*path, field.name))
            if field.related_model not in seen and len(path) + 1 < MAX_DEPTH:
                seen.add(field.related_model)
                queue.append((field.related_model, (*path, field.name)))
    return None


def owned_tables() -> list[OwnedTable]:
    """The workspace table, then every table a workspace owns, by app and model name."""
    tables = []
    for model in apps.get_models():
        if model is Workspace or model._meta.proxy:
            continue
        path = _path_to_workspace(model)
        if path is not None:
            tables.append(OwnedTable(model, path))
    tables.sort(key=lambda table: (table.model._meta.app_label, table.model._meta.model_name))
    return [OwnedTable(Workspace, "pk"), *tables]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _write_table(archive: zipfile.ZipFile, table: OwnedTable, workspace: Workspace) -> int:
    columns = table.columns()
    count = 0
    with archive.open(f"{table.name}.csv", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([header for header, _ in columns])
        lookups = [lookup for _, lookup in columns]
        for row in table.rows(workspace).values_list(*lookups).iterator(chunk_size=5000):
            writer.writerow([_cell(value) for value in row])
            count += 1
    return count


def write_archive(workspace: Workspace, target: IO[bytes]) -> dict[str, int]:
    """Write the ZIP of ``workspace`` to ``target``; returns the rows written per table. On
    PostgreSQL every table is read from one snapshot."""
    counts: dict[str, int] = {}
    outermost = not connection.in_atomic_block  # the isolation level is set before any query
    with transaction.atomic(), zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for table in owned_tables():
            counts[table.name] = _write_table(archive, table, workspace)
        archive.writestr("README.txt", _readme(workspace, counts))
    return counts


def _readme(workspace: Workspace, counts: dict[str, int]) -> str:
    lines = [
        f"Pulse export of the workspace {workspace.name} ({workspace.slug})",
        f"Made at {timezone.now().isoformat()}: one CSV per table (UTF-8, a header row; times in UTC).",
        "",
        *(f"{name}.csv: {rows} rows" for name, rows in counts.items()),
        "",
    ]
    return "\n".join(lines)


@transaction.atomic
def export_request(*, workspace: Workspace, actor: User) -> WorkspaceExport:
    """Start an export of ``workspace`` (built by a task once this transaction commits)."""
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()  # one request at a time
    busy = WorkspaceExport.Status.PENDING, WorkspaceExport.Status.RUNNING
    if WorkspaceExport.objects.filter(workspace=workspace, status__in=busy).exists():
        raise Conflict("An export of this workspace is being made: wait for it to finish.")
    export = WorkspaceExport.objects.create(workspace=workspace, requested_by=actor)
    audit_record(workspace=workspace, actor=actor, action=Action.EXPORT_REQUESTED, target=f"export {export.pk}")
    from accounts.tasks import build_workspace_export

    enqueue_on_commit(build_workspace_export, export.pk)
    return export


def export_build(export_id: int) -> WorkspaceExport | None:
    """Build the archive of an export that is not built yet (safe to run twice)."""
    export = WorkspaceExport.objects.select_related("workspace").filter(pk=export_id).first()
    rebuildable = WorkspaceExport.Status.PENDING, WorkspaceExport.Status.RUNNING, WorkspaceExport.Status.FAILED
    if export is None or export.status not in rebuildable:
        return export
    WorkspaceExport.objects.filter(pk=export.pk).update(status=WorkspaceExport.Status.RUNNING, error="")
    try:
        with tempfile.TemporaryFile() as archive:
            counts = write_archive(export.workspace, archive)
            size = archive.tell()
            archive.seek(0)
            name = default_storage.save(f"exports/{export.workspace_id}/{secrets.token_hex(16)}.zip", File(archive))
    except Exception as exc:
        WorkspaceExport.objects.filter(pk=export.pk).update(
            status=WorkspaceExport.Status.FAILED, error=f"{type(exc).__name__}", finished_at=timezone.now()
        )
        log.exception("export_failed", export_id=export.pk)
        raise
    now = timezone.now()
    WorkspaceExport.objects.filter(pk=export.pk).update(
        status=WorkspaceExport.Status.READY,
        file=name,
        size_bytes=size,
        tables=counts,
        finished_at=now,
        expires_at=now + dt.timedelta(seconds=settings.EXPORT_MAX_AGE),
    )
    log.info("export_ready", export_id=export.pk, size_bytes=size)
    export.refresh_from_db()
    return export


@transaction.atomic
def export_download(*, export: WorkspaceExport, actor: User) -> IO[bytes]:
    """The open archive of a ready export, claimed for this download: the stored file is deleted
    once the transaction commits (the open file stays readable) and the export cannot be
    downloaded again. Raises Conflict when it is not ready, already downloaded or expired."""
    now = timezone.now()
    ready = WorkspaceExport.objects.filter(pk=export.pk, status=WorkspaceExport.Status.READY, expires_at__gt=now)
    if not ready.exists():
        export.refresh_from_db()
        raise Conflict(_unavailable(export, now))
    try:
        handle = default_storage.open(export.file.name, "rb")
    except FileNotFoundError as exc:
        ready.update(status=WorkspaceExport.Status.EXPIRED)
        raise Conflict("This export's file is gone: make a new export.") from exc
    if not ready.update(status=WorkspaceExport.Status.DOWNLOADED, downloaded_at=now):
        handle.close()  # a concurrent download claimed it first
        raise Conflict("This export was downloaded already: make a new export.")
    audit_record(workspace=export.workspace, actor=actor, action=Action.EXPORT_DOWNLOADED, target=f"export {export.pk}")
    name = export.file.name
    transaction.on_commit(lambda: default_storage.delete(name))
    return handle


def _unavailable(export: WorkspaceExport, now: dt.datetime) -> str:
    if export.status == WorkspaceExport.Status.DOWNLOADED:
        return "This export was downloaded already: make a new export."
    if export.status in (WorkspaceExport.Status.EXPIRED,) or (export.expires_at and export.expires_at <= now):
        return "This export has expired: make a new export."
    if export.status == WorkspaceExport.Status.FAILED:
        return "This export failed: make a new export."
    return "This export is not ready yet."


def exports_expire() -> int:
    """Delete the files of ready exports past their expiry; returns how many expired."""
    expired = 0
    stale = WorkspaceExport.objects.filter(status=WorkspaceExport.Status.READY, expires_at__lte=timezone.now())
    for export in stale.only("pk", "file").iterator():
        if WorkspaceExport.objects.filter(pk=export.pk, status=WorkspaceExport.Status.READY).update(
            status=WorkspaceExport.Status.EXPIRED
        ):
            if export.file.name:
                default_storage.delete(export.file.name)
            expired += 1
    log.info("exports_expired", exports=expired)
    return expired


def owned_files(workspace: Workspace) -> Iterator[str]:
    """The stored files the workspace's rows name (exports, uploads), to delete with it."""
    for table in owned_tables():
        for field in table.model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names = table.rows(workspace).exclude(**{field.attname: ""}).values_list(field.attname, flat=True)
                yield from names.iterator()
