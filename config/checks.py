"""Pulse's own system checks (``manage.py check --deploy``)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[Warning]:
    """Production shares one cache between its processes: without Redis each web process and
    worker keeps its own, so a write in one leaves the others serving cached figures of before
    it, and rate limits count per process."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [
            Warning(
                "The cache is each process's own memory (REDIS_URL is not set): a write in one process "
                "leaves the others' cached results stale, and rate limits count per process.",
                hint="Set REDIS_URL to the Redis all web processes and workers share.",
                id="pulse.W001",
            )
        ]
    return []
