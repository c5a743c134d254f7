import csv

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpResponse

from accounts.admin import WorkspaceListFilter
from accounts.models import Workspace
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
    search_fields = ["^store__name", "=recorded_by__email", "=workspace__slug"]
    search_help_text = "The start of a store's name, a member's email address or a workspace's slug."
    sortable_by = ["date"]  # the other columns have no index to sort millions of records by
    date_hierarchy = "date"
    raw_id_fields = ["workspace", "store", "recorded_by"]
    list_select_related = ["store", "recorded_by", "workspace"]
    actions = [export_csv]

    def get_search_results(self, request, queryset, search_term):
        """The stores, members and workspaces matched first, each on an index of its own small
        table, then the records by those ids: the same condition over the joined tables would
        read every record. The term is matched whole (a store's name has spaces)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        stores = list(Store.objects.filter(name__istartswith=term).values_list("pk", flat=True))
        users = list(get_user_model().objects.filter(email=term.lower()).values_list("pk", flat=True))
        workspaces = list(Workspace.objects.filter(slug=term).values_list("pk", flat=True))
        matched = Q(store__in=stores) | Q(recorded_by__in=users) | Q(workspace__in=workspaces)
        return queryset.filter(matched), False


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
