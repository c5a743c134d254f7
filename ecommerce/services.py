"""Writes of the ecommerce app: importing order files.

An import is all or nothing: it runs in one transaction that holds a lock on the workspace
(imports of one workspace run one after the other), streams the cleaned lines into the tables
and rolls back on any failure. On PostgreSQL the lines are ``COPY``-ed into a fresh table that
replaces the workspace's partition (:mod:`ecommerce.partitions`); elsewhere they are inserted
in batches.

Re-importing: **an import replaces the workspace's lines of every invoice the file contains.**
Importing the same file twice leaves the data as after the first import; overlapping files
(say a monthly export after a quarterly one) never count an invoice twice; an invoice that a
new file lists with fewer lines is corrected. Invoices that the file does not contain are
never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.audit import Action as AuditAction
from accounts.audit import audit_record
from accounts.models import User, Workspace
from config import metrics
from config.cache import bump_data_version
from config.errors import Conflict, Forbidden, Invalid, TooLarge
from config.queue import enqueue
from ecommerce import loading, partitions
from ecommerce.importing import Cleaner, ImportFailed, open_source
from ecommerce.models import LINE_MODELS, ImportJob
from ecommerce.signals import orders_imported

log = structlog.get_logger("pulse.ecommerce.import")

FINISHED = (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED)
# Longer than an import may run (the task's time limit and its retries).
STALE_AFTER = dt.timedelta(hours=2)
PROGRESS_SECONDS = 3 * 3600
UPLOAD_LOCK = 0x1E1F  # the advisory lock class of uploads (the second key is the workspace)


def file_sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def orders_import(
    *, workspace: Workspace, job: ImportJob, file: IO[bytes], progress: Callable[[int, int, str], None] | None = None
) -> dict:
    """Clean ``file`` and load it into ``workspace`` for ``job``, in the caller's transaction.

    Returns the report; raises :class:`ImportFailed` (after which the caller rolls back).
    ``progress(done, total, unit)`` is called every few thousand rows. On PostgreSQL the
    workspace has its own partitions already (:func:`ecommerce.partitions.ensure`, which
    :func:`import_job_run` runs in a transaction of its own first).
    """
    started = timezone.now()
    source = open_source(file)
    cleaner = Cleaner(tz=workspace.tzinfo, now=started)

    def on_progress(done: int) -> None:
        progress_record(job, rows_read=cleaner.rows_read, done=done, total=source.total, unit=source.unit)
        if progress is not None:
            progress(done, source.total, source.unit)

    # Imports of one workspace wait for each other; FK inserts elsewhere are not blocked.
    Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).first()
    if connection.vendor == "postgresql":
        replaced = loading.load_postgres(
            cleaner=cleaner, source=source, workspace=workspace, job=job, progress=on_progress
        )
    else:
        had_lines = loading.has_lines(workspace)
        sink = loading.BatchSink(workspace.pk, job.pk)
        cleaner.run(source, sink, progress=on_progress)
        sink.flush()
        replaced = {"sales_lines": 0, "returns": 0}
        if had_lines:  # a first import has nothing to replace
            replaced = loading.replace_orm(invoices=cleaner.invoices, workspace=workspace, job=job)
    report = {
        **cleaner.report,
        "replaced": replaced,
        "format": source.kind,
        "encoding": source.encoding_info(),
        "ignored_columns": source.ignored_columns,
        "time_zone": workspace.timezone,
        "duration_seconds": round((timezone.now() - started).total_seconds(), 2),
    }
    written = report["sales_lines_kept"] + report["returns_kept"]
    if written or replaced["sales_lines"] or replaced["returns"]:
        bump_data_version("ecommerce", workspace.pk)
        transaction.on_commit(
            lambda: orders_imported.send(sender=ImportJob, workspace_id=workspace.pk, job_id=job.pk),
            robust=True,
        )
    return report


class ImportsBusy(Conflict):
    code = "too_many_imports"


def import_job_create(*, workspace: Workspace, user: User, upload: UploadedFile) -> ImportJob:
    """Store an uploaded file as a pending job (processed by ``ecommerce.tasks.import_orders``).

    The rules of every upload, from the API or the page: only verified users upload (403); the
    file is at most ``PULSE_MAX_UPLOAD_BYTES`` (413) and has a header of orders (400 on the
    ``file`` field, before any job exists: empty, binary, wrong columns…); a workspace has at most
    ``PULSE_MAX_ACTIVE_IMPORTS`` jobs pending or running (409 ``too_many_imports``). The rates
    per user and per workspace are the views' throttles (:mod:`ecommerce.throttles`).
    """
    if not user.is_verified:
        raise Forbidden(
            "Confirm your email address before uploading files: follow the link we mailed you, "
            "or ask for a new one on your account page."
        )
    upload_size_check(upload.size or 0)
    try:
        open_source(upload)  # reads the header only: a file that is not orders gets no job
    except ImportFailed as failure:
        raise Invalid.on("file", failure.message) from None
    finally:
        upload.seek(0)
    name = Path(upload.name or "upload").name[:255]
    with transaction.atomic():
        _lock_uploads(workspace)
        cap = settings.PULSE_MAX_ACTIVE_IMPORTS
        if active_imports(workspace).count() >= cap:
            raise ImportsBusy(
                f"This workspace already has {cap} import(s) waiting or running: "
                "upload this file once one of them has finished."
            )
        job = ImportJob(workspace=workspace, created_by=user, source_name=name, sha256=file_sha256(upload))
        job.file.save(name, upload, save=False)
        job.save()
    return job


def upload_size_check(size: int) -> None:
    """413 for an upload over ``PULSE_MAX_UPLOAD_BYTES`` (the views check the declared
    Content-Length with it before reading the body, the service the file received)."""
    limit = settings.PULSE_MAX_UPLOAD_BYTES
    if size > limit:
        raise TooLarge(f"The upload is {size:,} bytes; the limit is {limit:,} bytes.")


def import_upload(*, workspace: Workspace, user: User, upload: UploadedFile) -> ImportJob:
    """:func:`import_job_create`, then the job sent to the workers; returns the job as it stands.

    Called outside a transaction (the upload views are not atomic), so the job is committed
    before a worker looks for it. Where tasks run eagerly (the embedded default) or the broker is
    down, the import has run by the time this returns: the job is finished, with its report or
    error, and the answer says so rather than ``pending``.
    """
    from ecommerce.tasks import import_orders  # not at the top: the task imports this module in its body

    job = import_job_create(workspace=workspace, user=user, upload=upload)
    enqueue(import_orders, job.pk)
    job.refresh_from_db()
    return job


def active_imports(workspace: Workspace):
    """The workspace's jobs pending or running. One left ``running`` by a worker that died stops
    counting after :data:`STALE_AFTER`, so a lost worker cannot block uploads for good."""
    return ImportJob.objects.filter(
        workspace=workspace,
        status__in=(ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
        created_at__gte=timezone.now() - STALE_AFTER,
    )


def _lock_uploads(workspace: Workspace) -> None:
    """Two uploads of one workspace count its active jobs one after the other. Not the
    workspace row's lock: a running import holds that one until it commits."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [UPLOAD_LOCK, workspace.pk])


def import_job_run(
    *,
    job: ImportJob,
    file: IO[bytes] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportJob:
    """Run a pending job (from its stored file, or ``file`` for the command line).

    Safe to run twice: a finished job is left as it is; a job left ``running`` by a lost worker
    runs again (its transaction was rolled back). Lost connections propagate (the task retries);
    an unreadable file marks the job failed with the reason. Once the job has finished, either
    way, its uploaded file is deleted: the report keeps what it held.
    """
    if job.status in FINISHED:
        _discard_file(job)
        return job
    job.status, job.started_at, job.error = ImportJob.Status.RUNNING, timezone.now(), {}
    job.save(update_fields=["status", "started_at", "error"])
    log.info("import_started", job_id=job.pk, workspace_id=job.workspace_id, source=job.source_name)
    try:
        opened = file if file is not None else job.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        _fail(job, {"code": "file_missing", "message": f"The uploaded file cannot be read: {exc}."})
        _discard_file(job)
        return job
    try:
        _run(job, opened, progress)
    finally:
        if file is None:
            opened.close()
        if job.status in FINISHED:  # not after a lost connection: the task's retry reads the file
            _discard_file(job)
    return job


def _run(job: ImportJob, opened: IO[bytes], progress: Callable[[int, int, str], None] | None) -> None:
    try:
        if not job.sha256:
            job.sha256 = file_sha256(opened)
        if connection.vendor == "postgresql":
            with transaction.atomic():  # committed apart: it briefly locks the DEFAULT partition
                for model in LINE_MODELS:
                    partitions.ensure(model, job.workspace_id)
        with transaction.atomic():
            report = orders_import(workspace=job.workspace, job=job, file=opened, progress=progress)
            job.status, job.report, job.finished_at = ImportJob.Status.SUCCEEDED, report, timezone.now()
            job.save(update_fields=["status", "report", "finished_at", "sha256"])
            _audit_import(job)
    except ImportFailed as exc:
        _fail(job, exc.as_dict())
    except (OperationalError, InterfaceError):
        raise  # transient: the task retries
    except Exception as exc:  # a bug must not leave the job "running" forever
        log.exception("import_crashed", job_id=job.pk)
        _fail(job, {"code": "internal_error", "message": f"The import failed unexpectedly ({type(exc).__name__})."})
    else:
        log.info("import_succeeded", job_id=job.pk, **{k: v for k, v in job.report.items() if isinstance(v, int)})
        metrics.import_finished(
            status="succeeded",
            kept=job.report["sales_lines_kept"],
            returned=job.report["returns_kept"],
            rejected=job.report["rejected_total"],
            duplicates=job.report["duplicates_dropped"],
        )


def _discard_file(job: ImportJob) -> None:
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


# --- Progress: in the cache, since the import's own transaction is invisible until it commits ---


def _progress_key(job_id: int) -> str:
    return f"ecommerce:import-progress:{job_id}"


def progress_record(job: ImportJob, *, rows_read: int, done: int, total: int, unit: str) -> None:
    cache.set(
        _progress_key(job.pk), {"rows_read": rows_read, "done": done, "total": total, "unit": unit}, PROGRESS_SECONDS
    )


def import_job_progress(job: ImportJob) -> dict:
    """What a page polls: the job's status and the rows read so far (the report's count once
    it has succeeded; the last progress recorded while it runs)."""
    progress = {"rows_read": None, "done": None, "total": None, "unit": None}
    if job.status == ImportJob.Status.SUCCEEDED:
        progress["rows_read"] = job.report.get("rows_read")
    elif job.status == ImportJob.Status.RUNNING:
        progress.update(cache.get(_progress_key(job.pk)) or {})
    return {"id": job.pk, "status": job.status, **progress}


def _audit_import(job: ImportJob) -> None:
    """The workspace's audit log: who imported which file, and what it kept."""
    counts = ("sales_lines_kept", "returns_kept", "rejected_total", "duplicates_dropped")
    audit_record(
        workspace=job.workspace,
        actor=job.created_by,
        action=AuditAction.DATA_IMPORTED,
        target=job.source_name,
        details={"job_id": job.pk, **{name: job.report.get(name) for name in counts}},
    )


def _fail(job: ImportJob, error: dict) -> None:
    job.status, job.error, job.finished_at = ImportJob.Status.FAILED, error, timezone.now()
    job.report = {}
    job.save(update_fields=["status", "error", "finished_at", "report", "sha256"])
    log.warning("import_failed", job_id=job.pk, code=error.get("code"), message=error.get("message"))
    metrics.import_finished(status="failed")


def import_job_fail(*, job: ImportJob, code: str, message: str) -> None:
    """Mark a job failed from outside the import (a task out of retries)."""
    _fail(job, {"code": code, "message": message})
    _discard_file(job)
