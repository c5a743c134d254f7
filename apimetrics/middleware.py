"""Self-tracking: Pulse records its own ``/api/v1/`` requests into a built-in project, through
the same validation and insert path as ``POST /api/v1/track``. Off unless PULSE_SELF_TRACKING."""

import re
import time

import structlog
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.utils import timezone

log = structlog.get_logger(__name__)

_CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def endpoint_of(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return None
    return "/" + _CONVERTER.sub(r"{\1}", match.route).lstrip("/")


class SelfTrackingMiddleware:
    prefix = "/api/v1/"

    def __init__(self, get_response):
        if not settings.PULSE_SELF_TRACKING:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.project_id = None

    def __call__(self, request):
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        try:
            self.record(request, response, (time.perf_counter() - started) * 1000)
        except Exception:
            log.exception("self_tracking_failed")
        return response

    def record(self, request, response, elapsed_ms: float) -> None:
        from apimetrics import projects, recording, tracking

        if self.project_id is None:
            self.project_id = projects.builtin_project().pk
        user = getattr(request, "user", None)
        event = {
            "method": request.method,
            "path": request.path,
            "endpoint": endpoint_of(request),
            "status_code": response.status_code,
            "response_time_ms": round(elapsed_ms, 3),
            "ip": request.META.get("REMOTE_ADDR") or None,
            "user_agent": request.headers.get("User-Agent", "")[:512],
            "consumer": f"user:{user.pk}" if user is not None and user.is_authenticated else "",
        }
        now = timezone.now()
        rows = tracking.clean_events([event], now)
        recording.events_record(project_id=self.project_id, events=rows, now=now)
