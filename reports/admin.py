from typing import Any

from django import forms
from django.contrib import admin
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.admin import WorkspaceListFilter
from config.errors import Invalid
from config.exceptions import flat_fields
from reports import webhooks
from reports.api.alert_serializers import CHECKED, check_rule
from reports.models import AlertRule, Annotation, DigestSubscription, Incident, ShareLink, Webhook, WebhookDelivery

# --- alerts ---------------------------------------------------------------------------------


class AlertRuleForm(forms.ModelForm):
    """Staff's rules pass the API's checks: a registered metric, the insight's own filters."""

    class Meta:
        model = AlertRule
        fields = [
            "workspace",
            "name",
            *CHECKED,
            "baseline",
            "cadence_minutes",
            "window_days",
            "include_today",
            "hold_minutes",
            "snoozed_until",
            "muted",
            "recipients",
            "webhooks",
            "next_run_at",
            "created_by",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        workspace = cleaned.get("workspace")
        if workspace is not None and not self.errors:
            try:
                check_rule(workspace, {name: cleaned.get(name) for name in CHECKED})
            except ApiValidationError as error:
                fields = flat_fields(error.detail)
                messages = [f"{name}: {message}" for name, texts in fields.items() for message in texts]
                raise forms.ValidationError(messages) from error
        return cleaned


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ["name", "workspace", "insight", "metric", "condition", "state", "muted", "last_evaluated_at"]
    list_filter = ["condition", "state", "muted", WorkspaceListFilter]
    search_fields = ["name", "insight", "metric", "workspace__name", "workspace__slug"]
    list_select_related = ["workspace"]
    raw_id_fields = ["workspace", "created_by", "recipients", "webhooks"]
    readonly_fields = ["state", "pending_since", "last_evaluated_at", "last_outcome", "last_value", "last_error"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["rule", "workspace", "opened_at", "value", "reference", "resolved_at", "notified"]
    list_filter = ["notified", WorkspaceListFilter]
    list_select_related = ["rule", "workspace"]
    readonly_fields = [field.name for field in Incident._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ["name", "url"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            webhooks.resolve(url)
        except Invalid as error:
            raise forms.ValidationError(error.fields["url"]) from error
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Webhooks are made by members (the secret is shown to them once); staff rename, repoint
    or delete them, and see the secret's first characters only."""

    form = WebhookForm
    list_display = ["name", "workspace", "url", "secret_hint", "created_at"]
    list_filter = [WorkspaceListFilter]
    search_fields = ["name", "url", "workspace__name", "workspace__slug"]
    list_select_related = ["workspace"]
    readonly_fields = ["workspace", "secret_hint", "created_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook", "event", "status", "attempts", "response_status", "created_at", "delivered_at"]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- Annotations, share links, digests ------------------------------------------------------


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "text", "kind", "workspace", "project_id", "created_by"]
    list_filter = ["kind", WorkspaceListFilter]
    search_fields = ["text", "workspace__slug"]
    raw_id_fields = ["workspace", "created_by"]
    list_select_related = ["workspace", "created_by"]
    date_hierarchy = "starts_at"


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    """Staff see and revoke links; the token exists only in the link its creator copied, and the
    password only as its hash, so neither can be read or set here."""

    list_display = ["__str__", "dashboard", "workspace", "view_count", "last_viewed_at", "expires_at", "revoked_at"]
    list_filter = [WorkspaceListFilter]
    search_fields = ["label", "workspace__slug"]
    raw_id_fields = ["workspace", "created_by"]
    list_select_related = ["workspace"]
    readonly_fields = ["token_hash", "password_hash", "view_count", "last_viewed_at", "created_at", "created_by"]
    fields = [
        "workspace", "label", "dashboard", "filters", "range_kind", "date_from", "date_to", "rolling_days",
        "expires_at", "revoked_at", "allowed_origins", "allow_csv", *readonly_fields,
    ]  # fmt: skip

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # created through the API or the page, which show the token once


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "frequency", "hour", "timezone", "active", "last_period_end", "last_sent_at"]
    list_filter = ["frequency", "active", WorkspaceListFilter]
    search_fields = ["user__email", "workspace__slug"]
    raw_id_fields = ["user", "workspace"]
    list_select_related = ["user", "workspace"]
    readonly_fields = ["last_period_end", "last_sent_at"]
