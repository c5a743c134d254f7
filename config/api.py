"""Pieces every analytics endpoint shares: CSV rendering and the analytics base view."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from config.cache import Cached
from config.periods import PeriodQuerySerializer
from config.tenancy import WorkspaceScopedMixin


def _flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(value, default=str)
        else:
            flat[name] = value
    return flat


def csv_rows(data, rows_key: str | None = None) -> list[dict]:
    """The table a payload stands for: a list of rows; in an object, what is at ``rows_key`` (a
    dotted path such as ``predicted.by_segment``: a list of rows, an object as one row, nothing
    when null), else its first list of objects, else the object itself as one row."""
    if isinstance(data, list):
        return [_flatten(row) if isinstance(row, dict) else {"value": row} for row in data]
    if isinstance(data, dict):
        head, _, rest = (rows_key or "").partition(".")
        if head in data:
            value = data[head]
            if rest:
                return csv_rows(value, rest) if isinstance(value, dict) else []
            if isinstance(value, list):
                return csv_rows(value)
            if isinstance(value, dict):
                return [_flatten(value)]
            if value is None:
                return []
        for value in data.values():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return csv_rows(value)
        return [_flatten(data)]
    return [{"value": data}]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """``value`` as a CSV cell. Text from users (a tracked consumer, a store's name) that a
    spreadsheet would run as a formula (``=HYPERLINK(…)``) gets a leading quote, as OWASP
    advises; numbers, negative ones included, stay as they are."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


class CSVRenderer(BaseRenderer):
    """``?format=csv`` or ``Accept: text/csv``: the endpoint's table as CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        view = renderer_context.get("view")
        rows = csv_rows(data, getattr(view, "csv_rows_key", None))
        header: dict[str, None] = {}
        for row in rows:
            header.update(dict.fromkeys(row))
        response = renderer_context.get("response")
        if response is not None and view is not None:
            name = getattr(view, "csv_filename", None) or type(view).__name__.removesuffix("View").lower()
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return "".join(csv_stream(list(header), [rows])).encode(self.charset)


def csv_stream(fields: list[str], batches: Iterable[list[dict]]) -> Iterator[str]:
    """A CSV of ``fields``, header first (a row without a field has it empty), written one batch
    of rows at a time: for a ``StreamingHttpResponse``, what no page holds, and no memory should
    either."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    for rows in batches:
        writer.writerows([csv_cell(row.get(name)) for name in fields] for row in rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


class AnalyticsAPIView(WorkspaceScopedMixin, APIView):
    """Base for read-only analytics endpoints: workspace scoped, JSON or CSV.

    Subclasses set ``query_serializer_class`` and implement ``get``; ``self.query()`` returns the
    validated query serializer (400 in the error shape when invalid).
    """

    renderer_classes = [JSONRenderer, CSVRenderer]
    query_serializer_class = PeriodQuerySerializer
    csv_rows_key: str | None = None
    # The payload's other tables a CSV can hold instead, chosen with ``?table=`` (csv_rows paths).
    csv_tables: tuple[str, ...] = ()

    def query(self):
        serializer = self.query_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        table = self.request.query_params.get("table")
        if table is not None:
            if table not in self.csv_tables:
                choices = ", ".join(self.csv_tables) or "none: this endpoint has one table"
                raise ValidationError({"table": [f"One of: {choices}."]})
            self.csv_rows_key = table
        return serializer

    @staticmethod
    def answer(result: Cached) -> Response:
        """The cached result with when it was computed: ``data_as_of`` in the body of an object,
        the ``X-Data-As-Of`` header with a list (whose body has no room for it)."""
        as_of = result.computed_at.isoformat()
        if isinstance(result.value, dict):
            return Response({**result.value, "data_as_of": as_of})
        return Response(result.value, headers={"X-Data-As-Of": as_of})

    @property
    def refresh(self) -> bool:
        """Staff may bypass cached results with ``?refresh=1``."""
        return self.request.query_params.get("refresh") == "1" and self.request.user.is_staff
