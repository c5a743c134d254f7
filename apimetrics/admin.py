from django.contrib import admin, messages
from django.utils.translation import ngettext

from accounts.admin import WorkspaceListFilter
from apimetrics import keys, projects
from apimetrics.models import (
    ApiKey,
    DayRollup,
    DirtyMinute,
    HourRollup,
    MinuteRollup,
    Project,
    RequestEvent,
    RollupState,
)
from apimetrics.tracking import METHODS
from config.errors import Conflict
from config.pagination import LargeTableAdmin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MaskedKeyMixin:
    """The key as staff see it: its public prefix, never the secret."""

    @admin.display(description="Key")
    def masked_prefix(self, obj):
        return f"{obj.public_prefix}…"


class ApiKeyInline(MaskedKeyMixin, admin.TabularInline):
    model = ApiKey
    fields = ["name", "masked_prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "workspace", "timezone", "retention_days", "apdex_threshold_ms", "is_builtin"]
    list_filter = ["is_builtin", WorkspaceListFilter]
    search_fields = ["name", "key", "workspace__name", "workspace__slug"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace"]
    inlines = [ApiKeyInline]

    def delete_model(self, request, obj):
        projects.project_delete(project=obj)

    def delete_queryset(self, request, queryset):
        for project in queryset:
            projects.project_delete(project=project)


@admin.register(ApiKey)
class ApiKeyAdmin(MaskedKeyMixin, admin.ModelAdmin):
    """Keys are created through the API (the secret is shown once). Staff rename them and revoke
    them through the API's rule (a project's last active key stays); a deleted key stops at once
    (see receivers)."""

    list_display = ["name", "masked_prefix", "project", "created_at", "last_used_at", "revoked_at", "expires_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "project__key"]
    list_select_related = ["project"]
    fields = [
        "project",
        "name",
        "masked_prefix",
        "masked_hash",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
    ]
    readonly_fields = [name for name in fields if name != "name"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="HMAC (truncated)")
    def masked_hash(self, obj):
        return f"{obj.hashed_key[:8]}…"

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True).select_related("project"):
            try:
                keys.api_key_revoke(api_key=api_key, user=request.user)
            except Conflict as refused:
                self.message_user(request, f"{api_key.name} ({api_key.project.key}): {refused.message}", messages.ERROR)
            else:
                revoked += 1
        if revoked:
            message = ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked) % {"count": revoked}
            self.message_user(request, message, messages.SUCCESS)


class MethodFilter(admin.SimpleListFilter):
    """The HTTP methods tracking accepts, instead of a DISTINCT over every event."""

    title = "method"
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return [(method, method) for method in sorted(METHODS)]

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


@admin.register(RequestEvent)
class RequestEventAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ["timestamp", "project", "method", "endpoint", "status_code", "response_time_ms", "consumer"]
    list_filter = [MethodFilter]
    search_fields = ["endpoint", "consumer"]
    list_select_related = ["project"]
    date_hierarchy = None
    ordering = ["-id"]


@admin.register(MinuteRollup)
class MinuteRollupAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ["minute", "project", "kind", "method", "endpoint", "consumer", "requests", "status_5xx"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    ordering = ["-minute"]


@admin.register(HourRollup)
class HourRollupAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ["hour", "project", "kind", "method", "endpoint", "consumer", "requests", "status_5xx"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    ordering = ["-hour"]


@admin.register(DayRollup)
class DayRollupAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ["day", "project", "kind", "method", "endpoint", "consumer", "requests", "status_5xx"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    ordering = ["-day"]


@admin.register(RollupState)
class RollupStateAdmin(ReadOnlyAdmin):
    list_display = ["project", "rolled_until", "updated_at"]
    list_select_related = ["project"]


@admin.register(DirtyMinute)
class DirtyMinuteAdmin(ReadOnlyAdmin):
    list_display = ["project", "minute"]
