"""Domain errors: what a service raises when a request cannot be carried out.

Services never raise DRF exceptions; :func:`config.exceptions.api_exception_handler` maps these
to the API's error shape once, and HTML views show their message next to the form. Each carries
a message for people and, where the error belongs to input fields, ``fields`` (field name to a
list of messages; for a batch, an item's index to its own fields).
"""

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

# Where the errors of a whole row go (a model's ``clean``, a constraint on several fields), under
# the name DRF's serializers give them.
NON_FIELD = "non_field_errors"
# By name, a field's messages, or (in a batch, by index) the fields of one item.
Fields: TypeAlias = Mapping[str, "str | Sequence[str] | Fields"]
# The same, every message in a list: the ``fields`` of the API's error shape.
FieldMessages: TypeAlias = dict[str, "list[str] | FieldMessages"]


def _messages(value: str | Sequence[str] | Fields) -> "list[str] | FieldMessages":
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return {str(name): _messages(inner) for name, inner in value.items()}
    return list(value)


class DomainError(Exception):
    """Base of every domain error; ``status`` and ``code`` are what the API answers."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: Fields | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: FieldMessages = {str(name): _messages(inner) for name, inner in (fields or {}).items()}

    @classmethod
    def on(cls, field: str, message: str) -> "DomainError":
        """The error of one input field."""
        return cls(f"{field}: {message}", fields={field: [message]})


class Invalid(DomainError):
    """The input breaks a rule of the domain (400)."""

    @classmethod
    def from_model_error(cls, error: ValidationError) -> "Invalid":
        """A model's ``ValidationError`` (from ``full_clean``): its fields' messages, those of the
        whole row under ``non_field_errors``; the message is the first of them."""
        normalised = ValidationError(error.update_error_dict({})).message_dict
        fields = {(NON_FIELD if name == NON_FIELD_ERRORS else name): messages for name, messages in normalised.items()}
        name, messages = next(iter(fields.items()))
        return cls(messages[0] if name == NON_FIELD else f"{name}: {messages[0]}", fields=fields)


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    """The request's credentials are missing or wrong (401). The API answers it with the view's
    ``WWW-Authenticate`` challenge, as DRF does for its own authentication errors."""

    status = 401
    code = "authentication_failed"


class Forbidden(DomainError):
    """The caller may not do this (403)."""

    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    """What the request names does not exist, or is another tenant's (404)."""

    status = 404
    code = "not_found"


class TooLarge(DomainError):
    """The input is larger than the service accepts (413)."""

    status = 413
    code = "payload_too_large"


class RateLimited(DomainError):
    """Too many requests; ``retry_after`` seconds until the next is admitted (429)."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
