"""The plans of the queries behind the e-commerce endpoints and pages (DESIGN §7: every query
that serves a page or endpoint uses an index), on PostgreSQL, where the lines of each workspace
are a partition of their own (``ecommerce.partitions``).

- Every query reads the requesting workspace's own partition and nothing else: the workspace
  filter prunes the line tables when the query is planned. A request over the whole history
  reads all of those lines, which a sequential scan of that partition does best.
- A selective request (one day, one country, one customer, one product, one invoice) reads the
  lines through an index on what it selects, never the whole partition. Sequential scans are
  turned off for this check: the tables of a test are small enough for PostgreSQL to prefer
  reading them whole, and with the choice taken away it still falls back to one when no index
  fits, or walks a whole index with the workspace as its only condition (the primary key's
  second column), which the check also refuses.
"""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecommerce import demo, partitions
from ecommerce.models import LINE_MODELS
from tests.ecommerce.import_helpers import run_import
from tests.ecommerce.test_api import BASE, ENDPOINTS
from tests.ecommerce.test_dashboard import PAGES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"),
]

LINE_TABLES = tuple(model._meta.db_table for model in LINE_MODELS)
ONE_DAY = {"date_from": "2011-06-01", "date_to": "2011-06-01"}
# In the demo file of the fixture (23,300 rows): Portugal has 32 lines, customer 16875 one,
# stock code 20000 106 and invoice 536400 a handful; France is typed as a person would.
SELECTIVE = [
    ("kpis", ONE_DAY),
    ("series", {"date_from": "2011-06-01", "date_to": "2011-06-07"}),
    ("countries/france", {}),
    ("transactions", {"country": "portugal"}),
    ("transactions", {"customer": "16875"}),
    ("transactions", {"product": "20000"}),
    ("transactions", {"invoice": "536400"}),
    ("transactions", ONE_DAY),
    ("customers/top", ONE_DAY),
    ("products/top", ONE_DAY),
    ("revenue/monthly", {"date_from": "2011-06-01", "date_to": "2011-06-30"}),
    ("revenue/by-hour", ONE_DAY),
]


@pytest.fixture
def shops(workspace, other_workspace):
    """The demo file imported into our workspace, and a few invoices into another one, whose
    partition the plans must leave alone."""
    end = dt.date(2011, 12, 10)
    for shop, invoices in ((workspace, 3_000), (other_workspace, 20)):
        assert run_import(shop, demo.generate_csv(end=end, invoices=invoices, seed=7)).status == "succeeded"
    with connection.cursor() as cursor:
        own = {table for model in LINE_MODELS for table in partitions.data_tables(cursor, model, workspace.pk)}
    assert len(own) == 2
    return own


def _scans(node: dict) -> list[dict]:
    """The scans of line tables in a plan (EXPLAIN's JSON), with the node above a Bitmap Index
    Scan standing for it."""
    found = [node] if node.get("Relation Name", "").startswith(LINE_TABLES) else []
    for child in node.get("Plans", []):
        found += _scans(child)
    return found


def _plans(request) -> list[tuple[str, list[dict]]]:
    """(SQL, scans of line tables) of each query of ``request()`` that reads lines, planned as
    the request ran it (the cache is emptied first, so that every query runs)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200, response.content
    plans = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            sql = query["sql"] or ""  # None for the prepared membership look-up, which reads no line
            if not sql.startswith("SELECT") or not any(table in sql for table in LINE_TABLES):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            (plan,) = cursor.fetchone()  # decoded by psycopg
            top = plan[0]["Plan"]
            # A filter the planner proves false (no order reversed: ``IN ()``) reads no table at all.
            if top["Node Type"] == "Result" and "Plans" not in top and top.get("One-Time Filter") == "false":
                continue
            plans.append((sql, _scans(top)))
    assert plans, "the request read no line"
    return plans


def _assert_own_partition_only(url: str, plans, own: set[str]) -> None:
    for sql, scans in plans:
        assert scans, f"{url}: {sql}"
        read = {scan["Relation Name"] for scan in scans}
        assert read <= own, f"{url}: {sql}\nreads {sorted(read - own)}"


def test_every_endpoint_and_page_reads_only_the_workspaces_own_partition(shops, owner, api_as, client):
    api = api_as(owner)
    for endpoint in ENDPOINTS:
        _assert_own_partition_only(endpoint, _plans(lambda endpoint=endpoint: api.get(BASE + endpoint)), shops)
    client.force_login(owner)
    for page in PAGES:
        _assert_own_partition_only(page, _plans(lambda page=page: client.get(reverse(page))), shops)


def _index_condition(scan: dict) -> str:
    if scan["Node Type"] in ("Index Scan", "Index Only Scan"):
        return scan.get("Index Cond", "")
    if scan["Node Type"] == "Bitmap Heap Scan":
        return scan.get("Recheck Cond", "")
    return ""  # a sequential scan


# "(workspace_id = 7)" alone: every line of the partition, read through an index (the primary
# key (id, workspace_id) on a data table, whose other indexes leave the workspace out).
WORKSPACE_ONLY = re.compile(r"\(*workspace_id = \d+\)*")


@pytest.mark.parametrize(("endpoint", "params"), SELECTIVE)
def test_a_selective_request_reads_its_lines_through_an_index(shops, owner, api_as, endpoint, params):
    client = api_as(owner)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plans = _plans(lambda: client.get(BASE + endpoint, params))
        finally:
            cursor.execute("RESET enable_seqscan")
    _assert_own_partition_only(endpoint, plans, shops)
    for sql, scans in plans:
        for scan in scans:
            condition = _index_condition(scan)
            where = f"{sql}\n{scan['Node Type']} on {scan['Relation Name']}: filter {scan.get('Filter')!r}"
            assert condition, where
            assert not WORKSPACE_ONLY.fullmatch(condition), where
