"""Loading cleaned order lines into the database, for :func:`ecommerce.services.orders_import`.

On PostgreSQL the lines are ``COPY``-ed into fresh tables that replace the workspace's partitions
(:mod:`ecommerce.partitions`), with the workspace's lines of the invoices the file does not
contain copied over; elsewhere (SQLite) they are inserted in batches and the replaced invoices'
old lines deleted. Either way it runs in the caller's transaction.

On PostgreSQL the file is read and cleaned by a producer thread that hands batches of COPY text
through a bounded queue to the thread holding the connection, so the cleaning goes on while the
server parses and stores the previous batches (:func:`overlapped`).
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.db import connection

from accounts.models import Workspace
from ecommerce import partitions
from ecommerce.importing import Cleaner, CleanLine
from ecommerce.models import LINE_MODELS, ImportJob, ReturnLine, SalesLine

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
# Batches of COPY text waiting for the connection: enough to ride out a slow write, few enough
# that memory stays bounded (a batch is about half a megabyte).
QUEUE_BATCHES = 8


# --- Sinks: where cleaned lines go --------------------------------------------------------------


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class CopyText:
    """Formats lines as PostgreSQL COPY text rows."""

    def __init__(self, workspace_id: int, job_id: int):
        self.workspace, self.job = str(workspace_id), str(job_id)
        self.dates: dict = {}

    def format(self, line: CleanLine) -> str:
        invoice_date = line.invoice_date
        date = self.dates.get(invoice_date)
        if date is None:
            if len(self.dates) > 100_000:
                self.dates.clear()
            date = self.dates[invoice_date] = invoice_date.isoformat()
        fields = (
            self.workspace,
            self.job,
            line.invoice_no,
            line.stock_code,
            line.description,
            str(line.quantity),
            date,
            str(line.unit_price),
            str(line.amount),
            line.customer_id,
            line.country,
            "t" if line.product else "f",
        )
        text = "\t".join(fields)
        # Eleven tabs and nothing to escape is the rule; otherwise escape each field.
        if text.count("\t") != 11 or "\\" in text or "\n" in text or "\r" in text:
            text = "\t".join(value.translate(_ESCAPES) for value in fields)
        return text + "\n"


class PostgresSink:
    """Hands sales lines, as COPY text in batches, to ``write`` (the COPY of the staged sales
    table); returns (kept apart in the file, interleaved with sales) are spooled to ``returns``
    and copied after, since one connection runs one COPY at a time. Memory stays bounded
    whatever the file's size."""

    def __init__(self, write: Callable[[str], None], returns: IO[str], workspace_id: int, job_id: int):
        self.write, self.returns = write, returns
        self.text = CopyText(workspace_id, job_id)
        self.buffer: list[str] = []

    def sale(self, line: CleanLine) -> None:
        self.buffer.append(self.text.format(line))
        if len(self.buffer) >= COPY_BATCH:
            self.flush()

    def ret(self, line: CleanLine) -> None:
        self.returns.write(self.text.format(line))

    def flush(self) -> None:
        if self.buffer:
            self.write("".join(self.buffer))
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

    def _row(self, line: CleanLine) -> tuple:
        return (
            self.workspace_id,
            self.job_id,
            line.invoice_no,
            line.stock_code,
            line.description,
            line.quantity,
            self.adapt_date(line.invoice_date),
            self.adapt_decimal(line.unit_price, 12, 3),
            self.adapt_decimal(line.amount, 16, 3),
            line.customer_id,
            line.country,
            line.product,
        )

    def sale(self, line: CleanLine) -> None:
        self.sales.append(self._row(line))
        if len(self.sales) >= ORM_BATCH:
            self.flush()

    def ret(self, line: CleanLine) -> None:
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


class _Stopped(Exception):
    """Raised in the producer when the consumer gave up: the producer's work is void."""


class _Producer(threading.Thread):
    """Runs ``produce(put)`` in a thread of its own, handing what it puts through a queue of at
    most :data:`QUEUE_BATCHES` items; an error raised there is raised again by :meth:`items`."""

    _END = object()

    def __init__(self, produce: Callable[[Callable[[str], None]], None]):
        super().__init__(name="pulse-import-producer", daemon=True)
        self.produce = produce
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_BATCHES)
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def put(self, item) -> None:
        # A bounded wait, so that a consumer that failed (and stopped reading) frees this thread.
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue
        raise _Stopped

    def run(self) -> None:
        try:
            self.produce(self.put)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            self.error = exc
        try:
            self.put(self._END)
        except _Stopped:
            return

    def items(self) -> Iterator[str]:
        while (item := self.queue.get()) is not self._END:
            yield item
        if self.error is not None:
            raise self.error


def overlapped(produce: Callable[[Callable[[str], None]], None], consume: Callable[[Iterator[str]], None]) -> None:
    """``produce(put)`` in a producer thread while ``consume(items)`` runs here on what it puts.
    An error on either side ends both and is raised here: the producer's once the items before
    it are consumed, the consumer's after the producer has stopped."""
    producer = _Producer(produce)
    producer.start()
    try:
        consume(producer.items())
    finally:
        producer.stop.set()
        producer.join()


def _copy_in(raw, table: str, items: Iterable[str]) -> None:
    with raw.copy(f"COPY {table} ({', '.join(LINE_COLUMNS)}) FROM STDIN") as copy:
        for item in items:
            copy.write(item)


def load_postgres(*, cleaner: Cleaner, source, workspace: Workspace, job: ImportJob, progress) -> dict:
    """COPY the cleaned lines into staged tables, add the workspace's lines of the invoices the
    file does not contain, and attach the result as the workspace's partitions
    (:mod:`ecommerce.partitions`). Returns the count of lines the file replaces."""
    # The raw COPYs' errors raised as Django's, as the cursor's are: a lost connection is an
    # OperationalError, which the task retries.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        staged = {model: partitions.stage(cursor, model, workspace.pk, job.pk) for model in LINE_MODELS}
        with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+t", encoding="utf-8") as returns:

            def produce(put: Callable[[str], None]) -> None:
                sink = PostgresSink(put, returns, workspace.pk, job.pk)
                cleaner.run(source, sink, progress=progress)
                sink.flush()

            # A failure on either side aborts the COPY, and the transaction rolls back.
            overlapped(produce, lambda items: _copy_in(raw, staged[SalesLine], items))
            returns.seek(0)
            _copy_in(raw, staged[ReturnLine], iter(lambda: returns.read(1 << 20), ""))
        for model in staged:
            partitions.lock(cursor, model, workspace.pk)
        replaced = {"sales_lines": 0, "returns": 0}
        if has_lines(workspace):  # a first import has nothing to keep or replace
            replaced = _keep_other_invoices(cursor, invoices=cleaner.invoices, workspace=workspace, staged=staged)
        partitions.tune_index_builds(cursor)
        for model, name in staged.items():
            partitions.attach(cursor, model, workspace.pk, name)
    return replaced


def has_lines(workspace: Workspace) -> bool:
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


def replace_orm(*, invoices: Iterable[str], workspace: Workspace, job: ImportJob) -> dict:
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
