import json

from django.contrib import admin
from django.utils.html import format_html

from accounts.admin import WorkspaceListFilter
from config.pagination import LargeTableAdmin
from ecommerce.models import ImportJob, ModelFit, ReturnLine, SalesLine


class LineAdmin(LargeTableAdmin, admin.ModelAdmin):
    """Hundreds of thousands of rows per workspace: no full counts, no full-table dropdowns, no
    search or sort that no index answers.

    Lines come from imports and ``amount`` and ``is_product`` are derived from the other fields,
    so staff can look and delete, not add or change. A deletion, of one line or a selection,
    bumps the workspace's data version (the lines' model and queryset do), so no cached figure
    still counts the line.
    """

    list_display = [
        "invoice_no",
        "invoice_date",
        "stock_code",
        "description",
        "quantity",
        "unit_price",
        "amount",
        "customer_id",
        "country",
        "is_product",
        "workspace",
    ]
    list_filter = [WorkspaceListFilter, "is_product"]
    # Exact matches only, each one answered by an index of the workspaces' data tables; the
    # description is not searched: an index for it would cost every import its build.
    search_fields = ["invoice_no__exact", "stock_code__exact", "customer_id__exact", "country__exact"]
    search_help_text = "An exact invoice number, stock code, customer id or country."
    sortable_by = ["invoice_date"]  # a click on another column would sort millions of lines
    date_hierarchy = "invoice_date"
    raw_id_fields = ["workspace", "import_job"]
    list_select_related = ["workspace"]
    list_per_page = 100
    ordering = ["-invoice_date", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SalesLine)
class SalesLineAdmin(LineAdmin):
    pass


@admin.register(ReturnLine)
class ReturnLineAdmin(LineAdmin):
    pass


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Import jobs are an audit trail: read only."""

    list_display = ["id", "source_name", "workspace", "status", "rows_read", "sales_lines", "created_by", "created_at"]
    list_filter = ["status", WorkspaceListFilter]
    search_fields = ["source_name", "sha256", "workspace__slug", "created_by__email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["workspace", "created_by"]
    list_select_related = ["workspace", "created_by"]
    fields = [
        "workspace",
        "created_by",
        "source_name",
        "file",
        "sha256",
        "status",
        "created_at",
        "started_at",
        "finished_at",
        "report_pretty",
        "error_pretty",
    ]
    readonly_fields = fields

    @admin.display(description="rows read")
    def rows_read(self, job: ImportJob):
        return job.report.get("rows_read")

    @admin.display(description="sales lines")
    def sales_lines(self, job: ImportJob):
        return job.report.get("sales_lines_kept")

    @admin.display(description="report")
    def report_pretty(self, job: ImportJob):
        return format_html("<pre>{}</pre>", json.dumps(job.report, indent=2, ensure_ascii=False))

    @admin.display(description="error")
    def error_pretty(self, job: ImportJob):
        return format_html("<pre>{}</pre>", json.dumps(job.error, indent=2, ensure_ascii=False)) if job.error else "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModelFit)
class ModelFitAdmin(admin.ModelAdmin):
    """Fits are made by the warming task and the requests: staff can look and delete (the next
    request that needs a deleted fit fits its data again), not write one."""

    list_display = ["name", "workspace", "computed_at", "short_inputs"]
    list_filter = [WorkspaceListFilter, "name"]
    readonly_fields = ["workspace", "name", "inputs", "value", "computed_at"]
    date_hierarchy = "computed_at"

    @admin.display(description="inputs")
    def short_inputs(self, fit: ModelFit) -> str:
        return fit.inputs[:12]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
