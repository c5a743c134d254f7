"""Writes of the sales app. Every write of a store or a record, one by one or in bulk, bumps the
workspace's ``sales`` cache version (:func:`config.cache.bump_on_change`), so the cached
summary, series and top sellers are never served stale."""

import datetime as dt
from collections.abc import Callable, Iterable

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Membership, User, Workspace
from config.errors import Conflict, Invalid
from config.services import model_update
from sales import fake
from sales.models import SalesRecord, Store

CACHE_NAMESPACE = "sales"
REPORTS_NAMESPACE = "sales-reports"
FAKE_MAX_COUNT = 10_000
FAKE_STORES = 3
BATCH_SIZE = 2_000
STORE_FIELDS = ("name", "city")
RECORD_FIELDS = ("store", "date", "revenue", "ad_spend", "recorded_by")
STORE_OF_ANOTHER_WORKSPACE = "This store belongs to another workspace."


def local_today(workspace: Workspace) -> dt.date:
    return timezone.now().astimezone(workspace.tzinfo).date()


@transaction.atomic
def store_create(*, workspace: Workspace, name: str, city: str = "") -> Store:
    return Store.objects.create(workspace=workspace, name=name, city=city)


@transaction.atomic
def store_update(*, store: Store, **fields) -> Store:
    store, _ = model_update(instance=store, fields=STORE_FIELDS, data=fields)
    return store


@transaction.atomic
def store_delete(*, store: Store) -> None:
    """Stores with sales records are kept: deleting them would silently rewrite history."""
    records = SalesRecord.objects.filter(store=store).count()
    if records:
        raise Conflict(f"The store has {records} sales records; delete them first.")
    store.delete()


@transaction.atomic
def records_create(*, workspace: Workspace, rows: Iterable[dict], recorded_by: User) -> list[SalesRecord]:
    """Create records from validated rows (``store`` already checked to be the workspace's)."""
    records = []
    for row in rows:
        store = row["store"]
        if store.workspace_id != workspace.pk:  # the serializer scopes stores; this guards other callers
            raise Invalid.on("store", STORE_OF_ANOTHER_WORKSPACE)
        records.append(
            SalesRecord(
                workspace=workspace,
                store=store,
                date=row["date"],
                revenue=row["revenue"],
                ad_spend=row["ad_spend"],
                recorded_by=row.get("recorded_by") or recorded_by,
            )
        )
    return SalesRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)


@transaction.atomic
def record_update(*, record: SalesRecord, **fields) -> SalesRecord:
    store = fields.get("store")
    if store is not None and store.workspace_id != record.workspace_id:
        raise Invalid.on("store", STORE_OF_ANOTHER_WORKSPACE)
    record, _ = model_update(instance=record, fields=RECORD_FIELDS, data=fields)
    return record


@transaction.atomic
def records_delete(records: QuerySet[SalesRecord]) -> int:
    """Delete the records (by statement; the figures of their workspaces move on)."""
    deleted, _ = records.delete()
    return deleted


def _fake_stores(workspace: Workspace, *, seed: int | None) -> list[Store]:
    stores = list(Store.objects.filter(workspace=workspace).order_by("pk"))
    if not stores:
        names = fake.store_names(FAKE_STORES, seed=seed)
        stores = [Store.objects.create(workspace=workspace, name=name, city=city) for name, city in names]
    return stores


def fake_rows_insert(*, workspace: Workspace, rows: list[fake.FakeRow]) -> None:
    """Insert generated rows of the workspace's stores as records, in batches."""
    SalesRecord.objects.bulk_create(
        [
            SalesRecord(
                workspace=workspace,
                store_id=row.store_id,
                date=row.date,
                revenue=row.revenue,
                ad_spend=row.ad_spend,
                recorded_by_id=row.recorded_by_id,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )


def records_generate_fake(
    *,
    workspace: Workspace,
    count: int,
    seed: int | None = None,
    days: int = fake.DEFAULT_DAYS,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """``count`` fake records over the last ``days`` days (ending today in the workspace's time
    zone), spread over the workspace's stores (three are created when it has none) and members.

    One transaction: either every record is written or none. ``progress(n)`` is called after
    each batch of n records.
    """
    rng = np.random.default_rng(seed)
    with transaction.atomic():
        stores = _fake_stores(workspace, seed=seed)
        user_ids = list(
            Membership.objects.filter(workspace=workspace).order_by("user_id").values_list("user_id", flat=True)
        )
        today = local_today(workspace)
        created = 0
        total_revenue = total_ad_spend = 0
        while created < count:
            size = min(BATCH_SIZE, count - created)
            dates = fake.random_days(rng, count=size, last_day=today, days=days)
            store_ids = [stores[int(i)].pk for i in rng.integers(0, len(stores), size=size)]
            rows = fake.fake_rows(rng=rng, store_ids=store_ids, user_ids=user_ids, dates=dates)
            fake_rows_insert(workspace=workspace, rows=rows)
            total_revenue += sum(row.revenue for row in rows)
            total_ad_spend += sum(row.ad_spend for row in rows)
            created += size
            if progress is not None:
                progress(size)
    return {
        "created": created,
        "stores": len(stores),
        "date_from": today - dt.timedelta(days=days - 1),
        "date_to": today,
        "total_revenue": total_revenue,
        "total_ad_spend": total_ad_spend,
    }
