"""Demo data for ``manage.py demo``: three stores with a year of daily sales by the demo user,
an ETL report and a data-quality report. Idempotent: a second run only refreshes the reports."""

import datetime as dt

import numpy as np
from django.db import transaction

from accounts.models import User, Workspace
from sales import fake, services
from sales.etl import insights_generate
from sales.models import SalesRecord, Store
from sales.quality import quality_check_run

DEMO_STORES = [("Camden Market", "London"), ("Northern Quarter", "Manchester"), ("Clifton Village", "Bristol")]
DAYS = 365
SEED = 2026


def load(*, workspace: Workspace, user: User, stdout) -> str:
    with transaction.atomic():
        stores = []
        for name, city in DEMO_STORES:
            store, _ = Store.objects.get_or_create(workspace=workspace, name=name, defaults={"city": city})
            stores.append(store)
        created = 0
        if not SalesRecord.objects.filter(workspace=workspace).exists():
            today = services.local_today(workspace)
            days = [today - dt.timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
            store_ids = [store.pk for store in stores for _ in days]
            rows = fake.fake_rows(
                rng=np.random.default_rng(SEED), store_ids=store_ids, user_ids=[user.pk], dates=days * len(stores)
            )
            services.fake_rows_insert(workspace=workspace, rows=rows)
            created = len(rows)
    insights = insights_generate(workspace_id=workspace.pk)
    quality = quality_check_run(workspace_id=workspace.pk)
    return (
        f"{len(stores)} stores, {created} new records ({DAYS} days), "
        f"ETL report with {len(insights.findings)} findings, data quality {quality.status}"
    )
