"""The import's cleaning runs in a producer thread feeding the COPY (``ecommerce.loading``): same
report and rows as before, and all or nothing whichever side fails."""

import threading

import pytest
from django.db import connection

from ecommerce import loading
from ecommerce.models import ImportJob, ReturnLine, SalesLine
from tests.ecommerce.import_helpers import csv_bytes, run_import, steps

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's")

# 12,000 sales lines (several COPY batches) and 30 returns; quantities cycle 1..5: 36,000 units.
# Progress is reported every 16,384 rows, so the tests that fail in it import BIG.
SALES = [
    [str(540000 + index // 4), f"P{index % 50}", "MUG", str(index % 5 + 1), "12/1/2010 8:26", "1.25", "12001", "France"]
    for index in range(12_000)
]
RETURNS = [
    [f"C{560000 + index}", "P1", "MUG", "-2", "12/2/2010 9:00", "1.25", "12001", "France"] for index in range(30)
]
BIG = [
    [str(600000 + index // 4), f"Q{index % 50}", "CUP", "1", "12/3/2010 10:00", "2.00", "", "Spain"]
    for index in range(20_000)
]


def _producer_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "pulse-import-producer"]


def test_the_report_and_the_lines_are_those_of_the_file(workspace):
    job = run_import(workspace, csv_bytes(SALES[:6000] + RETURNS + SALES[6000:]))

    assert job.status == "succeeded", job.error
    assert steps(job.report) == {
        "rows_read": 12_030,
        "duplicates_dropped": 0,
        "adjustments_excluded": 0,
        "returns_kept": 30,
        "rejected": {"quantity_le_0": 0, "price_le_0": 0},
        "rejected_total": 0,
        "sales_lines_kept": 12_000,
    }
    assert job.report["revenue"] == "45000.000"  # 36,000 units at 1.25
    assert job.report["returns_value"] == "75.000"  # 30 × 2 × 1.25
    assert job.report["encoding"] == "utf-8"
    sales = SalesLine.objects.filter(workspace=workspace)
    assert sales.count() == 12_000
    assert sorted(sales.values_list("invoice_no", "stock_code", "quantity"))[:3] == [
        ("540000", "P0", 1),
        ("540000", "P1", 2),
        ("540000", "P2", 3),
    ]
    assert ReturnLine.objects.filter(workspace=workspace).count() == 30
    assert not _producer_threads()


def test_a_latin1_file_read_in_the_producer_reports_its_encoding(workspace):
    rows = [["536365", "85123A", "PRICE £", "1", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"]]

    job = run_import(workspace, csv_bytes(rows, encoding="iso-8859-1"))

    assert job.report["encoding"] == "iso-8859-1"
    assert SalesLine.objects.get(workspace=workspace).description == "PRICE £"


def test_an_error_in_the_cleaning_thread_leaves_nothing(workspace, monkeypatch):
    first = run_import(workspace, csv_bytes(SALES))
    seen = []

    def failing_progress(*args, **kwargs):  # called at row 16,384: three COPY batches were sent already
        seen.append(threading.current_thread().name)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr("ecommerce.services.progress_record", failing_progress)
    job = run_import(workspace, csv_bytes(BIG))

    assert job.status == "failed"
    assert job.error["code"] == "internal_error"
    assert job.error["message"] == "The import failed unexpectedly (RuntimeError)."
    expected = "pulse-import-producer" if connection.vendor == "postgresql" else "MainThread"
    assert seen == [expected]
    assert set(SalesLine.objects.filter(workspace=workspace).values_list("import_job", flat=True)) == {first.pk}
    assert SalesLine.objects.filter(workspace=workspace).count() == 12_000
    assert not _producer_threads()


@postgres_only
def test_a_copy_failure_leaves_nothing_and_stops_the_producer(workspace, monkeypatch):
    first = run_import(workspace, csv_bytes(SALES))
    real_format = loading.CopyText.format
    calls = []

    def bad_row_at_7000(self, line):
        calls.append(1)
        return "not a row\n" if len(calls) == 7000 else real_format(self, line)

    monkeypatch.setattr(loading.CopyText, "format", bad_row_at_7000)
    job = run_import(workspace, csv_bytes(BIG))

    assert job.status == "failed"
    assert job.error["code"] == "internal_error"
    assert job.error["message"] == "The import failed unexpectedly (DataError)."
    assert SalesLine.objects.filter(workspace=workspace).count() == 12_000
    assert set(SalesLine.objects.filter(workspace=workspace).values_list("import_job", flat=True)) == {first.pk}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname LIKE %s",
            [f"ecommerce_%line_ws{workspace.pk}_job{job.pk}"],
        )
        assert cursor.fetchone()[0] == 0  # the staged tables went with the rollback
    assert not _producer_threads()
    assert ImportJob.objects.get(pk=job.pk).status == "failed"


def test_a_consumer_that_fails_stops_a_producer_waiting_on_the_full_queue(monkeypatch):
    monkeypatch.setattr(loading, "QUEUE_BATCHES", 1)
    produced, consumed = [], []

    def produce(put):
        for item in range(100):
            put(str(item))
            produced.append(item)

    def consume(items):
        for item in items:
            consumed.append(item)
            if len(consumed) == 2:
                raise ValueError("the COPY failed")

    with pytest.raises(ValueError, match="the COPY failed"):
        loading.overlapped(produce, consume)

    assert consumed == ["0", "1"]
    assert len(produced) <= 4  # one in the queue, one taken, one waiting: never the hundred
    assert not _producer_threads()


def test_the_producers_error_comes_after_what_it_put_before(monkeypatch):
    consumed = []

    def produce(put):
        put("a")
        put("b")
        raise LookupError("row 3")

    with pytest.raises(LookupError, match="row 3"):
        loading.overlapped(produce, lambda items: consumed.extend(items))

    assert consumed == ["a", "b"]
    assert not _producer_threads()


@postgres_only
@pytest.mark.django_db(transaction=True)  # SET LOCAL lasts until the outermost transaction ends
def test_the_index_build_settings_last_for_the_import_only(workspace):
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_maintenance_workers")
        before = cursor.fetchone()[0]
        run_import(workspace, csv_bytes(SALES[:10]))
        cursor.execute("SHOW max_parallel_maintenance_workers")
        assert cursor.fetchone()[0] == before
