"""The transactions and returns lists: cleaned sales or return lines, a page of JSON or every line
as streamed CSV.

The analytics endpoints are the registry's generic views of :mod:`ecommerce.insights`
(``ecommerce.api.urls``)."""

from collections.abc import Iterator
from itertools import islice

from django.db import connection
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer

from accounts.tenancy import WorkspaceScopedMixin
from config.api import CSVRenderer, csv_stream
from config.csv_copy import copy_csv, local_isoformat, text_cell
from config.pagination import PagePagination
from config.replicas import read_as_of
from ecommerce.analytics.geography import COUNTRY_LABELS
from ecommerce.api import serializers as s
from ecommerce.api.filters import ReturnFilter, TransactionFilter
from ecommerce.models import ReturnLine, SalesLine

CSV_BATCH = 2_000  # lines read, serialised and sent at a time by the transactions CSV


class TransactionPagination(PagePagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["data_as_of"] = (read_as_of() or timezone.now()).isoformat()
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["data_as_of"] = {"type": "string", "format": "date-time"}
        return schema


def _serialised_batches(rows: Iterator[dict], serializer: s.TransactionSerializer) -> Iterator[list[dict]]:
    """``rows`` as ``serializer`` shows them, :data:`CSV_BATCH` at a time. One serializer for all:
    a serializer of many is a reference cycle (its child points back at it), freed with its
    batch only by a garbage collection."""
    while batch := [serializer.to_representation(row) for row in islice(rows, CSV_BATCH)]:
        yield batch


def _copy_select(lines: QuerySet) -> tuple[str, list]:
    """The SELECT whose rows PostgreSQL writes as :class:`TransactionSerializer`'s CSV: the
    filtered ``lines`` with each cell as ``to_representation`` and ``csv_cell`` make it (dates
    in the session's time zone, which :func:`copy_csv` sets to the workspace's)."""
    inner, params = lines.order_by().query.sql_with_params()
    labels = " ".join("WHEN %s THEN %s" for _ in COUNTRY_LABELS)
    cells = [
        text_cell(name)
        for name in (
            "line.invoice_no",
            "line.stock_code",
            "line.description",
            "line.customer_id",
            "line.country",
            "labelled.country_label",
        )
    ]
    select = (
        f"SELECT line.id, {', '.join(sql for sql, _ in cells[:3])}, line.quantity, line.unit_price, "  # noqa: S608
        f"round(line.amount, 2), {local_isoformat('line.invoice_date')}, {', '.join(sql for sql, _ in cells[3:])}, "
        "CASE WHEN line.is_product THEN 'True' ELSE 'False' END "
        f"FROM ({inner}) AS line CROSS JOIN LATERAL "
        f"(SELECT CASE line.country {labels} ELSE line.country END AS country_label) AS labelled "
        "ORDER BY line.invoice_date DESC, line.id DESC"
    )
    label_params = [value for pair in COUNTRY_LABELS.items() for value in pair]
    return select, [*(param for _, extra in cells for param in extra), *params, *label_params]


@extend_schema(
    summary="Cleaned sales lines, paginated and filterable (times in the workspace time zone)",
    description="JSON answers one page. CSV (`?format=csv` or `Accept: text/csv`) answers every line the "
    "filters select, newest first, streamed: `page` and `page_size` do not apply to it.",
)
class TransactionsView(WorkspaceScopedMixin, ListAPIView):
    queryset = SalesLine.objects.order_by("-invoice_date", "-id").values(*s.TransactionSerializer.COLUMNS)
    serializer_class = s.TransactionSerializer
    filterset_class = TransactionFilter
    pagination_class = TransactionPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_filename = "transactions"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "tz": self.workspace.tzinfo}

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != CSVRenderer.format:
            return super().list(request, *args, **kwargs)
        lines = self.filter_queryset(self.get_queryset())
        fields = self.serializer_class.Meta.fields
        if connection.vendor == "postgresql":
            # Every line of a workspace: PostgreSQL writes the CSV, several times faster.
            stream = copy_csv(fields, *_copy_select(lines), time_zone=self.workspace.timezone)
        else:
            serialised = _serialised_batches(lines.iterator(chunk_size=CSV_BATCH), self.get_serializer())
            stream = csv_stream(fields, serialised)
        response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}.csv"'
        return response


@extend_schema(
    summary="Return lines (cancellations, invoices C…), paginated and filterable like the transactions",
    description="Quantities are as in the file (negative); `amount` is |quantity| × unit price, the value "
    "returned. JSON answers one page; CSV answers every line the filters select, newest first, streamed.",
)
class ReturnsView(TransactionsView):
    queryset = ReturnLine.objects.order_by("-invoice_date", "-id").values(*s.ReturnLineSerializer.COLUMNS)
    serializer_class = s.ReturnLineSerializer
    filterset_class = ReturnFilter
    csv_filename = "returns"
