"""The imports page (HTML): upload an order file, follow its progress, read the history.

Owners and admins upload; viewers follow the history. The upload calls the service the API calls
(:func:`ecommerce.services.import_upload`), with the same rules: verified users, the rates of
:mod:`ecommerce.throttles`, the cap on imports waiting or running, the size limit and the header
check; its refusals show next to the file field. ``static/js/imports.js`` adds drag and drop and
polls :class:`ImportProgressView` while a job waits or runs.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator

from accounts.models import Membership
from accounts.workspace_pages import WorkspacePage
from config.errors import DomainError
from ecommerce import services
from ecommerce.api.imports import check_declared_size
from ecommerce.importing import COLUMNS
from ecommerce.models import ImportJob
from ecommerce.throttles import upload_wait

ACCEPT = ".csv,.gz,.xlsx,text/csv,application/gzip,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 20
OUTCOMES = {
    ImportJob.Status.PENDING: "its import waits for a worker",
    ImportJob.Status.RUNNING: "its import is running",
    ImportJob.Status.SUCCEEDED: "it is imported",
    ImportJob.Status.FAILED: "it could not be imported, see why below",
}

# The report's figures as the page shows them, in the order of the cleaning steps.
REPORT_ROWS = (
    ("rows_read", "Rows read"),
    ("duplicates_dropped", "1. Exact duplicates dropped"),
    ("adjustments_excluded", "2. Bad-debt adjustments (A…) excluded"),
    ("returns_kept", "3. Returns (C…) kept apart"),
    ("rejected.quantity_le_0", "4. Rejected: quantity ≤ 0"),
    ("rejected.price_le_0", "4. Rejected: unit price ≤ 0"),
    ("sales_lines_kept", "5. Sales lines kept"),
    ("descriptions_truncated", "Descriptions cut to 255 characters"),
    ("invoices_in_file", "Invoices in the file"),
    ("orders", "Orders"),
    ("customers", "Customers"),
    ("revenue", "Revenue"),
    ("returns_value", "Returns value"),
    ("first_sale", "First sale"),
    ("last_sale", "Last sale"),
    ("replaced.sales_lines", "Sales lines replaced (invoices imported before)"),
    ("replaced.returns", "Returns replaced"),
    ("format", "Format"),
    ("encoding", "Encoding"),
    ("time_zone", "Time zone of the dates"),
    ("duration_seconds", "Seconds"),
)


def report_rows(report: dict) -> list[tuple[str, object]]:
    """``(label, value)`` of every figure the report has, dotted keys reaching nested ones."""
    rows = []
    for key, label in REPORT_ROWS:
        value: object = report
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            rows.append((label, value))
    if report.get("ignored_columns"):
        rows.append(("Columns ignored", ", ".join(report["ignored_columns"])))
    return rows


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Order file",
        help_text="CSV, CSV.GZ or XLSX with the columns " + ", ".join(COLUMNS) + ".",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    @classmethod
    def refused(cls, message: str) -> "UploadForm":
        """The form with ``message`` on its field, for an upload refused before its body is read."""
        form = cls(data={})
        form.cleaned_data, form._errors = {}, forms.utils.ErrorDict()  # as after validation
        form.add_error("file", message)
        return form


class ImportsPage(WorkspacePage):
    """Viewers follow the imports; owners and admins upload."""

    write_role = Membership.Role.ADMIN
    refused = "Owners and admins upload files; you can follow the imports."


# Not in the request's transaction, as the API's upload: see services.import_upload.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ImportsView(ImportsPage):
    template_name = "ecommerce/imports.html"

    def get_context_data(self, form: UploadForm | None = None, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = ImportJob.objects.filter(workspace=self.workspace).select_related("created_by")
        page = Paginator(jobs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        for job in page:
            job.report_rows = report_rows(job.report) if job.status == ImportJob.Status.SUCCEEDED else []
            job.active = job.status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING)
        context.update(
            can_upload=self.has_role(Membership.Role.ADMIN),
            form=form or UploadForm(),
            jobs=page,
            max_upload=settings.PULSE_MAX_UPLOAD_BYTES,
            verified=self.request.user.is_verified,
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            check_declared_size(request)  # before the body is parsed below
        except DomainError as error:
            return self.render_to_response(self.get_context_data(form=UploadForm.refused(error.message)), status=413)
        form = UploadForm(request.POST, request.FILES)
        wait = upload_wait(request, self)
        if wait is not None:
            form.add_error("file", f"Too many uploads: try again in {wait} seconds.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            job = services.import_upload(workspace=self.workspace, user=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            # Shown on the page like any form error (200); the API answers the error's status.
            form.add_error("file", error.fields.get("file", [error.message])[0])
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, f"{job.source_name} is uploaded: {OUTCOMES[job.status]}.")
        return redirect(f"{reverse('ecommerce:imports')}#job-{job.pk}")


class ImportProgressView(ImportsPage):
    """What the page polls: a job's status and the rows read so far (JSON)."""

    def get(self, request, pk: int):
        job = get_object_or_404(ImportJob, workspace=self.workspace, pk=pk)
        return JsonResponse(services.import_job_progress(job))
