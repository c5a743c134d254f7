"""Liveness, readiness and system metrics.

None of these views runs in a request transaction (``ATOMIC_REQUESTS`` would open one, and so
connect to the database, before the view): liveness and the system metrics never touch the
database, and readiness reports it as one of its checks instead of failing with it.

Their details (each check with its latency and error, the process and system figures) are for
staff, for the metrics token's bearer, or, without a token, for internal addresses
(:func:`details_allowed`); anyone else gets the status alone. Every Redis or broker probe has
its own client, with ``HEALTH_CHECK_TIMEOUT`` to connect and to read and no retries, so a dead
server answers 503 within a few timeouts instead of holding a worker for seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psutil
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.celery import app as celery_app
from config.exceptions import error_body
from config.metrics import token_or_internal

if TYPE_CHECKING:  # protocols of the stubs only
    from rest_framework.views import AsView, GenericView

_probes: dict[tuple[str, float], redis.Redis] = {}
_probes_lock = threading.Lock()

# What one check reports besides its status and latency.
Detail = dict[str, object]


def probe_client(url: str) -> redis.Redis:
    """A Redis client for health probes of ``url``: short timeouts, no retries (redis-py retries a
    failed command three times with backoff by default, which turned one probe into seconds)."""
    timeout = settings.HEALTH_CHECK_TIMEOUT
    with _probes_lock:
        client = _probes.get((url, timeout))
        if client is None:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
            )
            _probes[url, timeout] = client
        return client


def _timed(check: Callable[[], Detail | None]) -> Detail:
    started = time.perf_counter()
    try:
        detail: Detail = check() or {}
        status = "ok"
    except Exception as exc:  # a health check reports every failure instead of raising it
        detail, status = {"error": f"{type(exc).__name__}: {exc}"[:300]}, "failing"
    return {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 2), **detail}


def _check_database() -> Detail:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _redis_backed_cache() -> bool:
    backend: str = settings.CACHES["default"]["BACKEND"]
    return "redis" in backend.lower()


def _check_cache() -> Detail:
    key = "health:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_redis() -> Detail:
    if not settings.REDIS_URL:
        return {"configured": False}
    probe_client(settings.REDIS_URL).ping()
    return {"configured": True}


def _broker_is_redis() -> bool:
    broker: str = settings.CELERY_BROKER_URL
    return broker.startswith(("redis://", "rediss://"))


def _check_broker() -> Detail:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager"}
    if _broker_is_redis():
        probe_client(settings.CELERY_BROKER_URL).ping()
    else:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_CHECK_TIMEOUT)
    return {"mode": "broker"}


def _check_migrations() -> Detail:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migrations are not applied")
    return {}


def _same_server(url: str, other: str) -> bool:
    """Whether two Redis URLs name one server (their databases may differ)."""
    return url.rsplit("/", 1)[0] == other.rsplit("/", 1)[0]


def _skip_reason(name: str, results: dict[str, Detail]) -> str | None:
    """Why a check would only fail again after one it depends on failed (and wait as long)."""
    failed = {check for check, result in results.items() if result["status"] == "failing"}
    if name == "migrations" and "database" in failed:
        return "the database is unreachable"
    if name == "cache" and "redis" in failed and _redis_backed_cache():
        return "Redis is unreachable"
    same_redis = _broker_is_redis() and _same_server(settings.CELERY_BROKER_URL, settings.REDIS_URL)
    if name == "broker" and "redis" in failed and same_redis:
        return "Redis is unreachable"
    return None


def client_address(request: Request) -> str:
    """The client's address as throttles find it (``NUM_PROXIES`` deep in X-Forwarded-For), so
    that a reverse proxy's own private address does not make every caller internal."""
    return BaseThrottle().get_ident(request)


def details_allowed(request: Request) -> bool:
    """Staff, the metrics token's bearer, or (without a token) an internal address."""
    if token_or_internal(request, client_address(request)):
        return True
    # The views authenticate nobody themselves: a metrics token in the Authorization header
    # would fail the JWT check. A user that does authenticate is asked whether they are staff.
    for authenticator_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            # The stubs type these as the settings' dotted paths; DRF has imported the classes.
            found = authenticator_class().authenticate(request)  # type: ignore[operator]
        except (exceptions.APIException, DatabaseError):
            return False
        if found is not None:
            return bool(found[0].is_staff)
    return False


class HealthAPIView(APIView):
    """Base of the health views: no authentication by DRF, no request transaction."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [permissions.AllowAny]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> AsView[GenericView]:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))


class HealthView(HealthAPIView):
    @extend_schema(summary="Liveness (touches no database)", tags=["health"], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "version": settings.VERSION, "environment": settings.ENVIRONMENT})


class DetailedHealthView(HealthAPIView):
    CHECKS: dict[str, Callable[[], Detail]] = {
        "database": _check_database,
        "redis": _check_redis,
        "cache": _check_cache,
        "broker": _check_broker,
        "migrations": _check_migrations,
    }

    @extend_schema(
        summary="Readiness: database, Redis, cache, broker, migrations",
        description="200 when every check passes, else 503. Staff, the metrics token and internal addresses get "
        "each check with its latency and the failing ones named; anyone else gets `{status}` alone.",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        checks: dict[str, Detail] = {}
        for name, check in self.CHECKS.items():
            reason = _skip_reason(name, checks)
            checks[name] = {"status": "skipped", "reason": reason} if reason else _timed(check)
        failing = [name for name, result in checks.items() if result["status"] == "failing"]
        status = 503 if failing else 200
        body: dict[str, object] = {"status": "failing" if failing else "ok"}
        if details_allowed(request):
            body |= {"failing": failing, "checks": checks}
        return Response(body, status=status)


def system_metrics() -> dict[str, object]:
    process = psutil.Process()
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(settings.BASE_DIR))
    net = psutil.net_io_counters()
    return {
        # interval=None: the CPU share since the previous call, without blocking.
        "cpu": {"percent": psutil.cpu_percent(interval=None), "count": psutil.cpu_count()},
        "memory": {"total": memory.total, "available": memory.available, "percent": memory.percent},
        "disk": {"total": disk.total, "used": disk.used, "free": disk.free, "percent": disk.percent},
        "network": {"bytes_sent": net.bytes_sent, "bytes_recv": net.bytes_recv} if net else None,
        "process": {
            "pid": process.pid,
            "rss": process.memory_info().rss,
            "threads": process.num_threads(),
            "cpu_percent": process.cpu_percent(interval=None),
        },
    }


class SystemMetricsView(HealthAPIView):
    @extend_schema(
        summary="Process and system metrics",
        description="For staff, the metrics token and internal addresses; anyone else gets `{status}` alone.",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response(system_metrics() if details_allowed(request) else {"status": "ok"})


class RedisInfoView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        summary="Redis server statistics (staff)",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        if not settings.REDIS_URL:
            return Response(error_body("redis_not_configured", "No Redis is configured (REDIS_URL)."), status=503)
        try:
            info = probe_client(settings.REDIS_URL).info()
        except Exception as exc:  # reported as 503, never raised
            return Response(error_body("redis_unavailable", f"Redis is unreachable: {type(exc).__name__}"), status=503)
        hits, misses = info.get("keyspace_hits", 0), info.get("keyspace_misses", 0)
        return Response(
            {
                "version": info.get("redis_version"),
                "used_memory": info.get("used_memory"),
                "used_memory_human": info.get("used_memory_human"),
                "connected_clients": info.get("connected_clients"),
                "ops_per_sec": info.get("instantaneous_ops_per_sec"),
                "keyspace_hits": hits,
                "keyspace_misses": misses,
                "hit_rate": round(hits / (hits + misses), 4) if hits + misses else None,
                "uptime_seconds": info.get("uptime_in_seconds"),
            }
        )
