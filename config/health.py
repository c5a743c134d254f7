"""Liveness, readiness and system metrics."""

import time

import psutil
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config.celery import app as celery_app
from config.exceptions import error_body

CHECK_TIMEOUT_S = 1.0


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check() or {}
        status = "ok"
    except Exception as exc:  # a health check reports every failure instead of raising it
        detail, status = {"error": f"{type(exc).__name__}: {exc}"[:300]}, "failing"
    return {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 2), **detail}


def _check_database() -> dict:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections[DEFAULT_DB_ALIAS].vendor}


def _check_cache() -> dict:
    key = "health:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def redis_client():
    """The raw redis-py client behind the cache, or None when no Redis is configured."""
    if not settings.REDIS_URL:
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _check_redis() -> dict:
    client = redis_client()
    if client is None:
        return {"configured": False}
    client.ping()
    return {"configured": True}


def _check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager"}
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)
    return {"mode": "broker"}


def _check_migrations() -> dict:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migrations are not applied")
    return {}


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Liveness", tags=["health"], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"status": "ok", "version": settings.VERSION, "environment": settings.ENVIRONMENT})


class DetailedHealthView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    CHECKS = {
        "database": _check_database,
        "cache": _check_cache,
        "redis": _check_redis,
        "broker": _check_broker,
        "migrations": _check_migrations,
    }

    @extend_schema(
        summary="Readiness: database, cache, Redis, broker, migrations",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        checks = {name: _timed(check) for name, check in self.CHECKS.items()}
        failing = [name for name, result in checks.items() if result["status"] != "ok"]
        body = {"status": "failing" if failing else "ok", "failing": failing, "checks": checks}
        return Response(body, status=503 if failing else 200)


class SystemMetricsView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Process and system metrics",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        process = psutil.Process()
        memory = psutil.virtual_memory()
        disk = psutil.disk_usage(str(settings.BASE_DIR))
        net = psutil.net_io_counters()
        return Response(
            {
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
        )


class RedisInfoView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        summary="Redis server statistics (staff)",
        tags=["health"],
        responses={200: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        try:
            client = redis_client()
            info = client.info() if client is not None else None
        except Exception as exc:  # reported as 503, never raised
            return Response(error_body("redis_unavailable", f"Redis is unreachable: {type(exc).__name__}"), status=503)
        if info is None:
            return Response(error_body("redis_not_configured", "No Redis is configured (REDIS_URL)."), status=503)
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
