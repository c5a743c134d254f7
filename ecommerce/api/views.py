"""The transactions list: cleaned sales lines, a page of JSON or every line as streamed CSV.

The analytics endpoints are the registry's generic views of :mod:`ecommerce.insights`
(``ecommerce.api.urls``)."""

from collections.abc import Iterator
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer

from accounts.tenancy import WorkspaceScopedMixin
from config.api import CSVRenderer, csv_stream
from config.pagination import PagePagination
from ecommerce.api import serializers as s
from ecommerce.api.filters import TransactionFilter
from ecommerce.models import SalesLine

CSV_BATCH = 2_000  # lines read, serialised and sent at a time by the transactions CSV


class TransactionPagination(PagePagination):
    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["data_as_of"] = timezone.now().isoformat()
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
        lines = self.filter_queryset(self.get_queryset()).iterator(chunk_size=CSV_BATCH)
        response = StreamingHttpResponse(
            csv_stream(s.TransactionSerializer.Meta.fields, _serialised_batches(lines, self.get_serializer())),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}.csv"'
        return response
