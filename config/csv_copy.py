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

from django.db import connection

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
    """SQL (and its parameters) of the text ``expression`` as :func:`config.api.csv_cell`
    writes it: a leading quote when a spreadsheet would run it as a formula and it is not a
    number; NULL for an empty string."""
    starts = ", ".join(["%s"] * len(FORMULA_START))
    sql = (
        f"NULLIF(CASE WHEN left({expression}, 1) IN ({starts}) AND {expression} !~* %s "
        f"THEN '''' || {expression} ELSE {expression} END, '')"
    )
    return sql, [*FORMULA_START, number_pattern()]


def copy_csv(fields: list[str], select: str, params: list[object]) -> Iterator[bytes]:
    """The header of ``fields`` written by Python, then the rows of ``select`` written by
    PostgreSQL as CSV, :data:`CHUNK` bytes at a time, for a ``StreamingHttpResponse``."""
    yield "".join(csv_stream(fields, [])).encode()
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH CSV", params) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK:
                yield bytes(buffer)
                buffer.clear()
    yield bytes(buffer)
