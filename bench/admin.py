"""The admin's lists over a million lines, on PostgreSQL (not part of the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse .venv/bin/python bench/admin.py [--lines 1000000]

Loads ``--lines`` e-commerce sales lines into one bench workspace's own partition and as many
sales daily records (50 stores, 20 members), both by ``INSERT … SELECT generate_series`` in SQL,
then ANALYZE. Times, through Django's test client as a logged-in superuser (the median of
``--repeat`` calls, after one untimed call), the sales-line and daily-record changelists
unfiltered and with a search, and prints each time against the goal (under a second).
Everything it creates is removed at the end.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import Membership, User, Workspace  # noqa: E402
from ecommerce import partitions  # noqa: E402
from ecommerce.models import LINE_MODELS, ImportJob, SalesLine  # noqa: E402
from sales.models import SalesRecord, Store  # noqa: E402

STORES, MEMBERS = 50, 20


def _load_lines(workspace: Workspace, job: ImportJob, count: int) -> None:
    """``count`` lines over 2011, 4,000 stock codes, 20,000 invoices and 4,000 customers."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SalesLine._meta.db_table} (workspace_id, import_job_id, invoice_no, stock_code, "  # noqa: S608
            "description, quantity, invoice_date, unit_price, amount, customer_id, country, is_product) "
            "SELECT %s, %s, (500000 + n / 50)::text, (10000 + n %% 4000)::text, "
            "'PRODUCT ' || (n %% 4000), 1 + n %% 7, "
            "timestamptz '2011-01-01' + (n * interval '31 seconds'), 2.5, 2.5 * (1 + n %% 7), "
            "(12000 + n %% 4000)::text, 'United Kingdom', true FROM generate_series(1, %s) AS n",
            [workspace.pk, job.pk, count],
        )
        cursor.execute(f"ANALYZE {SalesLine._meta.db_table}")


def _load_records(workspace: Workspace, count: int) -> None:
    """``count`` daily records of the bench stores, recorded by the bench members in turn."""
    stores = [store.pk for store in Store.objects.filter(workspace=workspace).order_by("pk")]
    users = [membership.user_id for membership in Membership.objects.filter(workspace=workspace).order_by("user_id")]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SalesRecord._meta.db_table} (workspace_id, store_id, date, revenue, ad_spend, "  # noqa: S608
            "recorded_by_id, created_at) "
            "SELECT %s, (%s::bigint[])[1 + n %% %s], date '1990-01-01' + (n / %s)::int, 100 + n %% 900, 10, "
            "(%s::bigint[])[1 + n %% %s], now() FROM generate_series(0, %s - 1) AS n",
            [workspace.pk, stores, len(stores), len(stores), users, len(users), count],
        )
        cursor.execute(f"ANALYZE {SalesRecord._meta.db_table}")


def _timed(client: Client, url: str, repeat: int) -> float:
    response = client.get(url)  # untimed: the first call of a URL warms this process
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000, help="Sales lines and daily records loaded.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed calls per URL (median).")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("bench/admin.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host is allowed
    slug = f"bench-admin-{os.getpid()}"
    workspace = Workspace.objects.create(name="Bench admin", slug=slug, timezone="Europe/London", currency="GBP")
    staff = User.objects.create_superuser(email=f"{slug}@bench.local", password=None)
    try:
        for index in range(MEMBERS):
            member = User.objects.create_user(email=f"member{index}@{slug}.local", password=None)
            Membership.objects.create(user=member, workspace=workspace, role=Membership.Role.VIEWER)
        Store.objects.bulk_create(Store(workspace=workspace, name=f"Store {index:02}") for index in range(STORES))
        job = ImportJob.objects.create(workspace=workspace, source_name="bench admin", status="succeeded")
        for model in LINE_MODELS:
            partitions.ensure(model, workspace.pk)
        started = time.perf_counter()
        _load_lines(workspace, job, options.lines)
        _load_records(workspace, options.lines)
        print(
            f"loaded {options.lines:,} sales lines and {options.lines:,} daily records in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = Client()
        client.force_login(staff)
        urls = [
            ("sales lines, changelist", "/admin/ecommerce/salesline/"),
            ("sales lines, search of a stock code", "/admin/ecommerce/salesline/?q=10042"),
            ("sales lines, search of an invoice", "/admin/ecommerce/salesline/?q=510000"),
            (
                "sales lines, search of a customer, in the workspace",
                f"/admin/ecommerce/salesline/?q=12042&workspace={slug}",
            ),
            ("daily records, changelist", "/admin/sales/salesrecord/"),
            ("daily records, search of a store name prefix", "/admin/sales/salesrecord/?q=Store%2007"),
            ("daily records, search of a member's email", f"/admin/sales/salesrecord/?q=member3@{slug}.local"),
        ]
        print(f"\n{'admin list over ' + format(options.lines, ',') + ' rows':58} {'seconds':>8}  goal < 1 s")
        print("-" * 80)
        for label, url in urls:
            seconds = _timed(client, url, options.repeat)
            print(f"{label:58} {seconds:8.3f}  {'yes' if seconds < 1 else 'NO'}")
    finally:
        for model in LINE_MODELS:
            partitions.drop(model, workspace.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SalesRecord._meta.db_table} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608
        workspace.delete()
        User.objects.filter(email__endswith=f"{slug}.local").delete()
        staff.delete()


if __name__ == "__main__":
    main()
