"""E-commerce analytics endpoints: thin views over :mod:`ecommerce.analytics` (cached per
workspace and data version), JSON or CSV (``?format=csv``)."""

from collections.abc import Iterator
from itertools import islice

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.tenancy import WorkspaceScopedMixin
from config.api import AnalyticsEndpoint, CSVRenderer, csv_stream
from config.pagination import PagePagination
from config.periods import PeriodQuerySerializer
from ecommerce import analytics
from ecommerce.api import serializers as s
from ecommerce.api.filters import TransactionFilter
from ecommerce.models import SalesLine

CSV_BATCH = 2_000  # lines read, serialised and sent at a time by the transactions CSV


class InsightView(WorkspaceScopedMixin, AnalyticsEndpoint):
    """One cached insight: ``insight`` names the analytics function, ``params`` the validated
    query fields passed to it. Every payload carries ``data_as_of`` (when it was computed)."""

    insight: str = ""
    params: tuple[str, ...] = ()
    csv_rows_key = "rows"

    def insight_params(self, query, **kwargs) -> dict:
        return {name: query.validated_data[name] for name in self.params}

    def get(self, request, *args, **kwargs):
        query = self.query()
        result = analytics.insight(
            self.insight, self.workspace, query.period, refresh=self.refresh, **self.insight_params(query, **kwargs)
        )
        return self.answer(result)


def _doc(summary: str, query=PeriodQuerySerializer, tables: tuple[str, ...] = (), **kwargs):
    """The endpoint's schema; ``tables``: its ``csv_tables``, documented as ``?table=``."""
    parameters = [query]
    if tables:
        parameters.append(
            OpenApiParameter("table", str, enum=tables, description="With CSV: this table instead of the main one.")
        )
    return extend_schema(summary=summary, parameters=parameters, responses={200: OpenApiTypes.OBJECT}, **kwargs)


class KpisView(InsightView):
    insight, params, query_serializer_class = "kpis", ("compare",), s.KpisQuerySerializer
    csv_rows_key = None
    csv_filename = "kpis"

    @_doc(
        "Revenue, orders, customers, products, units, AOV, returns; with the comparison period", s.KpisQuerySerializer
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SeriesView(InsightView):
    insight, params, query_serializer_class = "series", ("interval",), s.SeriesQuerySerializer
    csv_filename = "series"

    @_doc("Revenue, orders and units per day/week/month/year, zero-filled, with growth %", s.SeriesQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CountriesView(InsightView):
    insight, params, query_serializer_class = "countries", ("order_by", "limit"), s.CountriesQuerySerializer
    csv_filename = "countries"

    @_doc("Top countries by revenue or units", s.CountriesQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CountryDetailView(InsightView):
    insight, params, query_serializer_class = "country", ("limit",), s.LimitQuerySerializer
    csv_rows_key = "monthly"
    csv_tables = ("kpis", "top_products")
    csv_filename = "country"

    def insight_params(self, query, **kwargs) -> dict:
        return {**super().insight_params(query), "name": kwargs["name"]}

    @_doc(
        "One country: KPIs, monthly series and top products (404 when unknown)",
        s.LimitQuerySerializer,
        operation_id="ecommerce_country_detail",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TopCustomersView(InsightView):
    insight, params, query_serializer_class = "customers_top", ("limit",), s.LimitQuerySerializer
    csv_filename = "top-customers"

    @_doc("Customers ranked by total spent", s.LimitQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SegmentsView(InsightView):
    insight = "segments"
    csv_filename = "customer-segments"

    @_doc("RFM segments with counts and revenue share")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LifetimeValueView(InsightView):
    """Like every insight, cached per data version. Uncached (the first call after an import, or
    ``?refresh=1`` for staff) both reductions are read from the database again, and the models
    fitted on exactly those data are reused when stored (the warming task fits them after every
    import); they are fitted on the request only when the data differ from every stored fit."""

    insight = "lifetime_value"
    csv_rows_key = "historical"
    csv_tables = ("predicted.by_segment", "predicted.holdout")
    csv_filename = "lifetime-value"

    @_doc(
        "Historical CLV by segment and predicted 12-month CLV (BG/NBD + Gamma-Gamma) with holdout error",
        tables=csv_tables,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CohortsView(InsightView):
    insight = "cohorts"
    csv_filename = "cohorts"

    @_doc("Monthly acquisition cohorts × months since first purchase: retention % and revenue")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TopProductsView(InsightView):
    insight, params, query_serializer_class = "products_top", ("order_by", "limit"), s.ProductsQuerySerializer
    csv_filename = "top-products"

    @_doc("Top products by revenue or units (postage, fees and vouchers excluded)", s.ProductsQuerySerializer)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RevenueMonthlyView(InsightView):
    insight = "revenue_monthly"
    csv_filename = "revenue-monthly"

    @_doc("Monthly revenue with orders and units")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RevenueGrowthView(InsightView):
    insight = "revenue_growth"
    csv_filename = "revenue-growth"

    @_doc("Month-over-month revenue growth")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RevenueByHourView(InsightView):
    insight = "by_hour"
    csv_filename = "revenue-by-hour"

    @_doc("Revenue by local hour of day (all 24 hours)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RevenueByWeekdayView(InsightView):
    insight = "by_weekday"
    csv_filename = "revenue-by-weekday"

    @_doc("Revenue by day of week, Monday first (all 7 days)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ForecastView(WorkspaceScopedMixin, AnalyticsEndpoint):
    """The forecast is read from the fit stored by the ``fit_forecast`` task. When no fit exists
    for the current data (first call after an import whose warming has not finished, or a custom
    date range) it is fitted once, synchronously, stored, and ``fit.source`` says ``request``.

    ``?refresh=1`` (staff) skips the cached answer: the daily series is read from the database
    again, and the stored fit is used when it was made on exactly that series (a refit would
    give the same numbers); the model is refitted only when the series differs, for instance
    after a write that did not bump the data version.
    """

    query_serializer_class = s.ForecastQuerySerializer
    csv_rows_key = "forecast"
    csv_tables = ("history", "backtest", "holdout")
    csv_filename = "forecast"

    @_doc(
        "Daily revenue forecast with 80 % and 95 % intervals and the model's backtest",
        s.ForecastQuerySerializer,
        tables=csv_tables,
    )
    def get(self, request, *args, **kwargs):
        query = self.query()
        payload, result, fitted_now = analytics.cached_forecast(
            self.workspace, query.period, query.validated_data["periods"], refresh=self.refresh
        )
        return Response(
            {
                **payload,
                "fit": {"source": "request" if fitted_now else "stored", "fitted_at": payload.get("fitted_at")},
                "data_as_of": result.computed_at.isoformat(),
            }
        )


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
