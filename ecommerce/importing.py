"""Reading and cleaning order files (CSV, CSV.GZ, XLSX): the import pipeline without the database.

:func:`open_source` sniffs the file's kind from its first bytes (gzip, zip/XLSX, else CSV text),
validates the header and yields raw rows. :class:`Cleaner` applies DESIGN §4's cleaning steps,
in order, to every row and hands each kept line to a *sink* (a database loader):

1. exact duplicates (the eight raw fields equal) are dropped, the first kept;
2. invoices starting with ``A`` (bad-debt adjustments) are excluded;
3. invoices starting with ``C`` are returns, kept apart (amount = |quantity| × unit price);
4. any other row with quantity ≤ 0 (reason ``quantity_le_0``, checked first) or unit price ≤ 0
   (``price_le_0``) is rejected;
5. the rest are sales lines (amount = quantity × unit price).

Every row is parsed before it is classified: a row that cannot be parsed (missing field, bad
date, non-numeric quantity or price, date in the future or before 1970…) fails the whole
import, whatever step would have dropped it, and the first :data:`MAX_LISTED_ERRORS` bad rows
are listed.

Text encoding: UTF-8 is tried first; a byte that is not valid UTF-8 is read as ISO-8859-1. The
Kaggle file is ISO-8859-1 and a lone ``£`` (0xA3) is never valid UTF-8, so it reads correctly,
and since both encodings agree on ASCII nothing read earlier changes meaning. This decides per
byte while streaming (no second pass, no restart). UTF-16 is read when it has a byte-order mark;
NUL bytes anywhere else mean the file is not CSV text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import io
import itertools
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from config.periods import MIN_DATE
from ecommerce.models import is_product_code

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
# Header names are matched ignoring case, spaces and underscores: "invoice_no" or "Invoice No" work.
_NORMALISED = {re.sub(r"[^a-z0-9]", "", name.lower()): index for index, name in enumerate(COLUMNS)}
MAX_LISTED_ERRORS = 20
# Rows per import (the real file has 541,909). The upload limit caps the compressed size only: a
# gzip or XLSX of 100 MB can unpack to billions of rows, and the duplicate check keeps a digest
# of each one.
MAX_ROWS = 10_000_000
FUTURE_GRACE = dt.timedelta(minutes=10)
# Column sizes of LineBase: longer identifiers are errors, longer descriptions are cut.
MAX_LENGTHS = {"InvoiceNo": 20, "StockCode": 32, "CustomerID": 32, "Country": 64}
MAX_DESCRIPTION = 255
MAX_PRICE = Decimal("1e9")  # unit_price: max_digits=12, decimal_places=3
MAX_AMOUNT = Decimal("1e13")  # amount: max_digits=16, decimal_places=3
MAX_QUANTITY = 2**31 - 1
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
_CHUNK = 1 << 20
UTC = dt.UTC

csv.field_size_limit(1 << 20)


class ImportFailed(Exception):
    """The file cannot be imported; nothing is written. ``details`` go into the job's ``error``."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.details}


# --- Text decoding: UTF-8, falling back to ISO-8859-1 byte by byte ----------------------------

_fallbacks = threading.local()


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    _fallbacks.count = getattr(_fallbacks, "count", 0) + 1
    return error.object[error.start : error.end].decode("iso-8859-1"), error.end


codecs.register_error("pulse-latin1-fallback", _latin1_fallback)


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the underlying file, for the progress bar."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


@dataclass
class Source:
    """An opened order file: its rows and what was learnt opening it.

    A row is ``(row_number, values, key)``: the header is row 1, values are in COLUMNS order
    (or a :class:`RowError`, key None), and ``key`` is the row's text for the duplicate check
    (rows with the same eight fields have the same key)."""

    kind: str
    rows: Iterator[tuple[int, list | RowError, str | None]]
    total: int  # for progress: bytes (CSV) or rows (XLSX)
    position: Callable[[], int]
    unit: str
    ignored_columns: list[str] = field(default_factory=list)
    encoding_info: Callable[[], str] = lambda: ""


def _header_map(header: list) -> tuple[list[int], list[str]]:
    """Indexes of COLUMNS in the file's header, and the extra columns (ignored)."""
    names = ["" if value is None else str(value).strip().lstrip("\ufeff") for value in header]
    positions: dict[int, int] = {}
    extra = []
    duplicated = []
    for position, name in enumerate(names):
        index = _NORMALISED.get(re.sub(r"[^a-z0-9]", "", name.lower()))
        if index is None:
            if name:
                extra.append(name)
        elif index in positions:
            duplicated.append(name)
        else:
            positions[index] = position
    missing = [COLUMNS[index] for index in range(len(COLUMNS)) if index not in positions]
    if missing or duplicated:
        parts = []
        if missing:
            parts.append(f"missing column(s): {', '.join(missing)}")
        if duplicated:
            parts.append(f"duplicated column(s): {', '.join(duplicated)}")
        if extra:
            parts.append(f"unexpected column(s): {', '.join(extra)}")
        raise ImportFailed(
            "bad_header",
            f"The header does not match the expected columns ({', '.join(COLUMNS)}): {'; '.join(parts)}.",
            missing_columns=missing,
            unexpected_columns=extra,
            duplicated_columns=duplicated,
        )
    return [positions[index] for index in range(len(COLUMNS))], extra


def open_source(path_or_file: str | IO[bytes], *, size: int | None = None) -> Source:
    """Open a CSV, CSV.GZ or XLSX file (decided by its content, not its name)."""
    raw = open(path_or_file, "rb") if isinstance(path_or_file, str) else path_or_file  # noqa: SIM115
    raw.seek(0)
    head = raw.read(4)
    raw.seek(0)
    if size is None:
        raw.seek(0, io.SEEK_END)
        size = raw.tell()
        raw.seek(0)
    if size == 0 or not head:
        raise ImportFailed("empty_file", "The file is empty.")
    if head[:2] == b"\x1f\x8b":
        counter = _CountingReader(raw)
        return _csv_source(gzip.GzipFile(fileobj=io.BufferedReader(counter, _CHUNK)), "csv.gz", size, counter)
    if head == b"PK\x03\x04":
        return _xlsx_source(raw)
    counter = _CountingReader(raw)
    return _csv_source(io.BufferedReader(counter, _CHUNK), "csv", size, counter)


def _decode_chunks(binary: IO[bytes], kind: str) -> tuple[Iterator[str], Callable[[], str]]:
    try:
        first = binary.read(_CHUNK)
    except (EOFError, OSError, zlib.error) as exc:
        raise _gzip_failure(exc) from exc
    if not first:
        raise ImportFailed("empty_file", "The file is empty." if kind == "csv" else "The compressed file is empty.")
    encoding = "utf-8"
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif first.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif b"\x00" in first:
        raise ImportFailed(
            "not_text",
            "The file is not CSV text (it contains NUL bytes: a binary file, or UTF-16 without a byte-order mark).",
        )
    errors = "strict" if encoding == "utf-16" else "pulse-latin1-fallback"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    _fallbacks.count = 0

    def decode(data: bytes, final: bool = False) -> str:
        try:
            return decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            raise ImportFailed("bad_encoding", f"The file is not valid {encoding.upper()} text: {exc}.") from exc

    def chunks() -> Iterator[str]:
        data = first
        while data:
            yield decode(data)
            try:
                data = binary.read(_CHUNK)
            except (EOFError, OSError, zlib.error) as exc:
                raise _gzip_failure(exc) from exc
        yield decode(b"", final=True)  # a last character cut in half

    def encoding_info() -> str:
        if encoding == "utf-16":
            return "utf-16"
        return "iso-8859-1" if getattr(_fallbacks, "count", 0) else "utf-8"

    return chunks(), encoding_info


def _gzip_failure(exc: Exception) -> ImportFailed:
    if isinstance(exc, EOFError):
        return ImportFailed("truncated_gzip", "The gzip file is truncated (it ends before its end-of-stream marker).")
    return ImportFailed("corrupt_gzip", f"The gzip file is corrupt: {exc}.")


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """Whole lines (with their ends) from text chunks, for the csv module. Only "\n" ends a line
    ("\r\n" too): ``str.splitlines`` would also split on characters such as U+0085, which a
    description read as ISO-8859-1 may contain."""
    rest = ""
    for chunk in chunks:
        if not chunk:
            continue
        if "\x00" in chunk:
            raise ImportFailed("not_csv", "The file is not CSV text (it contains NUL bytes).")
        parts = (rest + chunk).split("\n")
        rest = parts.pop()
        for part in parts:
            yield part + "\n"
    if rest:
        yield rest


def _canonical_key(values: list[str], delimiter: str) -> str:
    """The duplicate-check key of a row read by the csv module: the line it would be without
    quotes when that line is unambiguous, so that ``"a",b`` and ``a,b`` are the same row."""
    if any(delimiter in value or '"' in value or "\n" in value or "\r" in value for value in values):
        return "\x00" + "\x1f".join(values)
    return delimiter.join(values)


def _csv_source(binary: IO[bytes], kind: str, size: int, counter: _CountingReader) -> Source:
    chunks, encoding_info = _decode_chunks(binary, kind)
    lines = _lines(chunks)
    first_line = next(lines, "")
    if not first_line.strip():
        raise ImportFailed("empty_file", "The file has no header row.")
    # Excel in some locales writes ";" or tab separated "CSV": decide from the header line.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFailed("not_csv", f"The first line is not a CSV header: {exc}.") from exc
    positions, extra = _header_map(header)

    width = len(header)
    simple = positions == list(range(len(COLUMNS))) and width == len(COLUMNS)

    def rows() -> Iterator[tuple[int, list | RowError, str | None]]:
        row_number = 1
        for line in lines:
            row_number += 1
            text = line[:-1] if line[-1:] == "\n" else line
            if text[-1:] == "\r":
                text = text[:-1]
            if '"' in text or "\r" in text:
                # Quoted fields (maybe spanning lines, which the reader takes from ``lines``) and
                # stray carriage returns: the csv module decides, exactly as for the whole file.
                try:
                    values = next(csv.reader(itertools.chain([line], lines), delimiter=delimiter), [])
                except csv.Error as exc:
                    raise ImportFailed(
                        "not_csv", f"Row {row_number} is not valid CSV: {exc}.", rows=[{"row": row_number}]
                    ) from exc
                key = None
            elif text:
                # No quote: the csv module would split the line on the delimiter, and so do we.
                values = text.split(delimiter)
                key = text
            else:
                continue  # a blank line
            if not values or (not values[0].strip() and not any(value.strip() for value in values)):
                continue  # a row of empty fields (",,,,,,," at the end of spreadsheet exports)
            if len(values) != width:
                yield row_number, RowError("row", len(values), f"has {len(values)} fields, expected {width}"), None
                continue
            if not simple:
                values = [values[position] for position in positions]
                key = "\x1f".join(values)
            elif key is None:
                key = _canonical_key(values, delimiter)
            yield row_number, values, key

    return Source(kind, rows(), size, lambda: counter.position, "B", extra, encoding_info)


def _xlsx_source(raw: IO[bytes]) -> Source:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFailed("bad_xlsx", f"The file is not a readable XLSX workbook: {exc}.") from exc
    if not workbook.worksheets:
        raise ImportFailed("bad_xlsx", "The workbook has no sheet.")
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None or all(value is None for value in header):
        raise ImportFailed("empty_file", "The first sheet of the workbook is empty.")
    positions, extra = _header_map(list(header))
    state = {"row": 1}
    total = sheet.max_row or 0

    def rows() -> Iterator[tuple[int, list, str]]:
        try:
            for values in iterator:
                state["row"] += 1
                if all(value is None or value == "" for value in values):
                    continue
                padded = list(values) + [None] * (len(header) - len(values))
                selected = [padded[position] for position in positions]
                yield state["row"], selected, "\x1f".join(map(str, selected))
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
            # A damaged sheet (ElementTree's ParseError is a SyntaxError) fails the import cleanly.
            raise ImportFailed("bad_xlsx", f"Row {state['row']} of the workbook cannot be read: {exc}.") from exc
        finally:
            workbook.close()

    return Source("xlsx", rows(), total, lambda: state["row"], "rows", extra, lambda: "xlsx")


# --- Parsing one row -------------------------------------------------------------------------


class RowError(ValueError):
    """Why one row cannot be read (its column, value and the reason)."""

    def __init__(self, column: str, value: Any, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # XLSX stores whole-number ids as floats
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _identifier(column: str, value: Any) -> str:
    text = value.strip() if value.__class__ is str else _text(value)
    if not text:
        raise RowError(column, value, "missing")
    if len(text) > MAX_LENGTHS[column]:
        raise RowError(column, value, f"longer than {MAX_LENGTHS[column]} characters")
    return text


def _customer(value: Any) -> str:
    """``"17850.0"``, ``"17850"`` and ``17850.0`` are the same customer ``"17850"``."""
    text = value.strip() if value.__class__ is str else _text(value)
    if text.isdigit() and len(text) <= MAX_LENGTHS["CustomerID"]:
        return text
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) > MAX_LENGTHS["CustomerID"]:
        raise RowError("CustomerID", value, f"longer than {MAX_LENGTHS['CustomerID']} characters")
    return text


def _quantity(value: Any) -> int:
    if value.__class__ is int:
        quantity = value
    else:
        text = _text(value)
        if not text:
            raise RowError("Quantity", value, "missing")
        try:
            quantity = int(text)
        except ValueError:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise RowError("Quantity", value, "not a number") from None
            if not number.is_finite() or number != number.to_integral_value():
                raise RowError("Quantity", value, "not a whole number") from None
            quantity = int(number)
    if abs(quantity) > MAX_QUANTITY:
        raise RowError("Quantity", value, "out of range")
    return quantity


class Cleaner:
    """Runs the cleaning steps over a :class:`Source` and feeds a sink.

    The sink has ``sale(line)`` and ``ret(line)``; a line is the tuple
    ``(invoice_no, stock_code, description, quantity, invoice_date_utc, unit_price, amount,
    customer_id, country, is_product)``. Once a row has failed to parse, nothing more is sent to
    the sink (the import will fail), but every row is still parsed to list the bad ones.
    """

    def __init__(self, *, tz: dt.tzinfo, now: dt.datetime):
        self.tz = tz
        # The API's date ranges start at MIN_DATE (local): earlier lines could never be asked for,
        # and a period before them would reach year 1 (Period.previous overflows).
        self.earliest = dt.datetime.combine(MIN_DATE, dt.time.min, tzinfo=tz).astimezone(UTC)
        self.latest = now + FUTURE_GRACE
        self.report: dict[str, Any] = {
            "rows_read": 0,
            "duplicates_dropped": 0,
            "adjustments_excluded": 0,
            "returns_kept": 0,
            "rejected": {"quantity_le_0": 0, "price_le_0": 0},
            "rejected_total": 0,
            "sales_lines_kept": 0,
        }
        self.invoices: set[str] = set()
        self.errors: list[dict] = []
        self.error_rows = 0

    @staticmethod
    def _remember(cache: dict, raw: Any, value: Any) -> Any:
        if len(cache) > 100_000:
            cache.clear()
        cache[raw] = value
        return value

    def _parse_date(self, value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 (local time, zoned below)
        else:
            text = _text(value)
            if not text:
                raise RowError("InvoiceDate", value, "missing")
            match = _US_DATE.fullmatch(text)
            try:
                if match:
                    month, day, year, hour, minute, second = match.groups()
                    moment = dt.datetime(  # noqa: DTZ001 (local time, zoned below)
                        int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
                    )
                else:
                    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise RowError("InvoiceDate", value, "not a date (expected M/D/YYYY H:MM or ISO 8601)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)  # the file's local time, in the workspace time zone
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # year 1 east of UTC, or year 9999 west of it
            too_early = moment.year == dt.MINYEAR
            raise RowError("InvoiceDate", value, f"before {MIN_DATE}" if too_early else "in the future") from None
        if moment < self.earliest:
            raise RowError("InvoiceDate", value, f"before {MIN_DATE}")
        if moment > self.latest:
            raise RowError("InvoiceDate", value, "in the future")
        return moment

    @staticmethod
    def _parse_price(value: Any) -> Decimal:
        # repr of a float is the shortest text that reads back as it: 2.55, not 2.5499…
        text = repr(value) if isinstance(value, float) else _text(value)
        if not text:
            raise RowError("UnitPrice", value, "missing")
        try:
            price = Decimal(text)
        except InvalidOperation:
            raise RowError("UnitPrice", value, "not a number") from None
        if not price.is_finite():
            raise RowError("UnitPrice", value, "not a number")
        if price != price.quantize(Decimal("0.001"), rounding="ROUND_HALF_EVEN"):
            raise RowError("UnitPrice", value, "more than 3 decimal places")
        if abs(price) >= MAX_PRICE:
            raise RowError("UnitPrice", value, "out of range")
        return price

    def _fail(self, row_number: int, error: RowError) -> None:
        self.error_rows += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            value = (
                error.value if isinstance(error.value, str | int | float) or error.value is None else str(error.value)
            )
            self.errors.append({"row": row_number, "column": error.column, "value": value, "reason": error.reason})

    def run(self, source: Source, sink, *, progress: Callable[[int], None] | None = None) -> None:
        report = self.report
        rejected = report["rejected"]
        seen: set[bytes] = set()
        invoices = self.invoices
        orders: set[str] = set()
        customers: set[str] = set()
        blake2b = hashlib.blake2b
        rows_read = duplicates = adjustments = returns = sales = descriptions_cut = 0
        without_customer = non_product = 0
        revenue = returns_value = Decimal(0)
        first = last = previous_date = None
        invoice_cache: dict = {}
        code_cache: dict = {}
        quantity_cache: dict = {}
        date_cache: dict = {}
        price_cache: dict = {}
        customer_cache: dict = {}
        country_cache: dict = {}
        for row_number, values, key in source.rows:
            rows_read += 1
            if rows_read > MAX_ROWS:  # what a small compressed file can hold is not: memory is bounded
                raise ImportFailed(
                    "too_many_rows",
                    f"The file has more than {MAX_ROWS:,} rows: split it into several imports.",
                    max_rows=MAX_ROWS,
                )
            if progress is not None and not rows_read & 0x3FFF:
                progress(source.position())
            if values.__class__ is RowError:
                self._fail(row_number, values)
                continue
            raw_invoice, raw_code, raw_description, raw_quantity, raw_date, raw_price, raw_customer, raw_country = (
                values
            )
            # Every distinct value is parsed once (the real file has 23,260 distinct timestamps,
            # 4,070 stock codes and 38 countries in 541,909 rows); the caches are bounded.
            try:
                invoice_no = invoice_cache.get(raw_invoice)
                if invoice_no is None:
                    invoice_no = self._remember(invoice_cache, raw_invoice, _identifier("InvoiceNo", raw_invoice))
                code = code_cache.get(raw_code)
                if code is None:
                    stock_code = _identifier("StockCode", raw_code)
                    code = self._remember(code_cache, raw_code, (stock_code, is_product_code(stock_code)))
                quantity = quantity_cache.get(raw_quantity)
                if quantity is None:
                    quantity = self._remember(quantity_cache, raw_quantity, _quantity(raw_quantity))
                invoice_date = date_cache.get(raw_date)
                if invoice_date is None:
                    invoice_date = self._remember(date_cache, raw_date, self._parse_date(raw_date))
                unit_price = price_cache.get(raw_price)
                if unit_price is None:
                    unit_price = self._remember(price_cache, raw_price, self._parse_price(raw_price))
                customer_id = customer_cache.get(raw_customer)
                if customer_id is None:
                    customer_id = self._remember(customer_cache, raw_customer, _customer(raw_customer))
                country = country_cache.get(raw_country)
                if country is None:
                    country = self._remember(country_cache, raw_country, _identifier("Country", raw_country))
            except RowError as error:
                self._fail(row_number, error)
                continue
            stock_code, is_product = code
            description = raw_description.strip() if raw_description.__class__ is str else _text(raw_description)
            if len(description) > MAX_DESCRIPTION:
                description = description[:MAX_DESCRIPTION]
                descriptions_cut += 1
            invoices.add(invoice_no)

            # 1. exact duplicates: the eight raw fields as read from the file, the first kept.
            digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if digest in seen:
                duplicates += 1
                continue
            seen.add(digest)
            if self.error_rows:
                continue  # the import fails: only parse the remaining rows, to list the bad ones
            prefix = invoice_no[0]
            # 2. bad-debt adjustments: excluded from everything
            if prefix in "Aa":
                adjustments += 1
                continue
            # 3. cancellations: kept apart as returns
            if prefix in "Cc":
                amount = abs(quantity) * unit_price
                if amount >= MAX_AMOUNT:
                    self._fail(row_number, RowError("Quantity", raw_quantity, "quantity × unit price out of range"))
                    continue
                returns += 1
                returns_value += amount
                keep = sink.ret
            else:
                # 4. rejected from sales, by the first reason that applies
                if quantity <= 0:
                    rejected["quantity_le_0"] += 1
                    continue
                if unit_price <= 0:
                    rejected["price_le_0"] += 1
                    continue
                # 5. sales lines
                amount = quantity * unit_price
                if amount >= MAX_AMOUNT:
                    self._fail(row_number, RowError("Quantity", raw_quantity, "quantity × unit price out of range"))
                    continue
                sales += 1
                revenue += amount
                orders.add(invoice_no)
                if customer_id:
                    customers.add(customer_id)
                else:
                    without_customer += 1
                if not is_product:
                    non_product += 1
                if invoice_date is not previous_date:  # consecutive lines mostly share their timestamp
                    previous_date = invoice_date
                    if first is None or invoice_date < first:
                        first = invoice_date
                    if last is None or invoice_date > last:
                        last = invoice_date
                keep = sink.sale
            keep(
                (
                    invoice_no,
                    stock_code,
                    description,
                    quantity,
                    invoice_date,
                    unit_price,
                    amount,
                    customer_id,
                    country,
                    is_product,
                )
            )
        if progress is not None:
            progress(source.position())
        report.update(
            rows_read=rows_read,
            duplicates_dropped=duplicates,
            adjustments_excluded=adjustments,
            returns_kept=returns,
            rejected_total=rejected["quantity_le_0"] + rejected["price_le_0"],
            sales_lines_kept=sales,
            descriptions_truncated=descriptions_cut,
            invoices_in_file=len(invoices),
            orders=len(orders),
            customers=len(customers),
            sales_lines_without_customer=without_customer,
            non_product_sales_lines=non_product,
            revenue=f"{revenue:.3f}",
            returns_value=f"{returns_value:.3f}",
            first_sale=first.isoformat() if first else None,
            last_sale=last.isoformat() if last else None,
        )
        if self.error_rows:
            listed = ", ".join(str(error["row"]) for error in self.errors)
            more = f" (first {len(self.errors)} listed)" if self.error_rows > len(self.errors) else ""
            raise ImportFailed(
                "unparseable_rows",
                f"{self.error_rows} row(s) cannot be read, so nothing was imported: rows {listed}{more}.",
                rows=self.errors,
                rows_total=self.error_rows,
            )
        if rows_read == 0:
            raise ImportFailed("no_rows", "The file has a header but no data rows.")
