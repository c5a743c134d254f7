"""``manage.py import_orders FILE --workspace SLUG [--create]``: the API's import, from a file on disk."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User, Workspace
from accounts.services import workspace_create
from config.errors import Invalid
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
        parser.add_argument("--create", action="store_true", help="Create the workspace when it does not exist.")
        parser.add_argument("--owner", help="With --create: the email address of the new workspace's owner.")
        parser.add_argument("--name", help="With --create: the new workspace's name (default: the slug).")
        parser.add_argument("--timezone", default="UTC", help="With --create: the file's time zone (IANA name).")
        parser.add_argument("--currency", default="USD", help="With --create: the ISO 4217 currency code.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, file, workspace, no_progress: bool = False, **options):
        as_json = options.get("json", False)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        target, created = self._target(workspace, options)
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
            if created:  # nothing half-way: the workspace made for this file goes with it
                target.delete()
            raise CommandError(f"Import failed ({job.error.get('code')}): {job.error.get('message')}")
        if not as_json:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name} into {target.slug} (job {job.pk}):"))
            self.stdout.write(format_report(job.report))

    def _target(self, slug: str, options: dict) -> tuple[Workspace, bool]:
        """The workspace ``slug`` and whether it was created for this import (``--create``)."""
        target, created = _find_or_create(slug, options)
        if created:
            owner = f"owned by {options['owner'].lower()}" if options.get("owner") else "without members"
            self.stdout.write(f"Created workspace {target.slug} ({target.timezone}, {target.currency}, {owner}).")
        return target, created


def _find_or_create(slug: str, options: dict) -> tuple[Workspace, bool]:
    creating_only = [f"--{name}" for name in ("owner", "name") if options.get(name)]
    if creating_only and not options.get("create"):
        raise CommandError(f"{' and '.join(creating_only)} only apply with --create.")
    target = Workspace.objects.filter(slug=slug).first()
    if target is not None:
        return target, False
    if not options.get("create"):
        raise CommandError(f"No workspace with slug {slug!r} (add --create to create it).")
    owner = None
    if options.get("owner"):
        owner = User.objects.filter(email__iexact=options["owner"], is_active=True).first()
        if owner is None:
            raise CommandError(f"No active user with the email address {options['owner']!r}.")
    try:
        created = workspace_create(
            owner=owner,
            name=options.get("name") or slug,
            slug=slug,
            timezone=options.get("timezone") or "UTC",
            currency=options.get("currency") or "USD",
        )
    except Invalid as error:
        reasons = "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in error.fields.items())
        raise CommandError(f"Cannot create the workspace {slug!r}: {reasons or error.message}") from error
    return created, True


def _json(value) -> str:
    return json.dumps(value, indent=2, default=str)
