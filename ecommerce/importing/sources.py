"""Opening an order file: its kind, its text, its header and its raw rows.

:func:`open_source` sniffs the file's kind from its first bytes (gzip, zip/XLSX, else CSV text),
validates the header and yields raw rows for :class:`ecommerce.importing.cleaning.Cleaner`.

Text encoding: UTF-8 is tried first; a byte that is not valid UTF-8 is read as ISO-8859-1. The
Kaggle file is ISO-8859-1 and a lone ``£`` (0xA3) is never valid UTF-8, so it reads correctly,
and since both encodings agree on ASCII nothing read earlier changes meaning. This decides per
byte while streaming (no second pass, no restart). UTF-16 is read when it has a byte-order mark;
NUL bytes anywhere else mean the file is not CSV text.

Memory stays bounded whatever the file holds: text is read in chunks of :data:`_CHUNK` bytes and
a line (or a quoted field) longer than :data:`MAX_LINE` characters fails the import at once as
``line_too_long`` with its row number, so a gzip of one endless line costs one chunk and the bound.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from ecommerce.importing.errors import ImportFailed, RowError

COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country")
# Header names are matched ignoring case, spaces and underscores: "invoice_no" or "Invoice No" work.
_NORMALISED = {re.sub(r"[^a-z0-9]", "", name.lower()): index for index, name in enumerate(COLUMNS)}
_CHUNK = 1 << 20
# The longest line, and the longest quoted field, a file may hold (characters).
MAX_LINE = 1 << 20

csv.field_size_limit(MAX_LINE)


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


def header_map(header: list) -> tuple[list[int], list[str]]:
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
        from ecommerce.importing.xlsx import xlsx_source  # openpyxl is loaded for workbooks only

        return xlsx_source(raw)
    counter = _CountingReader(raw)
    return _csv_source(io.BufferedReader(counter, _CHUNK), "csv", size, counter)


def _read(binary: IO[bytes]) -> bytes:
    try:
        return binary.read(_CHUNK)
    except (EOFError, OSError, zlib.error) as exc:
        raise _gzip_failure(exc) from exc


def _sniff_encoding(first: bytes) -> str:
    """The file's encoding from its byte-order mark; UTF-8 (with a Latin-1 fallback) without one."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in first:
        raise ImportFailed(
            "not_text",
            "The file is not CSV text (it contains NUL bytes: a binary file, or UTF-16 without a byte-order mark).",
        )
    return "utf-8"


def _decode_chunks(binary: IO[bytes], kind: str) -> tuple[Iterator[str], Callable[[], str]]:
    first = _read(binary)
    if not first:
        raise ImportFailed("empty_file", "The file is empty." if kind == "csv" else "The compressed file is empty.")
    encoding = _sniff_encoding(first)
    errors = "strict" if encoding == "utf-16" else "pulse-latin1-fallback"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    # The error handler counts in the decoding thread; the count is read here, after each chunk,
    # since the report is written in another thread when an import reads the file in a thread.
    fell_back = False

    def decode(data: bytes, final: bool = False) -> str:
        nonlocal fell_back
        _fallbacks.count = 0
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            raise ImportFailed("bad_encoding", f"The file is not valid {encoding.upper()} text: {exc}.") from exc
        fell_back = fell_back or bool(_fallbacks.count)
        return text

    def chunks() -> Iterator[str]:
        data = first
        while data:
            yield decode(data)
            data = _read(binary)
        yield decode(b"", final=True)  # a last character cut in half

    def encoding_info() -> str:
        if encoding == "utf-16":
            return "utf-16"
        return "iso-8859-1" if fell_back else "utf-8"

    return chunks(), encoding_info


def _gzip_failure(exc: Exception) -> ImportFailed:
    if isinstance(exc, EOFError):
        return ImportFailed("truncated_gzip", "The gzip file is truncated (it ends before its end-of-stream marker).")
    return ImportFailed("corrupt_gzip", f"The gzip file is corrupt: {exc}.")


class LineTooLong(Exception):
    """A line (or a quoted field) over :data:`MAX_LINE`; the CSV reader adds its row number."""


def _lines(chunks: Iterator[str], limit: int = MAX_LINE) -> Iterator[str]:
    """Whole lines (with their ends) from text chunks, for the csv module. Only "\n" ends a line
    ("\r\n" too): ``str.splitlines`` would also split on characters such as U+0085, which a
    description read as ISO-8859-1 may contain.

    The unfinished line carried from one chunk to the next never exceeds ``limit``: a line over
    it raises :class:`LineTooLong` once every line before it has been yielded, so the splitter
    holds at most the bound plus one chunk, and each character is copied a bounded number of
    times (linear time, however long the line)."""
    rest = ""
    for chunk in chunks:
        if not chunk:
            continue
        if "\x00" in chunk:
            raise ImportFailed("not_csv", "The file is not CSV text (it contains NUL bytes).")
        text = rest + chunk
        parts = text.split("\n")
        rest = parts.pop()
        if len(text) > limit and parts and max(map(len, parts)) > limit:
            # One of these lines is over the bound: yield those before it, then refuse it.
            for part in parts:
                if len(part) > limit:
                    raise LineTooLong
                yield part + "\n"
        for part in parts:
            yield part + "\n"
        if len(rest) > limit:
            raise LineTooLong
    if rest:
        yield rest


def _too_long(row_number: int) -> ImportFailed:
    return ImportFailed(
        "line_too_long",
        f"Row {row_number} is longer than {MAX_LINE:,} characters (or holds a field that long): "
        "is this a CSV file of orders?",
        rows=[{"row": row_number}],
        max_line=MAX_LINE,
    )


def _canonical_key(values: list[str], delimiter: str) -> str:
    """The duplicate-check key of a row read by the csv module: the line it would be without
    quotes when that line is unambiguous, so that ``"a",b`` and ``a,b`` are the same row."""
    if any(delimiter in value or '"' in value or "\n" in value or "\r" in value for value in values):
        return "\x00" + "\x1f".join(values)
    return delimiter.join(values)


def _csv_source(binary: IO[bytes], kind: str, size: int, counter: _CountingReader) -> Source:
    chunks, encoding_info = _decode_chunks(binary, kind)
    lines = _lines(chunks)
    try:
        first_line = next(lines, "")
    except LineTooLong:
        raise _too_long(1) from None
    if not first_line.strip():
        raise ImportFailed("empty_file", "The file has no header row.")
    # Excel in some locales writes ";" or tab separated "CSV": decide from the header line.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFailed("not_csv", f"The first line is not a CSV header: {exc}.") from exc
    positions, extra = header_map(header)
    rows = _csv_rows(lines, delimiter, width=len(header), positions=positions)
    return Source(kind, rows, size, lambda: counter.position, "B", extra, encoding_info)


def _csv_rows(
    lines: Iterator[str], delimiter: str, *, width: int, positions: list[int]
) -> Iterator[tuple[int, list | RowError, str | None]]:
    simple = positions == list(range(len(COLUMNS))) and width == len(COLUMNS)
    row_number = 1
    try:
        for line in lines:
            row_number += 1
            text = line[:-1] if line[-1:] == "\n" else line
            if text[-1:] == "\r":
                text = text[:-1]
            if '"' in text or "\r" in text:
                # Quoted fields (maybe spanning lines, which the reader takes from ``lines``) and
                # carriage returns: the csv module decides, exactly as for the whole file.
                values = _csv_row(itertools.chain([line], lines), delimiter, row_number)
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
    except LineTooLong:
        # Only the fetch of a row's first line gets here (_csv_row names its own row).
        raise _too_long(row_number + 1) from None


def _csv_row(lines: Iterator[str], delimiter: str, row_number: int) -> list[str]:
    try:
        return next(csv.reader(lines, delimiter=delimiter), [])
    except LineTooLong:
        raise _too_long(row_number) from None
    except csv.Error as exc:
        if "field limit" in str(exc):  # a quoted field over MAX_LINE, refused like a long line
            raise _too_long(row_number) from None
        raise ImportFailed("not_csv", f"Row {row_number} is not valid CSV: {exc}.", rows=[{"row": row_number}]) from exc
