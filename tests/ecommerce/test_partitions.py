"""Per-workspace partitions of the line tables on PostgreSQL (``ecommerce.partitions``)."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from ecommerce import partitions, services
from ecommerce.models import ImportJob, ReturnLine, SalesLine
from tests.ecommerce.factories import SalesLineFactory
from tests.ecommerce.import_helpers import csv_bytes, run_import

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"),
]


ROWS = [
    [
        "536365",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER",
        "6",
        "12/1/2010 8:26",
        "2.55",
        "17850",
        "United Kingdom",
    ],
    ["536365", "71053", "WHITE METAL LANTERN", "6", "12/1/2010 8:26", "3.39", "17850", "United Kingdom"],
    ["536370", "22728", "ALARM CLOCK BAKELIKE PINK", "24", "12/1/2010 8:45", "3.75", "12583", "France"],
    ["C536379", "D", "Discount", "-1", "12/1/2010 9:41", "27.50", "14527", "United Kingdom"],
]
UNREADABLE = ["536999", "71053", "WHITE METAL LANTERN", "many", "12/2/2010 8:26", "3.39", "17850", "United Kingdom"]


def _data_tables(model, workspace) -> list[str]:
    with connection.cursor() as cursor:
        return partitions.data_tables(cursor, model, workspace.pk)


def _count(table: str, workspace) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM ONLY "{table}" WHERE workspace_id = %s', [workspace.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _tables_of(model, workspace) -> list[str]:
    """Every table named after the workspace's data tables, attached or not."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE %s ORDER BY relname",
            [f"{model._meta.db_table}_ws{workspace.pk}_job%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_an_import_gives_the_workspace_tables_of_its_own(workspace, other_workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    other = run_import(other_workspace, csv_bytes(ROWS))

    assert _data_tables(SalesLine, workspace) == [f"ecommerce_salesline_ws{workspace.pk}_job{job.pk}"]
    assert _data_tables(ReturnLine, workspace) == [f"ecommerce_returnline_ws{workspace.pk}_job{job.pk}"]
    assert _count(f"ecommerce_salesline_ws{workspace.pk}_job{job.pk}", workspace) == 3
    assert _count(f"ecommerce_returnline_ws{workspace.pk}_job{job.pk}", workspace) == 1
    assert _count("ecommerce_salesline_default", workspace) == 0
    assert _data_tables(SalesLine, other_workspace) == [f"ecommerce_salesline_ws{other_workspace.pk}_job{other.pk}"]
    assert SalesLine.objects.filter(workspace=workspace).count() == 3  # queries read through the line table


def test_a_reimport_replaces_the_data_table_and_leaves_no_other(workspace):
    run_import(workspace, csv_bytes(ROWS))
    second = run_import(workspace, csv_bytes(ROWS))

    for model in (SalesLine, ReturnLine):
        name = f"{model._meta.db_table}_ws{workspace.pk}_job{second.pk}"
        assert _data_tables(model, workspace) == [name]
        assert _tables_of(model, workspace) == [name]
    assert SalesLine.objects.filter(workspace=workspace).count() == 3


def test_lines_written_outside_imports_move_into_the_workspace_tables_or_are_replaced(workspace):
    kept = SalesLineFactory(workspace=workspace, invoice_no="900001", stock_code="85123A")
    replaced = SalesLineFactory(workspace=workspace, invoice_no="536365", stock_code="99999")
    assert _count("ecommerce_salesline_default", workspace) == 2

    job = run_import(workspace, csv_bytes(ROWS))

    assert job.report["replaced"] == {"sales_lines": 1, "returns": 0}
    assert _count("ecommerce_salesline_default", workspace) == 0
    assert _count(f"ecommerce_salesline_ws{workspace.pk}_job{job.pk}", workspace) == 4
    assert SalesLine.objects.get(pk=kept.pk).invoice_no == "900001"  # the same row, id and all
    assert not SalesLine.objects.filter(pk=replaced.pk).exists()


def test_a_failed_import_leaves_the_previous_data_table_as_it_was(workspace):
    first = run_import(workspace, csv_bytes(ROWS))

    failed = run_import(workspace, csv_bytes([*ROWS, UNREADABLE]))

    assert failed.status == "failed"
    assert _tables_of(SalesLine, workspace) == [f"ecommerce_salesline_ws{workspace.pk}_job{first.pk}"]
    assert set(SalesLine.objects.filter(workspace=workspace).values_list("import_job", flat=True)) == {first.pk}


def test_deleting_a_workspace_drops_its_tables(workspace, other_workspace):
    run_import(workspace, csv_bytes(ROWS))
    run_import(other_workspace, csv_bytes(ROWS))

    workspace.delete()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s), to_regclass(%s)",
            [f"ecommerce_salesline_ws{workspace.pk}", f"ecommerce_returnline_ws{workspace.pk}"],
        )
        assert cursor.fetchone() == (None, None)
    assert SalesLine.objects.filter(workspace=other_workspace).count() == 3


def test_ids_are_unique_across_partitions(workspace, other_workspace):
    in_default = SalesLineFactory(workspace=other_workspace)
    run_import(workspace, csv_bytes(ROWS))
    run_import(other_workspace, csv_bytes(ROWS[:1]))

    ids = list(SalesLine.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 5  # 3 imported + 1 written in the DEFAULT partition + 1 imported
    assert SalesLine.objects.get(pk=in_default.pk).workspace == other_workspace


def _indexes(table: str) -> list[str]:
    """The column lists of the table's own indexes, primary key first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisprimary, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [table]
        )
        indexes = sorted((not primary, re.search(r"\((.*)\)$", definition).group(1)) for primary, definition in cursor)
    return [columns for _, columns in indexes]


WITHOUT_WORKSPACE = {
    SalesLine: [
        "id, workspace_id",
        "country, invoice_date",
        "customer_id, invoice_date",
        "invoice_date",
        "invoice_no",
        "stock_code",
    ],
    ReturnLine: ["id, workspace_id", "country, invoice_date", "invoice_date", "invoice_no"],
}


def _with_workspace(model) -> list[str]:
    return ["id, workspace_id", *sorted(f"workspace_id, {columns}" for columns in WITHOUT_WORKSPACE[model][1:])]


def test_a_data_table_has_the_models_indexes_without_the_workspace_column(workspace, other_workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    SalesLineFactory(workspace=other_workspace)
    for model in (SalesLine, ReturnLine):
        partitions.ensure(model, other_workspace.pk)  # the line in the DEFAULT partition moves to job0

    for model in (SalesLine, ReturnLine):
        table = model._meta.db_table
        assert _indexes(f"{table}_ws{workspace.pk}_job{job.pk}") == WITHOUT_WORKSPACE[model]
        assert _indexes(f"{table}_ws{other_workspace.pk}_job0") == WITHOUT_WORKSPACE[model]
        assert _indexes(table + partitions.DEFAULT_SUFFIX) == _with_workspace(model)
        assert _indexes(table) == ["id, workspace_id"]
    assert _count(f"ecommerce_salesline_ws{other_workspace.pk}_job0", other_workspace) == 1


@pytest.mark.django_db(transaction=True)
def test_the_index_migration_moves_the_indexes_both_ways(workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    data_table = f"ecommerce_salesline_ws{workspace.pk}_job{job.pk}"
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("ecommerce", "0003_partition_lines_by_workspace")])
        assert _indexes("ecommerce_salesline") == _with_workspace(SalesLine)  # each with a copy on every partition
        assert _indexes(data_table) == _with_workspace(SalesLine)
        assert _indexes("ecommerce_salesline_default") == _with_workspace(SalesLine)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _indexes("ecommerce_salesline") == ["id, workspace_id"]
    assert _indexes(data_table) == WITHOUT_WORKSPACE[SalesLine]
    assert _indexes("ecommerce_salesline_default") == _with_workspace(SalesLine)
    assert SalesLine.objects.filter(workspace=workspace).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_line_written_during_a_reimport_waits_and_is_kept(workspace, other_workspace, monkeypatch):
    """A writer of the workspace waits for the import's commit, then lands in the new data table;
    reads and another workspace's import go on meanwhile. Nothing deadlocks, nothing is lost."""
    run_import(workspace, csv_bytes(ROWS))
    run_import(other_workspace, csv_bytes(ROWS))
    swapping, written = threading.Event(), threading.Event()
    attach = partitions.attach

    def attach_after_a_write_was_tried(cursor, model, workspace_id, staged):
        if model is SalesLine and workspace_id == workspace.pk and not swapping.is_set():
            swapping.set()
            assert not written.wait(1.0)  # the writer is held off while the import holds its lock
        attach(cursor, model, workspace_id, staged)

    monkeypatch.setattr(partitions, "attach", attach_after_a_write_was_tried)

    def write():
        swapping.wait(30)
        try:
            SalesLineFactory(workspace=workspace, invoice_no="900001")
            written.set()
        finally:
            connection.close()

    def read_and_import_elsewhere() -> tuple[int, str]:
        swapping.wait(30)
        try:
            count = SalesLine.objects.filter(workspace=workspace).count()  # the old lines, at once
            return count, run_import(other_workspace, csv_bytes(ROWS)).status
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        writer, reader = pool.submit(write), pool.submit(read_and_import_elsewhere)
        job = run_import(workspace, csv_bytes(ROWS))
        writer.result(timeout=60)
        assert reader.result(timeout=60) == (3, "succeeded")

    assert job.status == "succeeded"
    assert written.is_set()
    assert sorted(SalesLine.objects.filter(workspace=workspace).values_list("invoice_no", flat=True)) == [
        "536365",
        "536365",
        "536370",
        "900001",
    ]
    assert _data_tables(SalesLine, workspace) == [f"ecommerce_salesline_ws{workspace.pk}_job{job.pk}"]


def test_the_admins_unfiltered_line_list_sums_the_partitions_estimates(client, staff_user, workspace, other_workspace):
    """No COUNT(*) over every tenant's lines: the sum of the leaf partitions' planner estimates
    (each import analyses its table); a filtered list is counted exactly."""
    run_import(workspace, csv_bytes(ROWS))
    run_import(other_workspace, csv_bytes(ROWS[:1]))
    client.force_login(staff_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/ecommerce/salesline/")
    assert response.context["cl"].result_count == 4  # 3 + 1 sales lines; the discount is a return line
    counted = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert not any("ecommerce_salesline" in sql for sql in counted)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/ecommerce/salesline/", {"workspace": workspace.slug})
    assert response.context["cl"].result_count == 3
    assert any("COUNT(" in query["sql"].upper() for query in queries)


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_during_the_copy_is_raised_for_the_task_to_retry(workspace):
    """The task retries on Django's OperationalError: the COPY's own errors must be raised as it,
    not as the driver's (which the import would take for a bug, failing the job for good)."""
    rows = [[str(536365 + index // 4), "A1", "x", "1", "12/1/2010 8:26", "1.00", "", "ES"] for index in range(20000)]
    job = ImportJob.objects.create(workspace=workspace, source_name="orders.csv")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    terminated = []

    def terminate_the_import_connection(done, total, unit):  # called every 16,384 rows, in the COPY
        def terminate():
            try:
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
                    terminated.append(cursor.fetchone()[0])
            finally:
                connections.close_all()

        if not terminated:
            thread = threading.Thread(target=terminate)
            thread.start()
            thread.join(10)

    with pytest.raises(OperationalError):
        services.import_job_run(job=job, file=io.BytesIO(csv_bytes(rows)), progress=terminate_the_import_connection)
    connection.close()
    assert terminated == [True]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # as a lost worker leaves it: the retry runs it again
    assert SalesLine.objects.filter(workspace=workspace).count() == 0
