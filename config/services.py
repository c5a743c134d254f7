"""Helpers every app's services share."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

from config.errors import Invalid

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Iterable[str], data: Mapping[str, Any], save: bool = True) -> tuple[M, bool]:
    """Set on ``instance`` the values of ``data`` whose names are in ``fields``, and save only the
    fields that changed. Returns the instance and whether anything changed.

    A name in ``data`` outside ``fields`` is refused (400) rather than ignored: a caller that
    sends it expects it to be written.
    """
    allowed = set(fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid("These fields cannot be changed.", fields=dict.fromkeys(unknown, "This field cannot be changed."))
    changed = []
    for name, value in data.items():
        if _current(instance, name) != _comparable(instance, name, value):
            setattr(instance, name, value)
            changed.append(name)
    if changed and save:
        # Fields that set themselves on save (``auto_now``) would be left out of update_fields.
        auto = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
        instance.save(update_fields=[*changed, *auto])
    return instance, bool(changed)


def _foreign_key(instance: models.Model, name: str) -> models.ForeignKey[models.Model, models.Model] | None:
    field = next((f for f in instance._meta.concrete_fields if f.name == name), None)
    return field if isinstance(field, models.ForeignKey) else None


def _current(instance: models.Model, name: str) -> Any:
    """A field's value; a foreign key's as its id, since reading the related row costs a query."""
    field = _foreign_key(instance, name)
    return getattr(instance, field.attname) if field else getattr(instance, name)


def _comparable(instance: models.Model, name: str, value: Any) -> Any:
    return getattr(value, "pk", value) if _foreign_key(instance, name) else value
