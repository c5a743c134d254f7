"""Request id, request log line and slow-query logging for every request; the numbers' locale
of each request; compressed HTML pages."""

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import structlog
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

from config import numbers
from config.locales import DEFAULT_LOCALE

log = structlog.get_logger("pulse.request")
query_log = structlog.get_logger("pulse.db")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is echoed only when it is short and harmless; anything else is replaced.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # fullmatch: "$" would let a final newline in


def _slow_query_logger(
    execute: Callable[[str, Any, bool, dict[str, Any]], Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:  # the database driver's parameters and result
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= settings.SLOW_QUERY_MS:
            # Parameters are left out: they may hold personal data.
            query_log.warning("slow_query", duration_ms=round(elapsed_ms, 1), sql=sql[:500])


class RequestIdMiddleware:
    """Binds a request id to every log line of the request and logs one line when it ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Django's request takes attributes of ours; its stubs declare only Django's own.
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(_slow_query_logger):
                response = self.get_response(request)
        except Exception:
            log.exception("request_failed", method=request.method, path=request.path)
            structlog.contextvars.clear_contextvars()
            raise
        response[REQUEST_ID_HEADER] = request_id
        user = getattr(request, "user", None)
        workspace = getattr(request, "workspace", None)
        log.info(
            "request",
            method=request.method,
            path=request.path,
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            user_id=user.pk if user is not None and user.is_authenticated else None,
            workspace=workspace.slug if workspace is not None else None,
        )
        structlog.contextvars.clear_contextvars()
        return response


class NumberLocaleMiddleware:
    """Starts every request with the default locale of numbers and puts it back after the
    response is rendered: the workspace's locale, activated when a page resolves its workspace,
    never leaks into the next request the thread serves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = numbers.activate_locale(DEFAULT_LOCALE)
        try:
            return self.get_response(request)
        finally:
            numbers.reset_locale(token)


class HtmlGZipMiddleware(GZipMiddleware):
    """Django's gzip, for HTML pages only. A dashboard inlines its figures' data, tens of KB that
    compress tenfold; static files come compressed already (WhiteNoise), and the API's answers
    are short, or CSV streamed to scripts, where compressing would cost the cached reads their
    speed. Django's gzip pads each response with random bytes against BREACH, and its CSRF token
    is masked afresh on every response."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
