"""The caching helpers: keyed by workspace and data version (or by a digest of the inputs), logged
hits and misses."""

import time
from decimal import Decimal

import pytest
import structlog
from django.core.exceptions import ImproperlyConfigured
from redis.crc import key_slot

from config.cache import (
    bump_data_version,
    bump_on_change,
    cached,
    cached_by_inputs,
    data_version,
    result_key,
    version_key,
)

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
    assert logs[0]["key"].startswith("res:{sales:7}:kpis:")


def test_a_workspaces_version_and_results_share_one_redis_cluster_slot():
    # Redis Cluster hashes only what is between the first braces: 7305 for "sales:7".
    slots = {key_slot(version_key("sales", 7).encode()), key_slot(result_key("sales", 7, "kpis", {"a": 1}).encode())}
    assert slots == {key_slot(b"sales:7")} == {7305}
    assert key_slot(version_key("sales", 8).encode()) != 7305


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


# --- bump_on_change: every write of a tracked model moves its workspace's data version -------


@pytest.fixture
def two_shops(workspace, other_workspace):
    from tests.sales.factories import SalesRecordFactory, StoreFactory

    ours, theirs = StoreFactory(workspace=workspace), StoreFactory(workspace=other_workspace)
    return SalesRecordFactory(store=ours), SalesRecordFactory(store=theirs)


def _bumped(write, *workspaces, capture) -> list[bool]:
    """Which of ``workspaces`` got a new ``sales`` data version from ``write()``, committed."""
    before = [data_version("sales", workspace.pk) for workspace in workspaces]
    with capture(execute=True):
        write()
    return [data_version("sales", w.pk) != version for w, version in zip(workspaces, before, strict=True)]


def test_saves_deletes_and_bulk_writes_bump_the_workspaces_they_write(
    two_shops, workspace, other_workspace, django_capture_on_commit_callbacks
):
    from sales.models import SalesRecord

    ours, theirs = two_shops
    both = (workspace, other_workspace)
    capture = django_capture_on_commit_callbacks

    def save():
        ours.revenue = Decimal("1.00")
        ours.save()

    assert _bumped(save, *both, capture=capture) == [True, False]
    mine = SalesRecord.objects.filter(workspace=workspace)
    assert _bumped(lambda: mine.update(revenue=Decimal("2.00")), *both, capture=capture) == [True, False]
    assert _bumped(lambda: mine.filter(pk=-1).update(revenue=0), *both, capture=capture) == [False, False]
    copy = SalesRecord(workspace=workspace, store=ours.store, date=ours.date, revenue=1, ad_spend=1)
    assert _bumped(lambda: SalesRecord.objects.bulk_create([copy]), *both, capture=capture) == [True, False]
    theirs.revenue = Decimal("3.00")
    assert _bumped(lambda: SalesRecord.objects.bulk_update([theirs], ["revenue"]), *both, capture=capture) == [
        False,
        True,
    ]
    assert _bumped(copy.delete, *both, capture=capture) == [True, False]

    def move():  # their record into our workspace: both workspaces' figures change
        SalesRecord.objects.filter(pk=theirs.pk).update(workspace=workspace, store=ours.store)

    assert _bumped(move, *both, capture=capture) == [True, True]
    assert _bumped(SalesRecord.objects.all().delete, *both, capture=capture) == [True, False]
    assert not SalesRecord.objects.exists()


def test_a_rolled_back_bulk_write_bumps_nothing(two_shops, workspace, django_capture_on_commit_callbacks):
    from django.db import transaction

    from sales.models import SalesRecord

    def write_then_fail():
        with transaction.atomic():
            SalesRecord.objects.filter(workspace=workspace).update(revenue=0)
            raise RuntimeError("rolled back")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError, match="rolled back"):
        write_then_fail()
    assert callbacks == []


def test_only_versioned_models_can_be_tracked():
    from accounts.models import Membership

    with pytest.raises(ImproperlyConfigured, match="Membership must inherit VersionedModel"):
        bump_on_change(Membership, "accounts")
