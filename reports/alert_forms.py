"""Forms of the alerts pages: the API's serializers decide what is valid (config.forms)."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User, Workspace
from config.forms import SerializerForm, field
from reports.api import alert_serializers as s
from reports.models import AlertRule, Webhook
from reports.models.alerts import CADENCES, MAX_HOLD_MINUTES, MAX_WEEKS, MAX_WINDOW_DAYS

CHECKBOXES = ("include_today", "muted")
MANY = ("recipients", "webhooks")


def _choices(choices: Any) -> forms.Select:
    return forms.Select(choices=list(choices))


class RuleForm(SerializerForm):
    """A rule; the insight and its metric are one choice (``watch``), filters are ``name=value``
    pairs separated by commas, as the API's ``filters`` object would name them."""

    serializer_class = s.RuleSerializer
    error_fields = {"insight": "watch", "metric": "watch"}
    name = field("Name", widget=forms.TextInput(attrs={"maxlength": 120}))
    watch = field("Metric", widget=forms.Select())
    filters = field(
        "Filters",
        required=False,
        help_text="Optional, e.g. key=shop-api for one API project, name=France for one country.",
    )
    condition = field("Condition", widget=_choices(AlertRule.Condition.choices))
    direction = field("Direction", widget=_choices(AlertRule.Direction.choices))
    threshold = field(
        "Threshold",
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text="The value (threshold), the percent (change) or k, the number of MADs (anomaly).",
    )
    baseline = field("Change against", widget=_choices(AlertRule.Baseline.choices), required=False)
    weeks = field("Weeks of history", widget=forms.NumberInput(attrs={"min": 1, "max": MAX_WEEKS}), required=False)
    cadence_minutes = field("Check every", widget=_choices((m, f"{m} minutes") for m in CADENCES))
    window_days = field("Window (days)", widget=forms.NumberInput(attrs={"min": 1, "max": MAX_WINDOW_DAYS}))
    include_today = forms.BooleanField(label="Include today so far", required=False)
    hold_minutes = field(
        "Hold (minutes)",
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_HOLD_MINUTES}),
        required=False,
        help_text="How long the condition must last (or be over) before the rule fires (or resolves).",
    )
    snoozed_until = field(
        "Snoozed until (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), required=False
    )
    muted = forms.BooleanField(label="Muted (incidents kept, nobody told)", required=False)
    recipients = forms.MultipleChoiceField(label="Mail", required=False, widget=forms.CheckboxSelectMultiple)
    webhooks = forms.MultipleChoiceField(label="Webhooks", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, context={"workspace": workspace}, **kwargs)
        self.fields["watch"].widget.choices = s.metric_choices()
        members = User.objects.filter(memberships__workspace=workspace).order_by("email")
        self.fields["recipients"].choices = [(str(pk), email) for pk, email in members.values_list("pk", "email")]
        hooks = Webhook.objects.filter(workspace=workspace).values_list("pk", "name")
        self.fields["webhooks"].choices = [(str(pk), name) for pk, name in hooks]

    @classmethod
    def initial_of(cls, rule: AlertRule) -> dict[str, Any]:
        names = [name for name in cls.base_fields if name not in ("watch", "filters", *MANY)]
        initial = {name: getattr(rule, name) for name in names}
        initial["watch"] = f"{rule.insight}:{rule.metric}"
        initial["filters"] = ", ".join(f"{name}={value}" for name, value in rule.filters.items())
        initial["snoozed_until"] = rule.snoozed_until.strftime("%Y-%m-%dT%H:%M") if rule.snoozed_until else ""
        for name in MANY:
            initial[name] = [str(pk) for pk in getattr(rule, name).values_list("pk", flat=True)]
        return initial

    def serializer_data(self) -> dict[str, Any]:
        data = super().serializer_data()
        data["insight"], _, data["metric"] = str(data.pop("watch", "")).partition(":")
        data["filters"] = _pairs(str(data.get("filters", "")))
        for name in CHECKBOXES:  # an unticked box sends nothing: it means false, not "unchanged"
            data[name] = bool(data.get(name))
        for name in MANY:
            data[name] = self.data.getlist(name) if hasattr(self.data, "getlist") else data.get(name, [])
        if self.instance is not None and not data.get("snoozed_until"):
            data["snoozed_until"] = None  # emptied: the snooze is lifted
        return data


def _pairs(text: str) -> dict[str, str] | str:
    """``"key=shop-api, name=France"`` as a dict; text that is not pairs is handed on as it is,
    for the serializer to refuse."""
    pairs: dict[str, str] = {}
    for part in filter(None, (chunk.strip() for chunk in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            return text
        pairs[name.strip()] = value.strip()
    return pairs


class WebhookForm(SerializerForm):
    serializer_class = s.WebhookSerializer
    name = field("Name", widget=forms.TextInput(attrs={"maxlength": 120}))
    url = field(
        "URL",
        widget=forms.URLInput(attrs={"maxlength": 500}),
        help_text="https recommended; private, loopback and link-local addresses are refused.",
    )
