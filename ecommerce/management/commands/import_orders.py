"""``manage.py import_orders FILE --workspace SLUG``: the API's import, from a file on disk."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import Workspace
from ecommerce import services
from ecommerce.models import ImportJob


def format_report(report: dict) -> str:
    rejected = report.get("rejected", {})
    replaced = report.get("replaced", {})
    lines = [
        ("rows read", report.get("rows_read")),
        ("1. duplicates dropped", report.get("duplicates_dropped")),
        ("2. adjustments excluded (A…)", report.get("adjustments_excluded")),
        ("3. returns kept (C…)", report.get("returns_kept")),
        ("4. rejected: quantity ≤ 0", rejected.get("quantity_le_0")),
        ("   rejected: unit price ≤ 0", rejected.get("price_le_0")),
        ("5. sales lines kept", report.get("sales_lines_kept")),
        ("invoices in the file", report.get("invoices_in_file")),
        ("orders (sales invoices)", report.get("orders")),
        ("customers", report.get("customers")),
        ("sales lines without customer", report.get("sales_lines_without_customer")),
        ("non-product sales lines", report.get("non_product_sales_lines")),
        ("revenue", report.get("revenue")),
        ("returns value", report.get("returns_value")),
        ("first / last sale (UTC)", f"{report.get('first_sale')} / {report.get('last_sale')}"),
        ("replaced lines (sales / returns)", f"{replaced.get('sales_lines', 0)} / {replaced.get('returns', 0)}"),
        (
            "format / encoding / time zone",
            f"{report.get('format')} / {report.get('encoding')} / {report.get('time_zone')}",
        ),
        ("duration (s)", report.get("duration_seconds")),
    ]
    width = max(len(label) for label, _ in lines)
    return "\n".join(
        f"  {label:<{width}}  {value:,}" if isinstance(value, int) else f"  {label:<{width}}  {value}"
        for label, value in lines
    )


class Command(BaseCommand):
    help = "Import an order file (CSV, CSV.GZ or XLSX in the Online Retail layout) into a workspace."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV, CSV.GZ or XLSX file.")
        parser.add_argument("--workspace", required=True, help="Slug of the workspace to import into.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, workspace, no_progress: bool = False, **options):
        as_json = options.get("json", False)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        target = Workspace.objects.filter(slug=workspace).first()
        if target is None:
            raise CommandError(f"No workspace with slug {workspace!r}.")
        job = ImportJob.objects.create(workspace=target, source_name=path.name[:255], status="pending")
        bar = None

        def progress(done: int, total: int, unit: str) -> None:
            nonlocal bar
            if no_progress:
                return
            if bar is None:
                bar = tqdm(total=total, unit=unit, unit_scale=True, desc=path.name, file=self.stderr)
            bar.update(done - bar.n)

        try:
            with path.open("rb") as opened:
                job = services.import_job_run(job=job, file=opened, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        if as_json:
            self.stdout.write(_json({"job": job.pk, "status": job.status, "report": job.report, "error": job.error}))
        if job.status != ImportJob.Status.SUCCEEDED:
            raise CommandError(f"Import failed ({job.error.get('code')}): {job.error.get('message')}")
        if not as_json:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name} into {target.slug} (job {job.pk}):"))
            self.stdout.write(format_report(job.report))


def _json(value) -> str:
    return json.dumps(value, indent=2, default=str)
