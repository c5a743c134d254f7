from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin as BaseBlacklistedTokenAdmin
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin as BaseOutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from accounts.models import AuditEvent, Invitation, Membership, User, Workspace, WorkspaceExport
from config.pagination import LargeTableAdmin


class WorkspaceListFilter(admin.SimpleListFilter):
    """The workspace filter of every tenant-owned model's list, by slug, without listing every
    tenant: it offers the first ``shown`` workspaces by slug and the one chosen, and a box for
    any other slug (which keeps the list's other filters, search and ordering). An unknown slug
    is the admin's "incorrect lookup" notice."""

    title = "workspace"
    parameter_name = "workspace"
    template = "admin/workspace_filter.html"
    shown = 20

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        skipped = {self.parameter_name, PAGE_VAR, ERROR_FLAG}
        self.kept_params = [(name, value) for name, value in request.GET.items() if name not in skipped]

    def lookups(self, request, model_admin):
        slugs = list(Workspace.objects.order_by("slug").values_list("slug", flat=True)[: self.shown])
        if self.value() and self.value() not in slugs:
            slugs.append(self.value())
        return [(slug, slug) for slug in slugs]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # The workspace's id, not a join: lines are partitioned by workspace, and a constant
        # prunes the other tenants' partitions at planning time.
        workspace_id = Workspace.objects.filter(slug=self.value()).values_list("pk", flat=True).first()
        if workspace_id is None:
            raise IncorrectLookupParameters(f"No workspace {self.value()!r}.")
        return queryset.filter(workspace_id=workspace_id)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "workspace"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_verified", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_verified", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    date_hierarchy = "date_joined"
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "is_verified"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "usable_password", "password1", "password2"]})
    ]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "timezone",
        "currency",
        "locale",
        "week_start",
        "personal_for",
        "sample_for",
        "created_at",
    ]
    list_filter = ["timezone", "currency", "locale", "week_start"]
    search_fields = ["name", "slug", "personal_for__email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["personal_for", "sample_for"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "workspace__name", "workspace__slug"]
    raw_id_fields = ["user", "workspace"]
    list_select_related = ["user", "workspace"]


# simplejwt's own admins count both tables on every page and sort every token by its user; its
# blacklist form picks the token from a dropdown of every refresh token ever issued. A token is
# issued at each login and kept until it expires: these tables grow with the traffic.
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)


@admin.register(OutstandingToken)
class OutstandingTokenAdmin(LargeTableAdmin, BaseOutstandingTokenAdmin):
    ordering = ["-id"]  # the newest first, along the primary key (no sort of the whole table)
    search_fields = ["user__email", "jti"]


@admin.register(BlacklistedToken)
class BlacklistedTokenAdmin(LargeTableAdmin, BaseBlacklistedTokenAdmin):
    ordering = ["-id"]
    search_fields = ["token__user__email", "token__jti"]
    raw_id_fields = ["token"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["status", "role", WorkspaceListFilter]
    search_fields = ["email", "workspace__slug"]
    raw_id_fields = ["workspace", "invited_by", "accepted_by"]
    list_select_related = ["workspace", "invited_by"]
    readonly_fields = ["created_at", "responded_at", "accepted_by"]
    ordering = ["-created_at", "-pk"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: staff read them, nobody edits them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "workspace", "actor_email", "action", "target"]
    list_filter = ["action", WorkspaceListFilter]
    search_fields = ["actor_email", "target"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]


@admin.register(WorkspaceExport)
class WorkspaceExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "workspace", "status", "requested_by", "size_bytes", "created_at", "expires_at"]
    list_filter = ["status", WorkspaceListFilter]
    list_select_related = ["workspace", "requested_by"]
    # The file itself is the owners' to download, once; staff see that it exists.
    exclude = ["file"]
    ordering = ["-created_at", "-pk"]
