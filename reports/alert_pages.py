"""The alerts pages: rules (list, create, edit, test now, delete), incidents, webhooks (with the
one-time secret) and their deliveries.

The roles are the API's: members read, admins and owners write. Forms are validated by the
API's serializers and written by the same services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone

from accounts.models import Membership
from accounts.workspace_pages import WorkspacePage
from config.errors import DomainError
from reports import alert_services, alerts
from reports.alert_forms import RuleForm, WebhookForm
from reports.models import AlertRule, Incident, Webhook

ADMIN = Membership.Role.ADMIN
SHOWN = 100


class AlertsPage(WorkspacePage):
    write_role = ADMIN
    refused = "Members read alerts; admins and owners change them."

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(can_write=self.has_role(self.write_role), **kwargs)


class RuleListPage(AlertsPage):
    template_name = "reports/alerts/rules.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rules = AlertRule.objects.filter(workspace=self.workspace).order_by("name", "pk")[:SHOWN]
        return super().get_context_data(rules=rules, now=timezone.now(), **kwargs)


class RuleCreatePage(AlertsPage):
    template_name = "reports/alerts/rule_form.html"
    read_role = ADMIN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        initial = {"condition": "threshold", "direction": "above", "cadence_minutes": 60, "window_days": 1}
        kwargs.setdefault("form", RuleForm(initial=initial, workspace=self.workspace))
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = RuleForm(request.POST, workspace=self.workspace)
        if form.is_valid():
            rule = alert_services.rule_create(workspace=self.workspace, user=request.user, data=form.validated)
            messages.success(request, f"The rule {rule.name} was created: it is evaluated within five minutes.")
            return redirect("reports:alert-rule", pk=rule.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RulePage(AlertsPage):
    """One rule: its settings (read-only to viewers), its last reading, "test now", its incidents."""

    template_name = "reports/alerts/rule_form.html"

    def get_rule(self) -> AlertRule:
        if not hasattr(self, "_rule"):
            self._rule = get_object_or_404(AlertRule, workspace=self.workspace, pk=self.kwargs["pk"])
        return self._rule

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rule = self.get_rule()
        if "form" not in kwargs:
            kwargs["form"] = RuleForm(initial=RuleForm.initial_of(rule), workspace=self.workspace)
            for form_field in kwargs["form"].fields.values():
                form_field.disabled = not self.has_role(self.write_role)
        incidents = rule.incidents.all()[:SHOWN]
        return super().get_context_data(rule=rule, incidents=incidents, **kwargs)

    def post(self, request, pk: int):
        rule = self.get_rule()
        form = RuleForm(request.POST, workspace=self.workspace, instance=rule)
        if form.is_valid():
            alert_services.rule_update(rule=rule, data=form.validated)
            messages.success(request, "The rule was saved.")
            return redirect("reports:alert-rule", pk=rule.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RuleTestPage(RulePage):
    """ "Test this rule now": the reading it would take, without changing it or telling anyone."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            reading: alerts.Reading | None = alerts.read(self.get_rule(), timezone.now())
        except alerts.Unreadable as error:
            messages.error(request, error.message)
            reading = None
        return self.render_to_response(self.get_context_data(reading=reading))


class RuleDeletePage(RulePage):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        rule = self.get_rule()
        rule.delete()
        messages.success(request, f"The rule {rule.name} and its incidents were deleted.")
        return redirect("reports:alert-rules")


class IncidentsPage(AlertsPage):
    template_name = "reports/alerts/incidents.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        incidents = Incident.objects.filter(workspace=self.workspace).select_related("rule")[:SHOWN]
        return super().get_context_data(incidents=incidents, **kwargs)


class WebhooksPage(AlertsPage):
    """The webhooks; one just made shows its secret, in the answer to the POST that made it."""

    template_name = "reports/alerts/webhooks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", WebhookForm())
        hooks = Webhook.objects.filter(workspace=self.workspace)[:SHOWN]
        return super().get_context_data(webhooks=hooks, **kwargs)

    def post(self, request):
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                created = alert_services.webhook_create(workspace=self.workspace, user=request.user, **form.validated)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return self.render_to_response(self.get_context_data(created=created), status=201)
        return self.render_to_response(self.get_context_data(form=form))


class WebhookPage(AlertsPage):
    template_name = "reports/alerts/webhook.html"

    def get_webhook(self) -> Webhook:
        return get_object_or_404(Webhook, workspace=self.workspace, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        webhook = self.get_webhook()
        deliveries = webhook.deliveries.all()[:SHOWN]
        return super().get_context_data(webhook=webhook, deliveries=deliveries, **kwargs)

    def post(self, request, pk: int):
        webhook = self.get_webhook()
        webhook.delete()
        messages.success(request, f"The webhook {webhook.name} and its delivery log were deleted.")
        return redirect("reports:alert-webhooks")
