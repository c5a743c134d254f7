"""gunicorn settings: ``gunicorn config.wsgi -c config/gunicorn.py``.

Binds ``0.0.0.0:$PORT`` when ``PORT`` is set (as hosting platforms and honcho expect), else
``GUNICORN_BIND`` (default ``127.0.0.1:8000``). Workers: ``WEB_CONCURRENCY`` (default 2 × CPUs + 1).
No access log: Pulse's own middleware logs one structured line per request, with its request id
and without the client address.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.urls import URLPattern, URLResolver
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker

port = os.environ.get("PORT")
bind = [f"0.0.0.0:{port}"] if port else [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# gunicorn's sync worker, answering its own refusals (a request line over limit_request_line…)
# in the API's JSON error shape under /api/. With GUNICORN_THREADS > 1 gunicorn runs its gthread
# worker instead, whose refusals stay gunicorn's HTML.
worker_class = "config.gunicorn_worker.PulseSyncWorker"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Load Pulse once in the master: a worker forks with Django, the analytics libraries and every
# URL module already imported, and starts in milliseconds instead of seconds (see when_ready).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Workers are recycled only as a guard against a slow leak: a fresh worker's start under load is
# what sends the tail latency up, so the limit is high enough never to be reached in a normal
# day, and jittered so that the workers are not all replaced at once when it is.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10))
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines go through Pulse's formatter too (JSON, redacted: no raw address).
_spec = importlib.util.spec_from_file_location("pulse_logging", Path(__file__).with_name("logging.py"))
if _spec is None or _spec.loader is None:
    raise ImportError("config/logging.py is missing beside config/gunicorn.py")
_pulse_logging = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pulse_logging)
logconfig_dict = _pulse_logging.dict_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)
# The proxies whose X-Forwarded-Proto gunicorn trusts (the reverse proxy's address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
if Path("/dev/shm").is_dir():  # noqa: S108 (gunicorn's documented advice for containers)
    worker_tmp_dir = "/dev/shm"  # noqa: S108 (heartbeats in memory, not on a possibly slow disk)

# Several processes: prometheus_client writes each process's samples to a shared directory and
# /metrics sums them. Must be in the environment before a worker imports prometheus_client.
if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(
        Path(tempfile.gettempdir()) / f"pulse-prometheus-{bind[0].replace(':', '-').replace('/', '_')}"
    )
if preload_app and os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The preloaded application creates its metrics before on_starting runs.
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def on_starting(server: Arbiter) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)  # samples of a previous run would be summed too
        Path(directory).mkdir(parents=True, exist_ok=True)


def when_ready(server: Arbiter) -> None:
    """In the master, once the preloaded application is in and before the first fork: import
    what the first requests would otherwise import, then close every connection loading
    opened, so that no worker inherits a socket another process also uses."""
    if server.cfg.preload_app:
        _warm_imports()
        _close_connections()


def pre_fork(server: Arbiter, worker: Worker) -> None:
    if server.cfg.preload_app:
        _close_connections()  # whatever the master opened since: each worker opens its own


def post_worker_init(worker: Worker) -> None:
    """In the worker, before it accepts a request: open its own database and cache connections
    (the first request would otherwise pay for both)."""
    from django.core.cache import cache
    from django.db import connections

    try:
        for connection in connections.all(initialized_only=False):
            connection.ensure_connection()
        cache.get("pulse:warm-up")
    except Exception:  # a database or cache down at start is for the requests to report
        worker.log.warning("worker warm-up could not connect; the first request will")


# Imported on a request's first use, not by loading the application: the JWT backend (the first
# bearer token), the messages' and sessions' storage (the first request through their middleware),
# the codec Django's log line of a refused request escapes its path with.
_LAZY_MODULES = (
    "pandas",
    "numpy",
    "statsmodels.api",
    "plotly.graph_objects",
    "rest_framework.views",
    "rest_framework_simplejwt.state",
    "django.contrib.messages.storage.fallback",
    "django.contrib.sessions.serializers",
    "encodings.unicode_escape",
)


def _warm_imports() -> None:
    import importlib

    from django.urls import get_resolver

    # The analytics libraries (seconds to import) and every view, serializer and URL pattern.
    for name in _LAZY_MODULES:
        importlib.import_module(name)
    resolver = get_resolver()
    _compile_patterns(resolver.url_patterns)  # imports the URL modules, hence the views
    # Django builds the table of every URL name on the first reverse() (the admin login throttle
    # calls one on each request): a third of a second a fresh worker's first request would pay.
    resolver.reverse_dict  # noqa: B018


def _compile_patterns(patterns: Sequence[URLPattern | URLResolver]) -> None:
    """Compile every URL pattern's regular expression, which Django does on its first match."""
    from django.urls import URLResolver

    for pattern in patterns:
        pattern.pattern.regex  # noqa: B018
        if isinstance(pattern, URLResolver):
            _compile_patterns(pattern.url_patterns)


def _close_connections() -> None:
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    caches.close_all()


def child_exit(server: Arbiter, worker: Worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated upstream
