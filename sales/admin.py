import csv

from django.contrib import admin
from django.http import HttpResponse

from accounts.admin import WorkspaceListFilter
from config.api import csv_cell
from config.pagination import LargeTableAdmin
from sales.models import InsightReport, QualityReport, SalesRecord, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "workspace", "created_at"]
    list_filter = [WorkspaceListFilter]
    search_fields = ["name", "city", "workspace__name", "workspace__slug"]
    raw_id_fields = ["workspace"]
    list_select_related = ["workspace"]
    actions = None  # no bulk delete: a store is deleted on its own, and only without records

    def has_delete_permission(self, request, obj=None):
        """A store with sales records is kept (as the API's 409 says): deleting it would delete
        them too and silently rewrite the workspace's history."""
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.records.exists())


@admin.action(description="Export selected records as CSV")
def export_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="sales-records.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "workspace", "store", "date", "revenue", "ad_spend", "recorded_by", "created_at"])
    rows = queryset.select_related("workspace", "store", "recorded_by").order_by("date", "pk")
    for record in rows.iterator(chunk_size=2000):
        row = [
            record.pk,
            record.workspace.slug,
            record.store.name,
            record.date.isoformat(),
            record.revenue,
            record.ad_spend,
            record.recorded_by.email if record.recorded_by else "",
            record.created_at.isoformat(),
        ]
        writer.writerow([csv_cell(value) for value in row])
    return response


@admin.register(SalesRecord)
class SalesRecordAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = ["date", "store", "revenue", "ad_spend", "recorded_by", "workspace"]
    list_filter = [WorkspaceListFilter, "date"]
    search_fields = ["store__name", "recorded_by__email", "workspace__slug"]
    date_hierarchy = "date"
    raw_id_fields = ["workspace", "store", "recorded_by"]
    list_select_related = ["store", "recorded_by", "workspace"]
    actions = [export_csv]


@admin.register(InsightReport)
class InsightReportAdmin(admin.ModelAdmin):
    list_display = ["workspace", "generated_at", "duration_ms"]
    list_filter = [WorkspaceListFilter]
    date_hierarchy = "generated_at"
    raw_id_fields = ["workspace"]
    list_select_related = ["workspace"]
    readonly_fields = ["generated_at", "duration_ms", "summary", "monthly", "top_users", "findings"]


@admin.register(QualityReport)
class QualityReportAdmin(admin.ModelAdmin):
    list_display = ["workspace", "generated_at", "status", "incident_started_at", "alerted"]
    list_filter = ["status", "alerted", WorkspaceListFilter]
    date_hierarchy = "generated_at"
    raw_id_fields = ["workspace"]
    list_select_related = ["workspace"]
    readonly_fields = ["generated_at", "status", "checks", "incident_started_at", "alerted"]
