"""Helpers for the import tests: build order files in memory and run them through the pipeline."""

import csv
import gzip
import io

from ecommerce import services
from ecommerce.importing import COLUMNS
from ecommerce.models import ImportJob

HEADER = list(COLUMNS)


def csv_bytes(rows, *, header=HEADER, encoding="iso-8859-1") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def gz_bytes(data: bytes) -> bytes:
    return gzip.compress(data)


def run_import(workspace, data: bytes, *, name="orders.csv", user=None) -> ImportJob:
    job = ImportJob.objects.create(workspace=workspace, created_by=user, source_name=name)
    return services.import_job_run(job=job, file=io.BytesIO(data))


def stored(model, workspace) -> list[tuple]:
    """The stored lines of a workspace, comparable with hand-written tuples."""
    return [
        (
            line.invoice_no,
            line.stock_code,
            line.description,
            line.quantity,
            line.invoice_date.isoformat(),
            str(line.unit_price),
            str(line.amount),
            line.customer_id,
            line.country,
            line.is_product,
        )
        for line in model.objects.filter(workspace=workspace).order_by("invoice_date", "invoice_no", "stock_code")
    ]


STEP_KEYS = (
    "rows_read",
    "duplicates_dropped",
    "adjustments_excluded",
    "returns_kept",
    "rejected",
    "rejected_total",
    "sales_lines_kept",
)


def steps(report: dict) -> dict:
    """The counts of the cleaning steps (jsonb does not keep the keys' order)."""
    return {key: report[key] for key in STEP_KEYS}
