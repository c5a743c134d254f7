"""CSV written by PostgreSQL (``COPY (SELECT …) TO STDOUT WITH CSV``), byte for byte the CSV that
:func:`config.api.csv_stream` writes from Python, for exports of every line of a table.

The SELECT gives each column as the text Python would write: :func:`text_cell` neutralises
formula cells as :func:`config.api.csv_cell` does and writes an empty string as NULL, since
PostgreSQL quotes an empty string (``""``) where Python's writer leaves the cell empty. Quoting
is PostgreSQL's, which agrees with Python's (a cell with a comma, a quote or a line feed is
quoted, quotes doubled) but for one case: a carriage return inside a cell is quoted by
PostgreSQL (as RFC 4180 asks) and left bare by Python's writer.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator

from django.db import connection, transaction

from config.api import FORMULA_START, csv_stream

# Bytes handed to the response at a time: COPY sends one message per line.
CHUNK = 1 << 16


def _ranges(predicate: Callable[[str], bool]) -> str:
    """The characters for which ``predicate`` holds, as the ranges of a regular expression's
    bracket expression (none of them is a bracket expression's special character)."""
    parts: list[str] = []
    start = previous = -1
    for code in range(sys.maxunicode + 1):
        if predicate(chr(code)):
            if start < 0:
                start = code
            previous = code
        elif start >= 0:
            parts.append(chr(start) if start == previous else f"{chr(start)}-{chr(previous)}")
            start = -1
    return "".join(parts)


@functools.cache
def number_pattern() -> str:
    """What ``float()`` reads (spaces around it, digits of any script, ``_`` between digits, the
    infinities and NaN), as a case-insensitive PostgreSQL regular expression: such text is a
    number, never neutralised. Computed once per process (a pass over Unicode, 0.2 s)."""
    space, digit = f"[{_ranges(str.isspace)}]", f"[{_ranges(str.isdecimal)}]"
    digits = f"{digit}(_?{digit})*"
    number = f"({digits}(\\.({digits})?)?|\\.{digits})(e[+-]?{digits})?"
    return f"^{space}*[+-]?({number}|inf|infinity|nan){space}*$"


def text_cell(expression: str) -> tuple[str, list[str]]:
    """SQL (and its parameter) of the text ``expression`` as :func:`config.api.csv_cell` writes
    it: a leading quote when a spreadsheet would run it as a formula and it is not a number;
    NULL for an empty string. The first character is compared by its code, the cheapest test
    of the half million cells of an export."""
    codes = ", ".join(str(ord(character)) for character in FORMULA_START)
    sql = (
        f"CASE WHEN ascii({expression}) IN ({codes}) AND {expression} !~* %s "
        f"THEN '''' || {expression} ELSE NULLIF({expression}, '') END"
    )
    return sql, [number_pattern()]


def local_isoformat(expression: str) -> str:
    """SQL of the ``timestamptz`` ``expression`` as Python's ``isoformat()`` writes it in the
    session's time zone (:func:`copy_csv` sets it). PostgreSQL's own text of it (ISO style) is
    the cheapest: its space becomes a ``T`` and an offset of whole hours gains its ``:00``. With
    a fraction of a second, which PostgreSQL writes without its trailing zeros, the six digits
    and the offset are formatted one by one."""
    offset = f"date_part('timezone', {expression})::int"
    return (
        f"CASE WHEN date_trunc('second', {expression}) = {expression} "
        f"THEN replace({expression}::text, ' ', 'T') || CASE WHEN mod({offset}, 3600) = 0 THEN ':00' ELSE '' END "
        f"ELSE to_char({expression}, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM') "
        f"|| CASE WHEN mod({offset}, 60) <> 0 THEN ':' || lpad(abs(mod({offset}, 60))::text, 2, '0') ELSE '' END "
        "END"
    )


def copy_csv(fields: list[str], select: str, params: list[object], *, time_zone: str) -> Iterator[bytes]:
    """The header of ``fields`` written by Python, then the rows of ``select`` written by
    PostgreSQL as CSV, :data:`CHUNK` bytes at a time, for a ``StreamingHttpResponse``. Dates and
    times are in ``time_zone``, set for a read-only transaction that is rolled back after."""
    yield "".join(csv_stream(fields, [])).encode()
    buffer = bytearray()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO, MDY', true)", [time_zone]
        )
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH CSV", params) as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= CHUNK:
                    yield bytes(buffer)
                    buffer.clear()
        transaction.set_rollback(True)  # nothing was written: the rollback undoes the settings
    yield bytes(buffer)
