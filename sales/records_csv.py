"""Sales records as a CSV file: the template people fill in and the reading of an upload.

A file names stores and members as people know them (the store's name, the member's email);
:func:`rows_from_csv` turns each line into the fields the records API takes (store and member
ids), so an upload is validated by the same serializer as records sent one by one, and stored
by the same service, all or nothing.
"""

import csv
import io
from typing import IO

from accounts.models import User, Workspace
from config.errors import Invalid, TooLarge
from sales.models import Store

COLUMNS = ("date", "store", "revenue", "ad_spend", "recorded_by")
REQUIRED = ("date", "store", "revenue", "ad_spend")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
FIRST_ROW = 2  # the header is the file's first line: numbers match a spreadsheet's rows
# What a multipart body holds besides the file (boundaries, headers, the other fields).
FORM_OVERHEAD = 64 * 1024


def check_declared_size(content_length: str | None) -> None:
    """413 from a request's declared length, before its body is read (and spooled to disk)."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES + FORM_OVERHEAD:
        raise TooLarge(f"The upload is {declared:,} bytes; a records file may have {MAX_BYTES:,}.")


def template_csv(workspace: Workspace) -> str:
    """The header and one example line naming one of the workspace's stores."""
    store = Store.objects.filter(workspace=workspace).order_by("name", "pk").first()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(["2026-01-31", store.name if store else "Main Street", "1250.00", "310.50", ""])
    return out.getvalue()


def _text(file: IO[bytes]) -> str:
    if file.size > MAX_BYTES:
        raise Invalid.on("file", f"The file is {file.size:,} bytes; the limit is {MAX_BYTES:,} bytes.")
    try:
        return file.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.on("file", "The file is not UTF-8 text: save it as CSV UTF-8.") from None


def _lines(text: str) -> list[dict]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise Invalid.on("file", f"The header lacks {', '.join(missing)}: it must read {','.join(COLUMNS)}.")
        reader.fieldnames = header
        lines = []
        for line in reader:
            if len(lines) >= MAX_ROWS:
                raise Invalid.on("file", f"The file has more than {MAX_ROWS:,} records: split it.")
            lines.append({key: (value or "").strip() for key, value in line.items() if key in COLUMNS})
    except csv.Error as error:
        raise Invalid.on("file", f"The file is not valid CSV: {error}.") from None
    if not lines:
        raise Invalid.on("file", "The file has a header but no records.")
    return lines


def rows_from_csv(*, workspace: Workspace, file: IO[bytes]) -> tuple[list[dict], dict[str, dict]]:
    """(rows for the records serializer, errors by row number of the names nobody knows).

    A store is named by its name (case does not matter), a member by their email; an empty
    ``recorded_by`` leaves the record to the uploader."""
    lines = _lines(_text(file))
    stores = {name.lower(): pk for pk, name in Store.objects.filter(workspace=workspace).values_list("pk", "name")}
    members = {
        email.lower(): pk
        for pk, email in User.objects.filter(memberships__workspace=workspace).values_list("pk", "email")
    }
    rows, errors = [], {}
    for number, line in enumerate(lines, start=FIRST_ROW):
        row = {key: line.get(key, "") for key in REQUIRED}
        problems = {}
        row["store"] = stores.get(row["store"].lower())
        if row["store"] is None:
            problems["store"] = [f"No store of this workspace is named {line.get('store', '')!r}."]
        email = line.get("recorded_by", "")
        if email:
            row["recorded_by"] = members.get(email.lower())
            if row["recorded_by"] is None:
                problems["recorded_by"] = [f"{email!r} is not a member of this workspace."]
        if problems:
            errors[str(number)] = problems
        rows.append(row)
    return rows, errors
