"""Reading the first sheet of an XLSX workbook, after checking that the archive is no bomb.

A workbook is a zip of XML files. openpyxl (in read-only mode) streams the sheet, but it reads the
shared-strings table whole into memory, and a tiny archive can declare XML of gigabytes. Before
openpyxl sees the file, :func:`check_archive` reads the sizes the zip's directory declares (Python's
zipfile never inflates more than an entry declares) and refuses, as ``archive_too_large``, an
archive whose entries would unpack past :data:`MAX_UNCOMPRESSED`, a part read whole (anything
but a worksheet: the shared strings, whatever their name) over :data:`MAX_PART`, or an entry
compressed more than :data:`MAX_RATIO` to one.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO

from ecommerce.importing.errors import ImportFailed
from ecommerce.importing.sources import Source, header_map

# What the real file's 541,909 rows need, with room to spare: a sheet of about 200 MB of XML and
# shared strings of a few MB.
MAX_UNCOMPRESSED = 1 << 30
MAX_PART = 64 << 20
# XML compresses well, but not this well unless it repeats itself on purpose: checked on entries
# of over a megabyte, so that tiny files of a few repeated bytes pass.
MAX_RATIO = 100
_RATIO_FLOOR = 1 << 20


def check_archive(raw: IO[bytes]) -> None:
    """Refuse a zip bomb from its declared sizes, before anything inflates it."""
    try:
        entries = zipfile.ZipFile(raw).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFailed("bad_xlsx", f"The file is not a readable XLSX workbook: {exc}.") from exc
    finally:
        raw.seek(0)
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED:
        raise _bomb(f"its files unpack to {total:,} bytes (the limit is {MAX_UNCOMPRESSED:,})")
    for entry in entries:
        streamed = entry.filename.startswith("xl/worksheets/")
        if not streamed and entry.file_size > MAX_PART:
            raise _bomb(f"{entry.filename} unpacks to {entry.file_size:,} bytes (the limit is {MAX_PART:,})")
        if entry.file_size > _RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise _bomb(
                f"{entry.filename} is compressed {entry.file_size // max(entry.compress_size, 1):,} to one "
                f"(the limit is {MAX_RATIO})"
            )


def _bomb(reason: str) -> ImportFailed:
    return ImportFailed(
        "archive_too_large",
        f"The XLSX workbook is refused before it is read: {reason}. Save the sheet as CSV and upload that instead.",
    )


def xlsx_source(raw: IO[bytes]) -> Source:
    from openpyxl import load_workbook

    check_archive(raw)
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
    positions, extra = header_map(list(header))
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
