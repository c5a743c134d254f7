"""Hostile and odd files: an endless line, a zip bomb in XLSX clothing, carriage returns in
quoted fields and over-long descriptions. Each fails fast with its own code, or imports."""

import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from ecommerce.importing import MAX_LINE, ImportFailed, open_source
from ecommerce.importing.sources import LineTooLong, _lines
from ecommerce.models import ImportJob, SalesLine
from tests.ecommerce.import_helpers import HEADER, csv_bytes, gz_bytes, run_import, stored
from tests.ecommerce.test_import_pipeline import GOOD, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER_LINE = (",".join(HEADER) + "\n").encode()


def test_a_line_over_the_bound_fails_the_import_with_its_row_number(workspace):
    endless = HEADER_LINE + (",".join(GOOD) + "\n").encode() + b"x" * (3 * MAX_LINE)

    job = run_import(workspace, gz_bytes(endless), name="endless.csv.gz")

    assert job.status == ImportJob.Status.FAILED
    assert job.error["code"] == "line_too_long"
    assert job.error["rows"] == [{"row": 3}]
    assert job.error["max_line"] == MAX_LINE
    assert "Row 3 is longer than 1,048,576 characters" in job.error["message"]
    assert not SalesLine.objects.exists()


def test_a_header_over_the_bound_is_row_1(workspace):
    job = run_import(workspace, b"InvoiceNo" * (MAX_LINE // 8))

    assert job.error["code"] == "line_too_long"
    assert job.error["rows"] == [{"row": 1}]


def test_the_splitter_holds_at_most_the_bound_and_one_chunk():
    """16 chunks of 256 Ki characters without a newline: it gives up after the fifth (1 MiB and
    one chunk), having copied each character a bounded number of times."""
    consumed = []

    def chunks():
        for number in range(16):
            consumed.append(number)
            yield "y" * (256 << 10)

    lines = _lines(chunks())
    with pytest.raises(LineTooLong):
        next(lines)

    assert len(consumed) == 5


def test_the_splitter_yields_the_lines_before_the_long_one():
    lines = _lines(iter(["a\nb\n" + "z" * 11, "\nlater\n"]), limit=10)

    assert [next(lines), next(lines)] == ["a\n", "b\n"]
    with pytest.raises(LineTooLong):
        next(lines)


def test_an_endless_gzip_line_costs_bounded_memory():
    """The finding: a gzip of 256 MiB without a newline took 694 MB. 16 MiB here: the import
    reads at most the bound and a chunk or two, not the whole line."""
    data = gz_bytes(HEADER_LINE + b"x" * (16 << 20))
    tracemalloc.start()
    try:
        source = open_source(io.BytesIO(data))
        with pytest.raises(ImportFailed) as failure:
            list(source.rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert failure.value.code == "line_too_long"
    assert peak < 12 * MAX_LINE  # the line itself is 16 MiB


def test_a_carriage_return_inside_a_quoted_field_imports(workspace):
    data = HEADER_LINE + b'536365,85123A,"WHITE\rHEART",6,12/1/2010 8:26,2.55,17850,United Kingdom\r\n'

    job = run_import(workspace, data)

    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert stored(SalesLine, workspace)[0][:3] == ("536365", "85123A", "WHITE\rHEART")


@pytest.mark.parametrize("quoted", [False, True])
def test_an_over_long_description_is_refused_quoted_or_not(workspace, quoted):
    description = "D" * (MAX_LINE + 1)
    row = ",".join(["536365", "85123A", f'"{description}"' if quoted else description, *GOOD[3:]])

    job = run_import(workspace, HEADER_LINE + row.encode() + b"\n")

    assert job.error["code"] == "line_too_long"
    assert job.error["rows"] == [{"row": 2}]


def test_a_quoted_field_over_the_bound_across_short_lines_is_refused(workspace):
    description = "\n".join(["d" * 1000] * (MAX_LINE // 1000 + 1))
    data = csv_bytes([[*GOOD[:2], description, *GOOD[3:]]])

    job = run_import(workspace, data)

    assert job.error["code"] == "line_too_long"
    assert job.error["rows"] == [{"row": 2}]


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">%s</sst>'


def _with_shared_strings(workbook: bytes, shared_strings: bytes) -> bytes:
    """The workbook (openpyxl writes its strings inline) with a shared-strings table added,
    deflated like any XLSX entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
        target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


@pytest.fixture
def _openpyxl_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl parsed the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.usefixtures("_openpyxl_must_not_run")
def test_a_highly_compressible_shared_strings_table_is_refused_before_parsing(workspace):
    table = SST % ((b"<si><t>" + b"A" * 200 + b"</t></si>") * 40_000)
    bomb = _with_shared_strings(xlsx_bytes([GOOD]), table)
    assert len(bomb) < 100_000 < len(table)

    job = run_import(workspace, bomb, name="bomb.xlsx")

    assert job.status == ImportJob.Status.FAILED
    assert job.error["code"] == "archive_too_large"
    assert "xl/sharedStrings.xml is compressed" in job.error["message"]
    assert not SalesLine.objects.exists()


@pytest.mark.usefixtures("_openpyxl_must_not_run")
def test_a_shared_strings_table_over_its_limit_is_refused(workspace, monkeypatch):
    monkeypatch.setattr("ecommerce.importing.xlsx.MAX_PART", 20_000)
    table = SST % b"".join(b"<si><t>%d</t></si>" % number for number in range(2000))

    job = run_import(workspace, _with_shared_strings(xlsx_bytes([GOOD]), table), name="orders.xlsx")

    assert job.error["code"] == "archive_too_large"
    assert f"xl/sharedStrings.xml unpacks to {len(table):,} bytes (the limit is 20,000)" in job.error["message"]


@pytest.mark.usefixtures("_openpyxl_must_not_run")
def test_an_archive_declaring_too_much_in_total_is_refused(workspace, monkeypatch):
    monkeypatch.setattr("ecommerce.importing.xlsx.MAX_UNCOMPRESSED", 1000)

    job = run_import(workspace, xlsx_bytes([GOOD]), name="orders.xlsx")

    assert job.error["code"] == "archive_too_large"
    assert "(the limit is 1,000)" in job.error["message"]


def test_an_ordinary_workbook_passes_the_checks(workspace):
    job = run_import(workspace, xlsx_bytes([GOOD] * 3000), name="orders.xlsx")

    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert job.report["rows_read"] == 3000
