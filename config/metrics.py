"""Prometheus metrics: Pulse's business counters, task metrics and the protected ``/metrics`` view.

django-prometheus already exports request counts and latencies by view, database and cache
metrics. The business metrics are defined here, in one place, with one small function for each
event, so the apps never touch prometheus_client themselves::

    from config import metrics
    metrics.events_tracked(accepted=len(events), rejected=0)

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` (an empty directory, cleared at
start; ``config/gunicorn.py`` does it) so that every scrape sums the workers. Workers started
with ``PULSE_WORKER_METRICS_PORT`` serve the metrics of the work done in Celery.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import Counter, Gauge, Histogram

from config.exceptions import error_body

# --- business metrics -------------------------------------------------------------------------

EVENTS_TRACKED = Counter(
    "pulse_events_tracked_total", "API-metrics events received by /api/v1/track, by outcome.", ["outcome"]
)
IMPORTS = Counter("pulse_imports_total", "E-commerce imports finished, by status.", ["status"])
IMPORT_ROWS = Counter("pulse_import_rows_total", "Rows read by e-commerce imports, by fate.", ["fate"])
ETL_RUNS = Counter("pulse_etl_runs_total", "Sales ETL runs, by status.", ["status"])
ETL_DURATION = Histogram(
    "pulse_etl_duration_seconds", "Duration of the sales ETL runs.", buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900)
)
QUALITY_CHECKS = Counter("pulse_quality_checks_total", "Sales data-quality checks run, by status.", ["status"])
QUALITY_STATUS = Gauge(
    "pulse_data_quality_status",
    "Latest data-quality status per workspace: 0 ok, 1 warning, 2 failing.",
    ["workspace"],
    multiprocess_mode="mostrecent",
)
MENU_PRODUCT_VIEWS = Counter(
    "pulse_menu_product_views_total", "Catalog product detail reads, by product type.", ["type"]
)
ACTIVE_USERS = Gauge(
    "pulse_active_users",
    "Users who logged in within the window (read from the database at scrape time).",
    ["window"],
    multiprocess_mode="mostrecent",
)
LOGINS = Counter("pulse_logins_total", "Login attempts, by outcome.", ["outcome"])

# --- operations -------------------------------------------------------------------------------

TASK_RUNS = Counter(
    "pulse_celery_task_runs_total", "Celery task executions, by task and final state.", ["task", "state"]
)
TASK_DURATION = Histogram(
    "pulse_celery_task_duration_seconds",
    "Celery task duration, by task.",
    ["task"],
    buckets=(0.05, 0.25, 1, 5, 30, 120, 600, 1800),
)
TASK_RETRIES = Counter("pulse_celery_task_retries_total", "Celery task retries, by task.", ["task"])
DEAD_LETTERS = Counter("pulse_celery_dead_letters_total", "Tasks that failed for good, by task.", ["task"])
INLINE_FALLBACKS = Counter(
    "pulse_tasks_run_inline_total", "Tasks run inline because the broker could not take them.", ["task"]
)
CACHE_FALLBACKS = Counter(
    "pulse_cache_fallbacks_total", "Cache operations served by the local fallback (Redis unreachable).", ["operation"]
)

QUALITY_CODES = {"ok": 0, "warning": 1, "failing": 2}


def events_tracked(*, accepted: int, rejected: int = 0) -> None:
    if accepted:
        EVENTS_TRACKED.labels("accepted").inc(accepted)
    if rejected:
        EVENTS_TRACKED.labels("rejected").inc(rejected)


def import_finished(*, status: str, kept: int = 0, returned: int = 0, rejected: int = 0, duplicates: int = 0) -> None:
    IMPORTS.labels(status).inc()
    for fate, count in (("kept", kept), ("returned", returned), ("rejected", rejected), ("duplicate", duplicates)):
        if count:
            IMPORT_ROWS.labels(fate).inc(count)


def etl_run(*, status: str, duration_s: float | None = None) -> None:
    ETL_RUNS.labels(status).inc()
    if duration_s is not None:
        ETL_DURATION.observe(duration_s)


def quality_status(*, workspace_id: int, status: str) -> None:
    """Record a data-quality report's status (``ok``, ``warning`` or ``failing``)."""
    QUALITY_CHECKS.labels(status).inc()
    QUALITY_STATUS.labels(str(workspace_id)).set(QUALITY_CODES.get(status, 2))


def menu_product_viewed(*, product_type: str | None = None) -> None:
    MENU_PRODUCT_VIEWS.labels(product_type or "unknown").inc()


def login(*, ok: bool) -> None:
    LOGINS.labels("success" if ok else "failure").inc()


def record_task_run(*, task: str, state: str, duration_s: float | None) -> None:
    TASK_RUNS.labels(task, state).inc()
    if duration_s is not None:
        TASK_DURATION.labels(task).observe(duration_s)


def record_task_retry(*, task: str) -> None:
    TASK_RETRIES.labels(task).inc()


def record_dead_letter(*, task: str) -> None:
    DEAD_LETTERS.labels(task).inc()


def record_inline_fallback(*, task: str) -> None:
    INLINE_FALLBACKS.labels(task).inc()


def record_cache_fallback(*, operation: str) -> None:
    CACHE_FALLBACKS.labels(operation).inc()


ACTIVE_WINDOWS = {"15m": timedelta(minutes=15), "24h": timedelta(hours=24), "30d": timedelta(days=30)}
_active_users_at = 0.0


def refresh_active_users(*, max_age_s: float = 30.0) -> None:
    """Set the active-users gauge from ``User.last_login``, at most every ``max_age_s`` seconds."""
    global _active_users_at
    if time.monotonic() - _active_users_at < max_age_s:
        return
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    now = timezone.now()
    counts = get_user_model().objects.aggregate(
        **{window: Count("pk", filter=Q(last_login__gte=now - delta)) for window, delta in ACTIVE_WINDOWS.items()}
    )
    for window, count in counts.items():
        ACTIVE_USERS.labels(window).set(count)
    _active_users_at = time.monotonic()


# --- the /metrics view -------------------------------------------------------------------------


def _internal(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def token_or_internal(request: HttpRequest, address: str) -> bool:
    """With ``METRICS_TOKEN`` set, whether the request carries ``Authorization: Bearer <token>``;
    without it, whether ``address`` (the client's) is a loopback or private one."""
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else ""
        return hmac.compare_digest(given.encode(), token.encode())
    return _internal(address)


def scrape_allowed(request: HttpRequest) -> bool:
    """With ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` may scrape; without it,
    only loopback and private addresses (the reverse proxy must not forward ``/metrics``)."""
    return token_or_internal(request, request.META.get("REMOTE_ADDR", ""))


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(request):
        response = JsonResponse(error_body("not_authenticated", "Metrics need the scrape token."), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        refresh_active_users()
    except Exception:  # the database being down must not hide the other metrics
        ACTIVE_USERS.labels("15m").set(float("nan"))
    exported: HttpResponse = ExportToDjangoView(request)
    return exported


def serve_worker_metrics(port: int) -> None:
    """Serve this process's metrics (all pool processes' with PROMETHEUS_MULTIPROC_DIR) on ``port``."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated upstream
        start_http_server(port, addr=os.environ.get("PULSE_WORKER_METRICS_ADDR", "127.0.0.1"), registry=registry)
    else:
        start_http_server(port, addr=os.environ.get("PULSE_WORKER_METRICS_ADDR", "127.0.0.1"))
