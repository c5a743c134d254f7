"""Sales analytics on 1,000,000 records: the API endpoints against the same SQL run directly.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_sales \\
    REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/sales.py [--rows 1000000] [--repeat 5]

Loads ``--rows`` records into a workspace ``bench-sales`` with one ``INSERT … SELECT`` over
``generate_series`` (skipped when they are already there), then for each scenario measures, in
the same run and interleaved:

* the endpoint, uncached: Django's test client (the whole middleware, auth, tenancy, DRF,
  serialisation and cache-write path, no HTTP socket) as a staff owner with ``?refresh=1``;
* the equivalent SQL (the same aggregate queries the endpoint needs) run with psycopg;
* the endpoint, cached (a plain request after the refresh).

Medians of ``--repeat`` runs (and the ratio of the best runs, less sensitive to a busy machine);
the goal is uncached / SQL ≤ 1.5.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SLOW_QUERY_MS", "1000000000")  # the bench times every query itself

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from accounts.models import Membership, User, Workspace  # noqa: E402
from config.periods import Period  # noqa: E402
from sales.models import SalesRecord, Store  # noqa: E402

SLUG = "bench-sales"
STORES, SELLERS, DAYS = 25, 12, 1000
FIRST_DAY = dt.date(2024, 1, 1)

# What the summary endpoint sends (sales.analytics._totals): one statement with the totals of
# each period (conditional aggregates) and the number of stores that sold in it, counted by an
# EXISTS-probing subquery.
SELLING_SQL = """(SELECT COUNT(*) FROM sales_store s WHERE s.workspace_id = %(ws)s
     AND EXISTS (SELECT 1 FROM sales_salesrecord r
                 WHERE r.workspace_id = %(ws)s AND r.store_id = s.id {where}))"""
SERIES_SQL = """
SELECT {bucket} AS bucket, SUM(revenue), SUM(ad_spend), COUNT(*), MIN(date), MAX(date)
FROM sales_salesrecord WHERE workspace_id = %(ws)s GROUP BY 1
"""


def summary_sql(workspace_id: int, *periods: Period) -> tuple[str, dict]:
    """No period: the whole history. Otherwise each period's totals, over the union of them."""
    params: dict = {"ws": workspace_id}
    if not periods:
        columns = ["SUM(revenue)", "SUM(ad_spend)", "COUNT(*)", "MIN(date)", "MAX(date)", SELLING_SQL.format(where="")]
        return f"SELECT {', '.join(columns)} FROM sales_salesrecord WHERE workspace_id = %(ws)s", params  # noqa: S608
    columns, ranges = [], []
    for index, period in enumerate(periods):
        params[f"from{index}"], params[f"to{index}"] = period.date_from, period.date_to
        condition = f"date >= %(from{index})s AND date <= %(to{index})s"
        ranges.append(f"({condition})")
        columns += [f"{aggregate} FILTER (WHERE {condition})" for aggregate in AGGREGATES]
        columns.append(SELLING_SQL.format(where=f"AND r.{condition.replace(' AND ', ' AND r.')}"))
    where = " OR ".join(ranges)  # built from constants only; values are parameters
    sql = f"SELECT {', '.join(columns)} FROM sales_salesrecord WHERE workspace_id = %(ws)s AND ({where})"  # noqa: S608
    return sql, params


AGGREGATES = ("SUM(revenue)", "SUM(ad_spend)", "COUNT(date)", "MIN(date)", "MAX(date)")
BUCKET = {"day": "date", "week": "date_trunc('week', date)::date", "month": "date_trunc('month', date)::date"}


def setup(rows: int) -> tuple[Workspace, User]:
    call_command("migrate", verbosity=0)
    user = User.objects.filter(email="bench@pulse.local").first() or User.objects.create_user(
        email="bench@pulse.local", password=None, is_staff=True
    )
    workspace, _ = Workspace.objects.get_or_create(slug=SLUG, defaults={"name": "Bench sales"})
    Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": "owner"})
    sellers = [user.pk]
    for index in range(SELLERS - 1):
        seller, _ = User.objects.get_or_create(email=f"seller{index}@bench.local")
        Membership.objects.get_or_create(user=seller, workspace=workspace, defaults={"role": "admin"})
        sellers.append(seller.pk)
    stores = [Store.objects.get_or_create(workspace=workspace, name=f"Store {i:02d}")[0].pk for i in range(STORES)]
    existing = SalesRecord.objects.filter(workspace=workspace).count()
    if existing != rows:
        print(f"Loading {rows:,} records (had {existing:,})…", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sales_salesrecord WHERE workspace_id = %s", [workspace.pk])
            # Revenue with a yearly wave and noise; ROAS between 0.5 and 5.
            cursor.execute(  # constants only are formatted in; values are parameters
                f"""
                INSERT INTO sales_salesrecord (workspace_id, store_id, date, revenue, ad_spend, recorded_by_id,
                                               created_at)
                SELECT %s, (%s::bigint[])[1 + g %% {STORES}], DATE '{FIRST_DAY.isoformat()}' + (g %% {DAYS}),
                       r.revenue, round(r.revenue / (0.5 + random() * 4.5)::numeric, 2),
                       (%s::bigint[])[1 + (g * 7) %% {SELLERS}], now()
                FROM generate_series(1, %s) AS g,
                     LATERAL (SELECT round((500 + 300 * sin(g / 58.0) + random() * 900)::numeric, 2) AS revenue) AS r
                """,  # noqa: S608
                [workspace.pk, stores, sellers, rows],
            )
        # Fresh statistics and visibility map, as autovacuum would leave them (index-only scans).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE sales_salesrecord")
        print(f"  loaded in {time.perf_counter() - started:.1f}s", flush=True)
    return workspace, user


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: set DATABASE_URL=postgres://…")
    workspace, user = setup(args.rows)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}", HTTP_X_WORKSPACE=SLUG)
    db = settings.DATABASES["default"]
    sql = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname=db["NAME"]
    )
    sql.autocommit = True

    def run_sql(query: str, params: dict):
        with sql.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    # The periods the endpoint compares (config.periods.Period), for the direct SQL.
    everything = Period(FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1))
    last_90 = Period(everything.date_to - dt.timedelta(days=89), everything.date_to)
    scenarios = [
        (
            "summary, all history",
            "/api/v1/sales/summary",
            {},
            # The period's totals, then those of the period before (same length).
            [summary_sql(workspace.pk)],  # the period before the whole history is empty: no query
        ),
        (
            "summary, 90 days",
            "/api/v1/sales/summary",
            {"date_from": last_90.date_from.isoformat(), "date_to": last_90.date_to.isoformat()},
            [summary_sql(workspace.pk, last_90, last_90.previous())],
        ),
    ]
    scenarios.extend(
        (
            f"series by {interval}, all history",
            "/api/v1/sales/series",
            {"interval": interval},
            [(SERIES_SQL.format(bucket=BUCKET[interval]), {"ws": workspace.pk})],
        )
        for interval in ("day", "week", "month")
    )

    print(
        f"\n{args.rows:,} records, {STORES} stores, {DAYS} days; PostgreSQL {connection.pg_version // 10000}; "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; median of {args.repeat} runs; "
        "endpoint through Django's test client (full middleware + DRF stack, no socket)\n"
    )
    header = (
        f"{'scenario':32} {'endpoint uncached':>18} {'direct SQL':>11} {'ratio':>6} {'best/best':>9} "
        f"{'endpoint cached':>16}"
    )
    print(header)
    print("-" * len(header))
    for name, path, params, queries in scenarios:
        response = client.get(path, {**params, "refresh": "1"})  # warm-up (plans, connections)
        assert response.status_code == 200, response.content
        endpoint, direct, hits = [], [], []
        for _ in range(args.repeat):
            endpoint.append(timed(lambda: client.get(path, {**params, "refresh": "1"})))  # noqa: B023
            direct.append(timed(lambda: [run_sql(q, p) for q, p in queries]))  # noqa: B023
            hits.append(timed(lambda: client.get(path, params)))  # noqa: B023
        uncached, baseline = statistics.median(endpoint), statistics.median(direct)
        print(
            f"{name:32} {uncached:15.1f} ms {baseline:8.1f} ms {uncached / baseline:5.2f}x "
            f"{min(endpoint) / min(direct):8.2f}x {statistics.median(hits):13.2f} ms"
        )
    sql.close()


if __name__ == "__main__":
    main()
