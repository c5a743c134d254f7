"""One error shape for the whole API: ``{"error": {"code", "message", "fields"}}``.

DRF errors go through :func:`api_exception_handler`; Django's own 400/403/404/500 pages answer
the same JSON shape under ``/api/`` and ``/health/`` (see ``handler*`` in ``config.urls``).
"""

import math
import sys
from collections.abc import Mapping
from typing import Any, TypedDict

import structlog
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.errors import DomainError, Invalid

log = structlog.get_logger("pulse.errors")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ErrorDetail(TypedDict):
    code: str
    message: str
    fields: dict[str, list[str]]  # by (dotted) field name, its messages


class ErrorBody(TypedDict):
    error: ErrorDetail


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> ErrorBody:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def flat_fields(detail: object, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail as the error shape's ``fields``: every name maps to a list of messages.

    Nested errors take dotted names: the third event of a batch whose status code is wrong is
    ``"2.status_code"``, a nested object's field ``"address.city"``. Messages that belong to no
    field are under ``non_field_errors`` (at the top) or under their parent's name.
    """
    if isinstance(detail, dict):
        items = [(str(key), value) for key, value in detail.items()]
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = [(str(index), item) for index, item in enumerate(detail)]  # a batch: by index
    else:
        messages = [str(message) for message in (detail if isinstance(detail, list) else [detail])]
        return {prefix or "non_field_errors": messages} if messages else {}
    fields: dict[str, list[str]] = {}
    for key, value in items:
        name = prefix if key == "non_field_errors" and prefix else ".".join(filter(None, (prefix, key)))
        for field, messages in flat_fields(value, name).items():
            fields.setdefault(field, []).extend(messages)
    return fields


def _first_message(fields: dict[str, list[str]]) -> str:
    name, messages = next(iter(fields.items()), ("non_field_errors", ["Invalid input."]))
    return messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"


def _detail_message(detail: object) -> str:
    """The sentence of a non-validation error's detail (a string, or simplejwt's dict)."""
    if isinstance(detail, list | dict):
        return _first_message(flat_fields(detail))
    return str(detail)


class _DomainAPIException(exceptions.APIException):
    """A :class:`config.errors.DomainError` as DRF sees it."""

    def __init__(self, error: DomainError, auth_header: str | None = None) -> None:
        super().__init__(error.message, error.code)
        self.status_code = error.status
        self.domain = error
        self.wait = getattr(error, "retry_after", None)
        self.auth_header = auth_header


def _challenge(error: DomainError, context: Mapping[str, Any]) -> str | None:
    """The view's ``WWW-Authenticate`` value for a 401, as DRF gives its own authentication errors."""
    view, request = context.get("view"), context.get("request")
    if error.status != 401 or view is None or request is None:
        return None
    header: str | None = view.get_authenticate_header(request)
    return header


def api_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    exc = _as_api_exception(exc, context)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real server error: Django's handler500 answers and logs it
    headers: dict[str, str] = {}
    # A domain error's challenge and wait; DRF's Throttled carries ``wait`` too.
    auth_header, wait = getattr(exc, "auth_header", None), getattr(exc, "wait", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    if wait:
        headers["Retry-After"] = str(math.ceil(wait))
    response = Response(status=exc.status_code, headers=headers)
    request = context.get("request")
    if request is not None:
        # Errors answer the JSON error shape, to a CSV request too (never a CSV of the error).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if _view_is_atomic(context):
        # What DRF's own handler does: an error undoes the request's writes. A view that opted
        # out of ATOMIC_REQUESTS is not inside a request transaction, so there is nothing to mark.
        set_rollback()
    response.data = error_body(*_code_message_fields(exc))
    return response


def _as_api_exception(exc: Exception, context: Mapping[str, Any]) -> Exception:
    """Django's and our domain exceptions as the DRF exception that answers them; others as they are."""
    if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
        exc = Invalid.from_model_error(exc)  # a model's full_clean: errors by field
    if isinstance(exc, DomainError):
        return _DomainAPIException(exc, _challenge(exc, context))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=exc.messages)
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request is malformed.")
    return exc


def _code_message_fields(exc: exceptions.APIException) -> tuple[str, str, dict[str, list[str]]]:
    if isinstance(exc, exceptions.ValidationError):
        fields = flat_fields(exc.detail)
        return "invalid", _first_message(fields), fields
    if isinstance(exc, _DomainAPIException):
        # A batch's errors nest by item index: flattened like DRF's ("2.status_code").
        return exc.domain.code, exc.domain.message, flat_fields(exc.domain.fields)
    detail: object = exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "error"
    if isinstance(detail, dict):  # simplejwt: {"detail": …, "code": …, "messages": […]}
        code = str(detail.get("code") or "error")
        detail = detail.get("detail", detail)
    return code, _detail_message(detail), {}


def _view_is_atomic(context: Mapping[str, Any]) -> bool:
    request = context.get("request")
    match = getattr(request, "resolver_match", None) if request is not None else None
    if match is None:
        return True
    return DEFAULT_DB_ALIAS not in getattr(match.func, "_non_atomic_requests", set())


def _is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/health/", "/metrics"))


def json_error_response(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def _served(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False


@csrf_exempt  # answers 404 whatever the method: a CSRF 403 page would hide that
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """The last URL pattern under /api/ and /health/: unknown paths answer the JSON error shape
    even with DEBUG on (where Django would render its HTML debug page).

    Each path is served in one form, with or without its final slash as documented. The other
    form names the right one ("Did you mean …?") and is never redirected: a redirected POST
    would lose its body, and serving both would make two URLs of every resource."""
    return json_error_response(404, "not_found", not_found_message(request.path))


def not_found_message(path: str) -> str:
    """ "Not found.", with the path's other form (final slash added or removed) when that one is served."""
    other = path[:-1] if path.endswith("/") else path + "/"
    return f"Not found. Did you mean {other} ?" if other != "/" and _served(other) else "Not found."


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views.defaults import bad_request

    if _is_api_path(request):
        if isinstance(exception, RequestDataTooBig):
            return json_error_response(413, "payload_too_large", "The request body is too large.")
        return json_error_response(400, "bad_request", "The request is malformed.")
    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views.defaults import permission_denied

    if _is_api_path(request):
        return json_error_response(403, "permission_denied", "You do not have permission to do this.")
    return permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.views.defaults import page_not_found

    if _is_api_path(request):
        return json_error_response(404, "not_found", not_found_message(request.path))
    return page_not_found(request, exception)


DATABASE_UNAVAILABLE = "The database is unavailable. Try again in a moment."
RETRY_AFTER_DATABASE_S = 5


def _database_unavailable() -> bool:
    # Django calls handler500 inside its ``except`` block: the exception at hand is the one that
    # ended the request, raised by the view, a middleware or the request transaction's opening.
    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database is down: the error shape under /api/, a page that needs no
    database (no context processors, no session) elsewhere."""
    response: HttpResponse
    if _is_api_path(request):
        response = json_error_response(503, "service_unavailable", DATABASE_UNAVAILABLE)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_DATABASE_S)
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    from django.views.defaults import server_error

    if _database_unavailable():
        return service_unavailable(request)
    if _is_api_path(request):
        return json_error_response(500, "server_error", "Something went wrong on our side.")
    return server_error(request)
