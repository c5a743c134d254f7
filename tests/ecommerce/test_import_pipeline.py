"""The import pipeline on small hand-built files: every cleaning step counted, exact stored rows."""

import codecs
import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from ecommerce.models import ImportJob, ReturnLine, SalesLine, is_product_code
from ecommerce.signals import orders_imported
from ecommerce.tasks import import_orders
from tests.ecommerce.import_helpers import HEADER, csv_bytes, gz_bytes, run_import, steps, stored
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

# One row for every cleaning step (row numbers as in a spreadsheet: the header is row 1).
ROWS = [
    [
        "536365",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER ",
        "6",
        "12/1/2010 8:26",
        "2.55",
        "17850.0",
        "United Kingdom",
    ],  # 2 sale
    [
        "536365",
        "85123A",
        "WHITE HANGING HEART T-LIGHT HOLDER ",
        "6",
        "12/1/2010 8:26",
        "2.55",
        "17850.0",
        "United Kingdom",
    ],  # 3 duplicate
    ["536365", "71053", "WHITE METAL LANTERN", "6", "12/1/2010 8:26", "3.39", "17850", "United Kingdom"],  # 4 sale
    ["A563185", "B", "Adjust bad debt", "1", "8/12/2011 14:50", "11062.06", "", "United Kingdom"],  # 5 adjustment
    ["C536379", "D", "Discount", "-1", "12/1/2010 9:41", "27.50", "14527", "United Kingdom"],  # 6 return
    ["536414", "22139", "", "56", "12/1/2010 11:52", "0", "", "United Kingdom"],  # 7 rejected: price 0
    [
        "536589",
        "21777",
        "damaged",
        "-10",
        "12/1/2010 16:50",
        "0",
        "",
        "United Kingdom",
    ],  # 8 rejected: quantity (and price)
    ["536370", "POST", "POSTAGE", "3", "12/1/2010 8:45", "18", "12583", "France"],  # 9 sale, not a product
    ["536370", "22728", "ALARM CLOCK BAKELIKE PINK", "24", "12/1/2010 8:45", "3.75", "12583", "France"],  # 10 sale
    ["536371", "gift_0001_40", "Dotcomgiftshop Gift Voucher £40.00", "1", "12/1/2010 9:00", "34.783", "", "EIRE"],  # 11
    ["C536379", "D", "Discount", "-1", "12/1/2010 9:41", "27.50", "14527", "United Kingdom"],  # 12 duplicate return
]


def test_every_cleaning_step_is_counted_in_the_report(workspace):
    job = run_import(workspace, csv_bytes(ROWS))

    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    report = job.report
    assert steps(report) == {
        "rows_read": 11,
        "duplicates_dropped": 2,
        "adjustments_excluded": 1,
        "returns_kept": 1,
        "rejected": {"quantity_le_0": 1, "price_le_0": 1},
        "rejected_total": 2,
        "sales_lines_kept": 5,
    }
    assert report["orders"] == 3  # 536365, 536370, 536371
    assert report["customers"] == 2  # 17850 (also written 17850.0), 12583
    assert report["sales_lines_without_customer"] == 1
    assert report["non_product_sales_lines"] == 2  # POST, gift_…
    # 15.30 + 20.34 + 54 + 90.00 + 34.783, exact
    assert report["revenue"] == "214.423"
    assert report["returns_value"] == "27.500"
    assert report["invoices_in_file"] == 7
    assert report["encoding"] == "iso-8859-1"
    assert report["format"] == "csv"
    assert report["replaced"] == {"sales_lines": 0, "returns": 0}
    assert report["first_sale"] == "2010-12-01T08:26:00+00:00"


@pytest.mark.parametrize(
    ("stock_code", "is_product"),
    [
        *((code, False) for code in ("POST", "DOT", "M", "m", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK")),
        *((code, False) for code in ("PADS", "B", "gift_0001_10", "gift_0001_50")),
        *((code, True) for code in ("85123A", "22423", "MA", "DOTCOM", "post", "BB", "GIFT_0001_10", "47566B")),
    ],
)
def test_non_product_codes_count_in_revenue_only(stock_code, is_product):
    # DESIGN §4's list, exactly as spelt (case matters: "m" is one, "post" is not), and gift_ vouchers.
    assert is_product_code(stock_code) is is_product


def test_stored_lines_are_exact(workspace):
    run_import(workspace, csv_bytes(ROWS))

    assert stored(SalesLine, workspace) == [
        (
            "536365",
            "71053",
            "WHITE METAL LANTERN",
            6,
            "2010-12-01T08:26:00+00:00",
            "3.390",
            "20.340",
            "17850",
            "United Kingdom",
            True,
        ),
        (
            "536365",
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            6,
            "2010-12-01T08:26:00+00:00",
            "2.550",
            "15.300",
            "17850",
            "United Kingdom",
            True,
        ),
        (
            "536370",
            "22728",
            "ALARM CLOCK BAKELIKE PINK",
            24,
            "2010-12-01T08:45:00+00:00",
            "3.750",
            "90.000",
            "12583",
            "France",
            True,
        ),
        ("536370", "POST", "POSTAGE", 3, "2010-12-01T08:45:00+00:00", "18.000", "54.000", "12583", "France", False),
        (
            "536371",
            "gift_0001_40",
            "Dotcomgiftshop Gift Voucher £40.00",
            1,
            "2010-12-01T09:00:00+00:00",
            "34.783",
            "34.783",
            "",
            "EIRE",
            False,
        ),
    ]
    assert stored(ReturnLine, workspace) == [
        (
            "C536379",
            "D",
            "Discount",
            -1,
            "2010-12-01T09:41:00+00:00",
            "27.500",
            "27.500",
            "14527",
            "United Kingdom",
            False,
        ),
    ]
    job = ImportJob.objects.get()
    assert set(SalesLine.objects.values_list("import_job", flat=True)) == {job.pk}


@pytest.mark.parametrize(
    ("tz", "local", "utc"),
    [
        ("Europe/London", "12/1/2010 8:26", "2010-12-01T08:26:00+00:00"),  # GMT
        ("Europe/London", "6/1/2011 8:26", "2011-06-01T07:26:00+00:00"),  # BST
        ("America/New_York", "12/1/2010 8:26", "2010-12-01T13:26:00+00:00"),
        ("Asia/Tokyo", "2010-12-01 08:26", "2010-11-30T23:26:00+00:00"),  # ISO, local
        ("Asia/Tokyo", "2010-12-01T08:26:00+01:00", "2010-12-01T07:26:00+00:00"),  # ISO with its own offset
        ("UTC", "12/01/2010 08:26:59", "2010-12-01T08:26:59+00:00"),
    ],
)
def test_invoice_dates_are_local_time_of_the_workspace_stored_in_utc(tz, local, utc):
    workspace = WorkspaceFactory(timezone=tz)
    job = run_import(workspace, csv_bytes([["1", "A1", "x", "1", local, "1.00", "", "Spain"]]))

    assert job.status == "succeeded", job.error
    assert SalesLine.objects.get().invoice_date.isoformat() == utc


def test_csv_gz_gives_the_same_result(workspace):
    job = run_import(workspace, gz_bytes(csv_bytes(ROWS)), name="orders.csv.gz")

    assert job.report["format"] == "csv.gz"
    assert job.report["sales_lines_kept"] == 5
    assert job.report["revenue"] == "214.423"


def test_utf8_file_is_read_as_utf8_with_semicolons_and_other_header_spellings(workspace):
    header = [
        "invoice_no",
        "stock_code",
        "description",
        "quantity",
        "invoice_date",
        "unit_price",
        "customer_id",
        "country",
    ]
    data = "\n".join([";".join(header), "536365;85123A;Crème brûlée dish;2;12/1/2010 8:26;1.5;;France"]).encode("utf-8")

    job = run_import(workspace, data)

    assert job.report["encoding"] == "utf-8"
    assert SalesLine.objects.get().description == "Crème brûlée dish"


def test_extra_columns_are_ignored_and_reported(workspace):
    header = ["Country", "Notes", "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]
    header.append("CustomerID")
    rows = [["France", "n/a", "1", "A1", "x", "2", "12/1/2010 8:26", "1.25", "12583"]]

    job = run_import(workspace, csv_bytes(rows, header=header))

    assert job.report["ignored_columns"] == ["Notes"]
    assert stored(SalesLine, workspace) == [
        ("1", "A1", "x", 2, "2010-12-01T08:26:00+00:00", "1.250", "2.500", "12583", "France", True)
    ]


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_typed_cells(workspace):
    rows = [
        [536365, "85123A", "WHITE HANGING HEART", 6, dt.datetime(2010, 12, 1, 8, 26), 2.55, 17850.0, "United Kingdom"],
        [536365, "85123A", "WHITE HANGING HEART", 6, dt.datetime(2010, 12, 1, 8, 26), 2.55, 17850.0, "United Kingdom"],
        ["C536379", "D", "Discount", -1, "12/1/2010 9:41", 27.5, 14527, "United Kingdom"],
        [536370, 22728, "ALARM CLOCK", 24, dt.datetime(2011, 6, 1, 8, 45), 3.75, None, "France"],
        [None, None, None, None, None, None, None, None],  # an empty row is skipped
    ]
    workspace.timezone = "Europe/London"
    workspace.save()

    job = run_import(workspace, xlsx_bytes(rows), name="orders.xlsx")

    assert job.status == "succeeded", job.error
    assert job.report["format"] == "xlsx"
    assert (job.report["rows_read"], job.report["duplicates_dropped"], job.report["returns_kept"]) == (4, 1, 1)
    assert stored(SalesLine, workspace) == [
        (
            "536365",
            "85123A",
            "WHITE HANGING HEART",
            6,
            "2010-12-01T08:26:00+00:00",
            "2.550",
            "15.300",
            "17850",
            "United Kingdom",
            True,
        ),
        ("536370", "22728", "ALARM CLOCK", 24, "2011-06-01T07:45:00+00:00", "3.750", "90.000", "", "France", True),
    ]
    assert stored(ReturnLine, workspace)[0][5:8] == ("27.500", "27.500", "14527")


GOOD = ["536365", "85123A", "WHITE HANGING HEART", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"]


def _with(index, value):
    row = list(GOOD)
    row[index] = value
    return row


def _utf16(text: str) -> bytes:
    """``text`` as UTF-16 little-endian after its byte-order mark."""
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _truncated_gzip() -> bytes:
    data = gz_bytes(csv_bytes([GOOD] * 2000))
    return data[: len(data) // 2]


BAD_FILES = {
    "empty file": (b"", "empty_file"),
    "header only": (csv_bytes([]), "no_rows"),
    "wrong columns": (b"date,amount\n2020-01-01,3\n", "bad_header"),
    "missing column": (
        csv_bytes(
            [GOOD[:7]],
            header=["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
        ),
        "bad_header",
    ),
    "truncated gzip": (_truncated_gzip(), "truncated_gzip"),
    "corrupt gzip": (b"\x1f\x8b\x08\x00" + b"\xff" * 64, "corrupt_gzip"),
    "binary bytes": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not_text"),
    "utf-16 without bom": ("InvoiceNo,StockCode\n".encode("utf-16-le"), "not_text"),
    "zip that is not xlsx": (b"PK\x03\x04" + b"\x00" * 100, "bad_xlsx"),
    # UTF-16 (announced by its byte-order mark) is decoded strictly: a lone surrogate, or a
    # last character cut in half, is not text.
    "utf-16 with a lone surrogate": (
        _utf16(",".join(HEADER) + "\n") + b"\x00\xd8" + ",".join(GOOD).encode("utf-16-le"),
        "bad_encoding",
    ),
    "utf-16 cut mid-character": (_utf16(",".join(HEADER) + "\n" + ",".join(GOOD) + "\n")[:-1], "bad_encoding"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_fail_with_a_reason_and_write_nothing(workspace, name):
    data, code = BAD_FILES[name]

    job = run_import(workspace, data)

    assert job.status == ImportJob.Status.FAILED
    assert job.error["code"] == code, job.error
    assert job.error["message"]
    assert not SalesLine.objects.exists()
    assert not ReturnLine.objects.exists()


@pytest.mark.parametrize("compressed", [False, True])
def test_a_file_over_the_row_limit_fails_and_writes_nothing(workspace, monkeypatch, compressed):
    """A small upload can unpack to billions of rows: past MAX_ROWS the import stops, whatever
    the compressed size."""
    monkeypatch.setattr("ecommerce.importing.cleaning.MAX_ROWS", 8)
    data = csv_bytes(ROWS)  # 11 rows
    job = run_import(workspace, gz_bytes(data) if compressed else data)
    assert job.status == ImportJob.Status.FAILED
    assert job.error == {
        "code": "too_many_rows",
        "message": "The file has more than 8 rows: split it into several imports.",
        "max_rows": 8,
    }
    assert not SalesLine.objects.exists()
    assert not ReturnLine.objects.exists()
    assert run_import(workspace, csv_bytes(ROWS[:8])).status == ImportJob.Status.SUCCEEDED


def test_bad_header_names_missing_and_unexpected_columns(workspace):
    job = run_import(
        workspace, b"InvoiceNo,StockCode,Descr,Quantity,InvoiceDate,Price,CustomerID,Country\n1,2,3,4,5,6,7,8\n"
    )

    assert job.error["missing_columns"] == ["Description", "UnitPrice"]
    assert job.error["unexpected_columns"] == ["Descr", "Price"]
    assert "Description, UnitPrice" in job.error["message"]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (_with(4, "31/12/2010 8:26"), "InvoiceDate", "not a date (expected M/D/YYYY H:MM or ISO 8601)"),
        (_with(4, ""), "InvoiceDate", "missing"),
        (_with(3, "six"), "Quantity", "not a number"),
        (_with(3, "1.5"), "Quantity", "not a whole number"),
        (_with(5, "2,55"), "UnitPrice", "not a number"),
        (_with(5, "2.5555"), "UnitPrice", "more than 3 decimal places"),
        (_with(0, ""), "InvoiceNo", "missing"),
        (_with(1, " "), "StockCode", "missing"),
        (_with(7, ""), "Country", "missing"),
        (GOOD[:6], "row", "has 6 fields, expected 8"),
    ],
)
def test_an_unparseable_row_fails_the_whole_import_with_its_row_number(workspace, row, column, reason):
    job = run_import(workspace, csv_bytes([GOOD, GOOD, row, _with(0, "536366")]))

    assert job.status == "failed"
    assert job.error["code"] == "unparseable_rows"
    assert job.error["rows_total"] == 1
    assert [(e["row"], e["column"], e["reason"]) for e in job.error["rows"]] == [(4, column, reason)]
    assert "rows 4" in job.error["message"]
    assert not SalesLine.objects.exists()


def test_many_bad_rows_list_the_first_twenty(workspace):
    rows = [GOOD] * 5 + [_with(3, "x")] * 30

    job = run_import(workspace, csv_bytes(rows))

    assert job.error["rows_total"] == 30
    assert [e["row"] for e in job.error["rows"]] == list(range(7, 27))
    assert "(first 20 listed)" in job.error["message"]


def test_a_bad_last_row_after_thousands_of_good_ones_writes_nothing(workspace):
    rows = [_with(0, str(600000 + n)) for n in range(5000)] + [_with(5, "free")]

    job = run_import(workspace, csv_bytes(rows))

    assert job.error["rows"] == [{"row": 5002, "column": "UnitPrice", "value": "free", "reason": "not a number"}]
    assert SalesLine.objects.count() == 0


@time_machine.travel(dt.datetime(2011, 12, 9, 12, 0, tzinfo=dt.UTC), tick=False)
def test_dates_in_the_future_fail_the_import(workspace):
    rows = [GOOD, _with(4, "12/9/2011 12:05"), _with(4, "12/9/2011 12:30"), _with(4, "1/1/2012 0:00")]

    job = run_import(workspace, csv_bytes(rows))

    # Up to 10 minutes ahead is clock skew; later is a misread file.
    assert [(e["row"], e["reason"]) for e in job.error["rows"]] == [(4, "in the future"), (5, "in the future")]
    assert not SalesLine.objects.exists()


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/New_York"])
def test_dates_before_1970_or_past_year_9999_fail_the_import_with_their_row_numbers(tz):
    # Year 1 east of UTC and year 9999 west of it do not fit a datetime in UTC (OverflowError).
    workspace = WorkspaceFactory(timezone=tz)
    rows = [
        GOOD,
        _with(4, "1/1/0001 0:00"),
        _with(4, "12/31/1969 23:59"),
        _with(4, "1/1/1970 0:00"),
        _with(4, "12/31/9999 23:00"),
    ]

    job = run_import(workspace, csv_bytes(rows))

    assert (job.status, job.error["code"], job.error["rows_total"]) == ("failed", "unparseable_rows", 3)
    assert job.error["rows"] == [
        {"row": 3, "column": "InvoiceDate", "value": "1/1/0001 0:00", "reason": "before 1970-01-01"},
        {"row": 4, "column": "InvoiceDate", "value": "12/31/1969 23:59", "reason": "before 1970-01-01"},
        {"row": 6, "column": "InvoiceDate", "value": "12/31/9999 23:00", "reason": "in the future"},
    ]
    assert not SalesLine.objects.exists()


def test_the_first_local_minute_of_1970_imports(workspace):
    job = run_import(workspace, csv_bytes([_with(4, "1/1/1970 0:00")]))

    assert job.status == "succeeded", job.error
    assert SalesLine.objects.get().invoice_date == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_reimporting_the_same_file_does_not_double_anything(workspace, other_workspace):
    run_import(other_workspace, csv_bytes(ROWS))
    first = run_import(workspace, csv_bytes(ROWS))
    before = stored(SalesLine, workspace), stored(ReturnLine, workspace)

    second = run_import(workspace, csv_bytes(ROWS))

    assert second.status == "succeeded"
    assert (stored(SalesLine, workspace), stored(ReturnLine, workspace)) == before
    assert second.report["replaced"] == {"sales_lines": 5, "returns": 1}
    assert set(SalesLine.objects.filter(workspace=workspace).values_list("import_job", flat=True)) == {second.pk}
    assert first.report["sales_lines_kept"] == second.report["sales_lines_kept"] == 5
    assert SalesLine.objects.filter(workspace=other_workspace).count() == 5  # another tenant is untouched


def test_an_overlapping_file_replaces_the_invoices_it_contains_only(workspace):
    run_import(workspace, csv_bytes(ROWS))
    correction = [
        ["536365", "71053", "WHITE METAL LANTERN", "12", "12/1/2010 8:26", "3.39", "17850", "United Kingdom"],
        ["536999", "71053", "WHITE METAL LANTERN", "1", "12/2/2010 8:26", "3.39", "17850", "United Kingdom"],
    ]

    job = run_import(workspace, csv_bytes(correction))

    assert job.report["replaced"] == {"sales_lines": 2, "returns": 0}
    invoices = sorted(SalesLine.objects.values_list("invoice_no", "stock_code", "quantity"))
    assert invoices == [
        ("536365", "71053", 12),  # replaced by the new file's version of the invoice
        ("536370", "22728", 24),  # untouched: not in the new file
        ("536370", "POST", 3),
        ("536371", "gift_0001_40", 1),
        ("536999", "71053", 1),
    ]
    assert ReturnLine.objects.count() == 1


def test_signal_and_data_version_after_commit_only_when_data_changed(workspace, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, workspace_id, job_id, **kwargs):
        received.append((workspace_id, job_id))

    orders_imported.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            job = run_import(workspace, csv_bytes(ROWS))
        assert received == [(workspace.pk, job.pk)]
        assert len(callbacks) == 2  # the data-version bump and the signal

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            failed = run_import(workspace, csv_bytes([_with(3, "x")]))
        assert failed.status == "failed"
        assert callbacks == []
        assert received == [(workspace.pk, job.pk)]
    finally:
        orders_imported.disconnect(receiver)


def test_the_task_is_idempotent(workspace):
    job = ImportJob.objects.create(workspace=workspace, source_name="orders.csv")
    from django.core.files.base import ContentFile

    job.file.save("orders.csv", ContentFile(csv_bytes(ROWS)))

    assert import_orders.delay(job.pk).get() == "succeeded"
    assert import_orders.delay(job.pk).get() == "succeeded"  # a second delivery changes nothing
    assert SalesLine.objects.count() == 5
    assert import_orders.delay(10**9).get() == "missing"


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("_media")
def test_a_job_whose_file_is_gone_fails(workspace):
    job = ImportJob.objects.create(workspace=workspace, source_name="gone.csv", file="imports/gone.csv")

    import_orders.delay(job.pk)

    job.refresh_from_db()
    assert (job.status, job.error["code"]) == ("failed", "file_missing")


def test_command_imports_a_file_with_the_report(workspace, tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gz_bytes(csv_bytes(ROWS)))
    out = io.StringIO()

    call_command("import_orders", str(path), workspace="acme", no_progress=True, stdout=out)

    text = out.getvalue()
    assert "Imported orders.csv.gz into acme" in text
    assert "rows read                         11" in text
    assert "5. sales lines kept               5" in text
    assert SalesLine.objects.count() == 5


def test_command_shows_a_progress_bar_over_the_file(workspace, tmp_path):
    path = tmp_path / "orders.csv"
    data = csv_bytes([_with(0, str(600000 + n)) for n in range(5_000)])  # about 330 kB, several reads
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()

    call_command("import_orders", str(path), workspace="acme", stdout=out, stderr=err)

    frames = [frame.strip() for frame in err.getvalue().replace("\r", "\n").splitlines() if frame.strip()]
    assert all(frame.startswith("orders.csv:") for frame in frames)
    assert len(frames) >= 2  # it moved
    assert frames[-1].startswith("orders.csv: 100%")
    assert f"{len(data) / 1000:.0f}k/{len(data) / 1000:.0f}k" in frames[-1]  # bytes read of the file's size
    assert SalesLine.objects.count() == 5_000
    quiet = io.StringIO()
    call_command("import_orders", str(path), workspace="acme", no_progress=True, stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


def test_command_fails_clearly(workspace, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([_with(3, "x")]))

    with pytest.raises(CommandError, match=r"Import failed \(unparseable_rows\): 1 row\(s\) cannot be read"):
        call_command("import_orders", str(path), workspace="acme", no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No workspace with slug 'nope'"):
        call_command("import_orders", str(path), workspace="nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_orders", str(tmp_path / "missing.csv"), workspace="acme", stdout=io.StringIO())


def test_demo_data_goes_through_the_pipeline_and_is_idempotent(workspace, owner):
    from ecommerce import demo

    summary = demo.load(workspace=workspace, user=owner)
    counts = SalesLine.objects.count(), ReturnLine.objects.count()
    again = demo.load(workspace=workspace, user=owner)

    assert summary.split(" (import job")[0] == again.split(" (import job")[0]
    assert (SalesLine.objects.count(), ReturnLine.objects.count()) == counts
    report = ImportJob.objects.order_by("-pk").first().report
    # The generator is seeded: the counts are the same every day (only the dates move).
    assert steps(report) == {
        "rows_read": 23339,
        "duplicates_dropped": 91,
        "adjustments_excluded": 2,
        "returns_kept": 184,
        "rejected": {"quantity_le_0": 27, "price_le_0": 14},
        "rejected_total": 41,
        "sales_lines_kept": 23021,
    }
    assert (report["orders"], report["customers"]) == (3000, 506)
    assert (report["sales_lines_without_customer"], report["non_product_sales_lines"]) == (3385, 272)
    countries = set(SalesLine.objects.values_list("country", flat=True))
    assert {"United Kingdom", "EIRE", "Germany", "France"} <= countries


@pytest.mark.parametrize("page", ["salesline", "returnline", "importjob"])
def test_admin_pages(client, staff_user, workspace, page):
    job = run_import(workspace, csv_bytes(ROWS))
    client.force_login(staff_user)

    assert client.get(f"/admin/ecommerce/{page}/").status_code == 200
    assert client.get(f"/admin/ecommerce/{page}/?q=536365").status_code == 200
    if page == "importjob":
        detail = client.get(f"/admin/ecommerce/importjob/{job.pk}/change/")
        assert detail.status_code == 200
        assert b"rows_read" in detail.content
        assert client.get("/admin/ecommerce/importjob/add/").status_code == 403


def test_a_latin1_byte_after_megabytes_of_ascii_switches_to_iso_8859_1(workspace):
    rows = [_with(0, str(600000 + n)) for n in range(30_000)]  # about 2 MB of ASCII first
    rows.append(["700000", "gift_0001_40", "Gift Voucher £40.00", "1", "12/1/2010 9:00", "34.783", "", "EIRE"])

    job = run_import(workspace, csv_bytes(rows, encoding="iso-8859-1"))

    assert job.report["encoding"] == "iso-8859-1"
    assert SalesLine.objects.get(invoice_no="700000").description == "Gift Voucher £40.00"


def test_utf16_with_a_byte_order_mark_is_read(workspace):
    data = csv_bytes([["1", "A1", "Crème", "1", "12/1/2010 8:26", "1.00", "", "France"]], encoding="utf-16")

    job = run_import(workspace, data)

    assert job.report["encoding"] == "utf-16"
    assert SalesLine.objects.get().description == "Crème"


def test_crlf_line_ends_and_quoted_fields(workspace):
    data = (
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\r\n"
        b'1,A1,"SET OF 3, ""RETRO"" TINS",2,12/1/2010 8:26,1.10,12583,France\r\n'
        b"\r\n"
        b"2,A1,TIN,1,12/1/2010 8:27,1.10,12583,France\r\n"
    )

    job = run_import(workspace, data)

    assert job.report["rows_read"] == 2
    assert SalesLine.objects.get(invoice_no="1").description == 'SET OF 3, "RETRO" TINS'


def test_rows_of_empty_fields_are_skipped_like_blank_lines(workspace):
    """Spreadsheets export the empty rows below the data as ",,,,,,,": skipped, as an XLSX's
    empty rows are, not failed as rows with missing fields; a row with one value still fails."""
    data = csv_bytes(ROWS) + b',,,,,,,\n   \n"",,,,,,,\n'
    job = run_import(workspace, data)
    assert job.status == ImportJob.Status.SUCCEEDED, job.error
    assert steps(job.report) == steps(run_import(WorkspaceFactory(), csv_bytes(ROWS)).report)
    failed = run_import(workspace, csv_bytes(ROWS) + b",,,,,,,France\n")
    assert failed.status == ImportJob.Status.FAILED
    assert failed.error["rows"] == [{"row": len(ROWS) + 2, "column": "InvoiceNo", "value": "", "reason": "missing"}]


def test_a_nel_byte_inside_a_description_does_not_split_the_row(workspace):
    # 0x85 is "…" in Windows-1252; read as ISO-8859-1 it is U+0085, a line break for str.splitlines.
    data = csv_bytes([]) + b"1,A1,TEA\x85 SET,1,12/1/2010 8:26,1.00,,France\n"

    job = run_import(workspace, data)

    assert job.status == "succeeded", job.error
    assert SalesLine.objects.get().description == "TEA\x85 SET"
