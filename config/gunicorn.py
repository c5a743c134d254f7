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
# Recycle workers now and then so that a slow leak never takes a worker down in production.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
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


def on_starting(server: Arbiter) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)  # samples of a previous run would be summed too
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Arbiter, worker: Worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated upstream
