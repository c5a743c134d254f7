"""The deployment files: structure checks that run here (no Docker engine on these machines)."""

import json
import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
QUEUES = ("ingest", "imports", "reports", "maintenance")
WORKERS = tuple(f"worker-{queue}" for queue in QUEUES)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_shape(compose):
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "web", *WORKERS, "beat", "nginx", "prometheus", "grafana"}
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["beat"]["deploy"]["replicas"] == 1  # two beats would send every job twice
    for name in ("postgres", "redis", "web", *WORKERS, "beat", "nginx", "prometheus", "grafana"):
        assert "healthcheck" in services[name], name
    for name in ("web", *WORKERS, "beat"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "0"

    for volume in [v for s in services.values() for v in s.get("volumes", []) if v.startswith("./")]:
        assert (ROOT / volume.split(":")[0]).exists(), volume


def test_nginx_balances_least_connections_and_hides_metrics():
    conf = (ROOT / "deploy/nginx.conf").read_text()
    assert re.search(r"upstream pulse_web \{\s*least_conn;", conf)
    assert "location = /metrics { return 404; }" in conf
    assert "$remote_addr" not in conf  # no client address in nginx's log either
    assert conf.count("{") == conf.count("}")


def test_prometheus_scrapes_web_and_workers():
    config = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["pulse-web"]["dns_sd_configs"][0] == {"names": ["web"], "type": "A", "port": 8000}
    assert jobs["pulse-worker"]["dns_sd_configs"][0]["port"] == 9808
    assert jobs["pulse-worker"]["dns_sd_configs"][0]["names"] == list(WORKERS)


@pytest.mark.parametrize("queue", QUEUES)
def test_compose_runs_one_worker_service_per_queue(compose, queue):
    service = compose["services"][f"worker-{queue}"]
    command = " ".join(service["command"])
    assert f"celery -A config worker -Q {queue} " in command
    assert re.search(rf"--concurrency=\$\{{WORKER_{queue.upper()}_CONCURRENCY:-\d+\}}", command)
    assert service["deploy"]["replicas"] >= 1
    assert "healthcheck" in service


@pytest.mark.django_db
def test_every_metric_on_the_grafana_dashboard_is_exported(client):
    from config import metrics

    # one of each event, so that every labelled metric has a sample
    metrics.events_tracked(accepted=1, rejected=1)
    metrics.import_finished(status="succeeded", kept=1)
    metrics.etl_run(status="ok", duration_s=1)
    metrics.quality_status(workspace_id=1, status="ok")
    metrics.menu_product_viewed(product_type="latte")
    metrics.record_task_run(task="t", state="SUCCESS", duration_s=0.1)
    metrics.record_task_retry(task="t")
    metrics.record_dead_letter(task="t")
    metrics.record_inline_fallback(task="t")
    metrics.record_cache_fallback(operation="get")
    client.get("/health/")
    client.get("/api/v1/users/me")
    exported = client.get("/metrics").content.decode()
    names = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)", exported, re.MULTILINE))
    # metrics with labels but no sample yet are declared by their TYPE line
    suffixes = {"counter": ["", "_total"], "histogram": ["_bucket", "_count", "_sum"]}
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)", exported, re.MULTILINE):
        names.update(name + suffix for suffix in suffixes.get(kind, [""]))
    dashboard = json.loads((ROOT / "deploy/grafana/pulse-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\b((?:django|pulse|process)_[a-z0-9_]+)", target["expr"])
    }
    assert used, "the dashboard queries no metric"
    assert sorted(used - names) == []


def test_procfile_runs_web_worker_and_beat():
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if re.match(r"^[a-z-]+:", line)
    )
    assert set(lines) == {"web", *WORKERS, "beat"}
    assert "gunicorn config.wsgi -c config/gunicorn.py" in lines["web"]
    assert "celery -A config beat" in lines["beat"]


def test_gunicorn_binds_port_when_set(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    config = runpy.run_path(str(ROOT / "config/gunicorn.py"))
    assert config["bind"] == ["0.0.0.0:5123"]
    assert config["workers"] == 1
    assert config["accesslog"] is None
    monkeypatch.delenv("PORT")
    assert runpy.run_path(str(ROOT / "config/gunicorn.py"))["bind"] == ["127.0.0.1:8000"]


def test_dockerfile_is_multi_stage_and_unprivileged():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) == 2
    assert "COPY --from=build" in text
    assert re.search(r"^USER pulse$", text, re.MULTILINE)
    assert "collectstatic --noinput" in text


def compose_command() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_validates_with_docker_compose():
    command = compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")
    # `config` only parses and validates: no Docker engine is needed (none runs on these machines)
    result = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, "SECRET_KEY": "compose-validation"},
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
