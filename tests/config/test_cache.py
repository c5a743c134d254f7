"""The caching helpers: keyed by workspace and data version (or by a digest of the inputs), logged
hits and misses."""

import time

import pytest
import structlog

from config.cache import bump_data_version, cached, cached_by_inputs

pytestmark = pytest.mark.django_db


def test_a_result_is_computed_once_then_served_from_the_cache():
    calls = []

    def compute():
        calls.append(1)
        return {"total": 42}

    first = cached("sales", 1, "summary", {"from": "2026-01-01"}, compute)
    second = cached("sales", 1, "summary", {"from": "2026-01-01"}, compute)
    assert (first.value, first.hit, second.value, second.hit) == ({"total": 42}, False, {"total": 42}, True)
    assert second.computed_at == first.computed_at
    assert len(calls) == 1


def test_keys_differ_by_workspace_and_params():
    assert cached("sales", 1, "summary", {}, lambda: "one").value == "one"
    assert cached("sales", 2, "summary", {}, lambda: "two").value == "two"
    assert cached("sales", 1, "summary", {"x": 1}, lambda: "three").value == "three"
    assert cached("sales", 1, "summary", {}, lambda: "never").value == "one"


def test_a_write_bumps_the_version_after_commit(django_capture_on_commit_callbacks):
    cached("sales", 1, "summary", {}, lambda: "old")
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version("sales", 1)
    assert cached("sales", 1, "summary", {}, lambda: "new").value == "new"
    # another workspace's results stay
    cached("sales", 2, "summary", {}, lambda: "other")
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version("sales", 1)
    assert cached("sales", 2, "summary", {}, lambda: "recomputed").value == "other"


def test_refresh_recomputes():
    cached("sales", 1, "summary", {}, lambda: "old")
    assert cached("sales", 1, "summary", {}, lambda: "fresh", refresh=True).value == "fresh"
    assert cached("sales", 1, "summary", {}, lambda: "never").value == "fresh"


def test_hits_and_misses_are_logged_with_timings():
    with structlog.testing.capture_logs() as logs:
        cached("sales", 7, "kpis", {}, lambda: 1)
        cached("sales", 7, "kpis", {}, lambda: 1)
    events = [(entry["event"], entry["log_level"]) for entry in logs]
    assert events == [("cache_miss", "info"), ("cache_hit", "debug")]
    assert all(isinstance(entry["duration_ms"], float) for entry in logs)
    assert logs[0]["key"].startswith("res:sales:7:")


def test_a_result_by_inputs_is_computed_once_per_digest_whatever_the_data_version(
    django_capture_on_commit_callbacks,
):
    calls = []

    def compute():
        calls.append(1)
        return {"r": 0.25}

    first = cached_by_inputs("ecommerce", 1, "model", "d1", compute, timeout=60)
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version("ecommerce", 1)
    second = cached_by_inputs("ecommerce", 1, "model", "d1", compute, timeout=60)
    assert (first.hit, second.hit, second.value, second.computed_at) == (False, True, {"r": 0.25}, first.computed_at)
    assert len(calls) == 1
    assert cached_by_inputs("ecommerce", 1, "model", "d2", lambda: "other data", timeout=60).value == "other data"
    assert cached_by_inputs("ecommerce", 2, "model", "d1", lambda: "other tenant", timeout=60).value == "other tenant"
    assert cached_by_inputs("ecommerce", 1, "other", "d1", lambda: "other model", timeout=60).value == "other model"


def test_a_result_by_inputs_expires():
    cached_by_inputs("ecommerce", 1, "model", "d1", lambda: "old", timeout=1)
    assert cached_by_inputs("ecommerce", 1, "model", "d1", lambda: "never", timeout=1).value == "old"
    time.sleep(1.1)  # the cache's own clock (Redis expires keys itself)
    assert cached_by_inputs("ecommerce", 1, "model", "d1", lambda: "new", timeout=1).value == "new"
