"""Forms of the API metrics setup pages: the API's serializers decide what is valid (config.forms)."""

from django import forms

from accounts.forms import timezone_choices
from apimetrics.api import serializers as s
from apimetrics.keys import MAX_GRACE_HOURS
from apimetrics.models import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from config.forms import SerializerForm, field


class ProjectForm(SerializerForm):
    serializer_class = s.ProjectSerializer
    name = field("Name", widget=forms.TextInput(attrs={"maxlength": 120}))
    key = field(
        "Key",
        widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"}),
        help_text="Letters, digits, - and _: the project's address in URLs and the API.",
    )
    timezone = field(
        "Time zone", widget=forms.Select(choices=timezone_choices), help_text="Days and hours are counted in it."
    )
    retention_days = field(
        "Raw events kept (days)",
        widget=forms.NumberInput(attrs={"min": MIN_RETENTION_DAYS, "max": MAX_RETENTION_DAYS}),
        required=False,
        help_text=f"{MIN_RETENTION_DAYS} to {MAX_RETENTION_DAYS}; rollups are kept for ever. "
        "Empty: the server's default (new projects) or unchanged.",
    )
    apdex_threshold_ms = field(
        "Apdex threshold (ms)",
        widget=forms.NumberInput(attrs={"min": 1, "max": 600_000}),
        required=False,
        help_text="Responses up to T are satisfied, up to 4T tolerating. Empty: 500 (new projects) or unchanged.",
    )


class ProjectDeleteForm(forms.Form):
    confirm = forms.CharField(
        max_length=60,
        label="Type the project's key to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, project_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_key = project_key

    def clean_confirm(self):
        if self.cleaned_data["confirm"] != self.project_key:
            raise forms.ValidationError(f"Type {self.project_key} exactly to delete the project.")
        return self.cleaned_data["confirm"]


class KeyCreateForm(SerializerForm):
    serializer_class = s.ApiKeyCreateSerializer
    name = field(
        "Key name",
        widget=forms.TextInput(attrs={"maxlength": 100}),
        required=False,
        help_text="Where it is used, e.g. production. Empty: Default.",
    )


class KeyRotateForm(SerializerForm):
    serializer_class = s.ApiKeyRotateSerializer
    grace_hours = field(
        "Old key valid for (hours)",
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_GRACE_HOURS, "step": "any"}),
        required=False,
        help_text="0 revokes it at once. Empty: the server's default.",
    )
