from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from config import metrics
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_business_helpers_count_what_happened():
    before = {
        "accepted": value("pulse_events_tracked_total", outcome="accepted"),
        "rejected": value("pulse_events_tracked_total", outcome="rejected"),
        "imports": value("pulse_imports_total", status="succeeded"),
        "kept": value("pulse_import_rows_total", fate="kept"),
        "etl": value("pulse_etl_runs_total", status="ok"),
        "etl_n": value("pulse_etl_duration_seconds_count"),
        "views": value("pulse_menu_product_views_total", type="latte"),
        "checks": value("pulse_quality_checks_total", status="warning"),
    }
    metrics.events_tracked(accepted=7, rejected=2)
    metrics.events_tracked(accepted=3)
    metrics.import_finished(status="succeeded", kept=100, returned=4, rejected=3, duplicates=1)
    metrics.etl_run(status="ok", duration_s=1.5)
    metrics.menu_product_viewed(product_type="latte")
    metrics.quality_status(workspace_id=42, status="warning")

    assert value("pulse_events_tracked_total", outcome="accepted") - before["accepted"] == 10
    assert value("pulse_events_tracked_total", outcome="rejected") - before["rejected"] == 2
    assert value("pulse_imports_total", status="succeeded") - before["imports"] == 1
    assert value("pulse_import_rows_total", fate="kept") - before["kept"] == 100
    assert value("pulse_etl_runs_total", status="ok") - before["etl"] == 1
    assert value("pulse_etl_duration_seconds_count") - before["etl_n"] == 1
    assert value("pulse_menu_product_views_total", type="latte") - before["views"] == 1
    assert value("pulse_quality_checks_total", status="warning") - before["checks"] == 1
    assert value("pulse_data_quality_status", workspace="42") == 1
    metrics.quality_status(workspace_id=42, status="failing")
    assert value("pulse_data_quality_status", workspace="42") == 2


def test_active_users_are_counted_per_window():
    now = timezone.now()
    UserFactory(last_login=now - timedelta(minutes=5))
    UserFactory(last_login=now - timedelta(hours=3))
    UserFactory(last_login=now - timedelta(days=10))
    UserFactory(last_login=None)
    metrics.refresh_active_users(max_age_s=0)
    assert value("pulse_active_users", window="15m") == 1
    assert value("pulse_active_users", window="24h") == 2
    assert value("pulse_active_users", window="30d") == 3


def test_task_runs_are_counted(settings):
    from tests.ops import tasks

    before = value("pulse_celery_task_runs_total", task="tests.ops.noop", state="SUCCESS")
    tasks.noop.delay()
    assert value("pulse_celery_task_runs_total", task="tests.ops.noop", state="SUCCESS") - before == 1


def test_metrics_endpoint_is_open_to_internal_addresses_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="10.0.3.7")
    assert response.status_code == 200
    text = response.content.decode()
    for name in (
        "django_http_requests_latency_seconds_by_view_method",
        "pulse_events_tracked_total",
        "pulse_active_users",
    ):
        assert name in text
    assert "django_cache_get_total" in text  # the cache backend is django-prometheus' wrapper
    refused = client.get("/metrics", REMOTE_ADDR="8.8.8.8")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"


def test_metrics_endpoint_needs_the_token_when_one_is_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", REMOTE_ADDR="8.8.8.8", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert ok.status_code == 200
