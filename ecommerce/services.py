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

import hashlib
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import structlog
from django.core.files.uploadedfile import UploadedFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.audit import Action as AuditAction
from accounts.audit import audit_record
from accounts.models import User, Workspace
from config import metrics
from config.cache import bump_data_version
from ecommerce import partitions
from ecommerce.importing import Cleaner, ImportFailed, open_source
from ecommerce.models import LINE_MODELS, ImportJob, ReturnLine, SalesLine
from ecommerce.signals import orders_imported

log = structlog.get_logger("pulse.ecommerce.import")

LINE_COLUMNS = (
    "workspace_id",
    "import_job_id",
    "invoice_no",
    "stock_code",
    "description",
    "quantity",
    "invoice_date",
    "unit_price",
    "amount",
    "customer_id",
    "country",
    "is_product",
)
ORM_BATCH = 2_000
COPY_BATCH = 5_000


def file_sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1 << 20):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


# --- Sinks: where cleaned lines go --------------------------------------------------------------


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _CopyText:
    """Formats lines as PostgreSQL COPY text rows."""

    def __init__(self, workspace_id: int, job_id: int):
        self.workspace, self.job = str(workspace_id), str(job_id)
        self.dates: dict = {}

    def format(self, line: tuple) -> str:
        (
            invoice_no,
            stock_code,
            description,
            quantity,
            invoice_date,
            unit_price,
            amount,
            customer_id,
            country,
            product,
        ) = line
        date = self.dates.get(invoice_date)
        if date is None:
            if len(self.dates) > 100_000:
                self.dates.clear()
            date = self.dates[invoice_date] = invoice_date.isoformat()
        fields = (
            self.workspace,
            self.job,
            invoice_no,
            stock_code,
            description,
            str(quantity),
            date,
            str(unit_price),
            str(amount),
            customer_id,
            country,
            "t" if product else "f",
        )
        text = "\t".join(fields)
        # Eleven tabs and nothing to escape is the rule; otherwise escape each field.
        if text.count("\t") != 11 or "\\" in text or "\n" in text or "\r" in text:
            text = "\t".join(value.translate(_ESCAPES) for value in fields)
        return text + "\n"


class PostgresSink:
    """Streams sales lines into ``COPY ecommerce_salesline``; returns (kept apart in the file,
    interleaved with sales) are spooled to a temporary file and copied after, since one
    connection runs one COPY at a time. Memory stays bounded whatever the file's size."""

    def __init__(self, copy, workspace_id: int, job_id: int):
        self.copy = copy
        self.text = _CopyText(workspace_id, job_id)
        self.buffer: list[str] = []
        self.returns = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+t", encoding="utf-8")  # noqa: SIM115

    def sale(self, line: tuple) -> None:
        self.buffer.append(self.text.format(line))
        if len(self.buffer) >= COPY_BATCH:
            self.flush()

    def ret(self, line: tuple) -> None:
        self.returns.write(self.text.format(line))

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.buffer.clear()


class BatchSink:
    """The fallback for other databases (SQLite in development and tests): batched multi-row
    ``executemany`` inserts, with values adapted by the backend as the ORM would."""

    def __init__(self, workspace_id: int, job_id: int):
        self.workspace_id, self.job_id = workspace_id, job_id
        self.sales: list[tuple] = []
        self.returns: list[tuple] = []
        ops = connection.ops
        self.adapt_date, self.adapt_decimal = ops.adapt_datetimefield_value, ops.adapt_decimalfield_value
        placeholders = ", ".join(["%s"] * len(LINE_COLUMNS))
        self.sql = {
            model: f"INSERT INTO {_table(model)} ({', '.join(LINE_COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
            for model in LINE_MODELS
        }

    def _row(self, line: tuple) -> tuple:
        (
            invoice_no,
            stock_code,
            description,
            quantity,
            invoice_date,
            unit_price,
            amount,
            customer_id,
            country,
            product,
        ) = line
        return (
            self.workspace_id,
            self.job_id,
            invoice_no,
            stock_code,
            description,
            quantity,
            self.adapt_date(invoice_date),
            self.adapt_decimal(unit_price, 12, 3),
            self.adapt_decimal(amount, 16, 3),
            customer_id,
            country,
            product,
        )

    def sale(self, line: tuple) -> None:
        self.sales.append(self._row(line))
        if len(self.sales) >= ORM_BATCH:
            self.flush()

    def ret(self, line: tuple) -> None:
        self.returns.append(self._row(line))
        if len(self.returns) >= ORM_BATCH:
            self.flush()

    def flush(self) -> None:
        with connection.cursor() as cursor:
            for model, rows in ((SalesLine, self.sales), (ReturnLine, self.returns)):
                if rows:
                    cursor.executemany(self.sql[model], rows)
                    rows.clear()


# --- Loading ------------------------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _load_postgres(*, cleaner: Cleaner, source, workspace: Workspace, job: ImportJob, progress) -> dict:
    """COPY the cleaned lines into staged tables, add the workspace's lines of the invoices the
    file does not contain, and attach the result as the workspace's partitions
    (:mod:`ecommerce.partitions`). Returns the count of lines the file replaces."""
    columns = ", ".join(LINE_COLUMNS)
    # The raw COPYs' errors raised as Django's, as the cursor's are: a lost connection is an
    # OperationalError, which the task retries.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        staged = {model: partitions.stage(cursor, model, workspace.pk, job.pk) for model in LINE_MODELS}
        with raw.copy(f"COPY {staged[SalesLine]} ({columns}) FROM STDIN") as copy:
            sink = PostgresSink(copy, workspace.pk, job.pk)
            # A failure inside the block aborts the COPY, and the transaction rolls back.
            cleaner.run(source, sink, progress=progress)
            sink.flush()
        with sink.returns, raw.copy(f"COPY {staged[ReturnLine]} ({columns}) FROM STDIN") as copy:
            sink.returns.seek(0)
            while chunk := sink.returns.read(1 << 20):
                copy.write(chunk)
        for model in staged:
            partitions.lock(cursor, model, workspace.pk)
        replaced = {"sales_lines": 0, "returns": 0}
        if _has_lines(workspace):  # a first import has nothing to keep or replace
            replaced = _keep_other_invoices(cursor, invoices=cleaner.invoices, workspace=workspace, staged=staged)
        for model, name in staged.items():
            partitions.attach(cursor, model, workspace.pk, name)
    return replaced


def _has_lines(workspace: Workspace) -> bool:
    return (
        SalesLine.objects.filter(workspace=workspace).exists()
        or ReturnLine.objects.filter(workspace=workspace).exists()
    )


def _keep_other_invoices(cursor, *, invoices: Iterable[str], workspace: Workspace, staged: dict) -> dict:
    """Copy into the staged tables the workspace's lines of every invoice the file does not
    contain; the rest of its lines are replaced by the file's."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.ecom_import_invoices")
    cursor.execute("CREATE TEMP TABLE ecom_import_invoices (invoice_no varchar(20) PRIMARY KEY)")
    with cursor.cursor.copy("COPY ecom_import_invoices (invoice_no) FROM STDIN") as copy:
        for invoice_no in invoices:
            copy.write_row((invoice_no,))
    columns = ", ".join(("id", *LINE_COLUMNS))
    replaced = {}
    for key, model in (("sales_lines", SalesLine), ("returns", ReturnLine)):
        cursor.execute(
            f"INSERT INTO {staged[model]} ({columns}) SELECT {columns} FROM {_table(model)} AS line "  # noqa: S608
            "WHERE line.workspace_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM ecom_import_invoices AS file WHERE file.invoice_no = line.invoice_no)",
            [workspace.pk],
        )
        kept = cursor.rowcount
        cursor.execute(f"SELECT count(*) FROM {_table(model)} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608
        replaced[key] = cursor.fetchone()[0] - kept
    cursor.execute("DROP TABLE ecom_import_invoices")
    return replaced


def _replace_orm(*, invoices: Iterable[str], workspace: Workspace, job: ImportJob) -> dict:
    replaced = {"sales_lines": 0, "returns": 0}
    invoices = sorted(invoices)
    for start in range(0, len(invoices), 500):
        chunk = invoices[start : start + 500]
        for key, model in (("sales_lines", SalesLine), ("returns", ReturnLine)):
            deleted, _ = (
                model.objects.filter(workspace=workspace, invoice_no__in=chunk).exclude(import_job=job).delete()
            )
            replaced[key] += deleted
    return replaced


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
    on_progress = None if progress is None else (lambda done: progress(done, source.total, source.unit))
    # Imports of one workspace wait for each other; FK inserts elsewhere are not blocked.
    Workspace.objects.select_for_update(no_key=True).filter(pk=workspace.pk).first()
    if connection.vendor == "postgresql":
        replaced = _load_postgres(cleaner=cleaner, source=source, workspace=workspace, job=job, progress=on_progress)
    else:
        had_lines = _has_lines(workspace)
        sink = BatchSink(workspace.pk, job.pk)
        cleaner.run(source, sink, progress=on_progress)
        sink.flush()
        replaced = {"sales_lines": 0, "returns": 0}
        if had_lines:  # a first import has nothing to replace
            replaced = _replace_orm(invoices=cleaner.invoices, workspace=workspace, job=job)
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


def import_job_create(*, workspace: Workspace, user: User | None, upload: UploadedFile) -> ImportJob:
    """Store an uploaded file as a pending job (processed by ``ecommerce.tasks.import_orders``)."""
    name = Path(upload.name or "upload").name[:255]
    job = ImportJob(
        workspace=workspace, created_by=user, source_name=name, sha256=file_sha256(upload), status="pending"
    )
    job.file.save(name, upload, save=False)
    job.save()
    return job


def import_job_run(
    *,
    job: ImportJob,
    file: IO[bytes] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportJob:
    """Run a pending job (from its stored file, or ``file`` for the command line).

    Safe to run twice: a finished job is left as it is; a job left ``running`` by a lost worker
    runs again (its transaction was rolled back). Lost connections propagate (the task retries);
    an unreadable file marks the job failed with the reason.
    """
    if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
        return job
    job.status, job.started_at, job.error = ImportJob.Status.RUNNING, timezone.now(), {}
    job.save(update_fields=["status", "started_at", "error"])
    log.info("import_started", job_id=job.pk, workspace_id=job.workspace_id, source=job.source_name)
    try:
        opened = file if file is not None else job.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        _fail(job, {"code": "file_missing", "message": f"The uploaded file cannot be read: {exc}."})
        return job
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
    finally:
        if file is None:
            opened.close()
    return job


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
