"""HTML forms whose rules are an API serializer's.

A page and its API endpoint must accept and refuse the same input. :class:`SerializerForm`
declares its fields for rendering only (labels, widgets, help); :meth:`SerializerForm.clean`
hands the submitted values to the serializer the API uses and shows its messages next to the
fields they name. The validated data is ``form.validated``, ready for the same service.
"""

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from rest_framework import serializers

from config.errors import DomainError


def field(
    label: str, *, widget: forms.Widget | None = None, help_text: str = "", required: bool = True
) -> forms.CharField:
    """A rendering-only field: its value is checked by the serializer, not by Django.

    ``required`` only marks the control (``required`` attribute, for assistive technology)."""
    widget = widget or forms.TextInput()
    if required:
        widget.attrs.setdefault("required", True)
    return forms.CharField(label=label, widget=widget, help_text=help_text, required=False, strip=False)


def _messages(errors: Any) -> list[str]:
    """Flatten DRF's error detail (a list, a dict of lists…) to strings."""
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _messages(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in _messages(value)]
    return [str(errors)]


class SerializerForm(forms.Form):
    # Any: a form serves the serializer of whatever its page edits.
    serializer_class: ClassVar[type[serializers.Serializer[Any]]]
    # Where the serializer's errors on fields the form shows as another go (one choice of the
    # form may fill two of the serializer's fields).
    error_fields: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        instance: object = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.context = context or {}
        self.instance = instance
        self.validated: dict[str, Any] = {}
        self.serializer: serializers.Serializer[Any] | None = None

    def serializer_data(self) -> dict[str, Any]:
        """The submitted values the serializer reads; a blank optional value is left out, as an
        API client would leave it out, so the serializer's default applies."""
        serializer_fields = self.serializer_class(context=self.context).fields
        data: dict[str, Any] = {}
        for name in self.fields:
            value = self.data.get(self.add_prefix(name), "")
            target = serializer_fields.get(name)
            if value == "" and target is not None and not target.required:
                continue
            data[name] = value
        return data

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        serializer = self.serializer = self.serializer_class(
            instance=self.instance, data=self.serializer_data(), context=self.context, partial=self.instance is not None
        )
        if serializer.is_valid():
            self.validated = dict(serializer.validated_data)
        else:
            for name, errors in serializer.errors.items():
                name = self.error_fields.get(name, name)
                self.add_error(name if name in self.fields else None, _messages(errors))
        return cleaned

    def add_domain_error(self, error: DomainError) -> None:
        """A service's refusal: each field's messages next to it, the rest above the form."""
        if not error.fields:
            self.add_error(None, error.message)
        for name, messages in error.fields.items():
            self.add_error(name if name in self.fields else None, _messages(messages))
