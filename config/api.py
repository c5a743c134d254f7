"""Pieces every analytics endpoint shares: CSV rendering, the analytics base view and the one
view of every registered insight."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import transaction
from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.cache import Body, Cached
from config.insights import Insight, QuerySerializer, Tenant, get_insight
from config.pagination import PagePagination
from config.periods import PeriodQuerySerializer

if TYPE_CHECKING:  # protocols of the stubs only
    from rest_framework.views import AsView, GenericView

# The header naming a request's workspace (accounts.tenancy's; config imports no app).
WORKSPACE_VARY = "X-Workspace"
# One line of a CSV table: column name to cell.
Row: TypeAlias = dict[str, object]


def _flatten(row: Mapping[str, object], prefix: str = "") -> Row:
    flat: Row = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(value, default=str)
        else:
            flat[name] = value
    return flat


def csv_rows(data: object, rows_key: str | None = None) -> list[Row]:
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` as a CSV cell. Text from users (a tracked consumer, a store's name) that a
    spreadsheet would run as a formula (``=HYPERLINK(…)``) gets a leading quote, as OWASP
    advises; numbers, negative ones included, stay as they are."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
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

    def render(
        self, data: object, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
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


def csv_stream(fields: list[str], batches: Iterable[list[Row]]) -> Iterator[str]:
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


class AnalyticsEndpoint(APIView):
    """Base for read-only analytics endpoints: JSON or CSV, outside the request transaction.

    Combined with a tenancy mixin that provides ``self.workspace`` (``accounts.tenancy``).
    Subclasses set ``query_serializer_class`` and implement ``get``; ``self.query()`` returns the
    validated query serializer (400 in the error shape when invalid).
    """

    renderer_classes = [JSONRenderer, CSVRenderer]
    query_serializer_class: type[QuerySerializer] = PeriodQuerySerializer
    csv_rows_key: str | None = None
    # The payload's other tables a CSV can hold instead, chosen with ``?table=`` (csv_rows paths).
    csv_tables: tuple[str, ...] = ()
    workspace: Tenant  # set by the tenancy mixin before the handler runs

    @classmethod
    def as_view(cls, **initkwargs: Any) -> "AsView[GenericView]":
        # Read-only: ATOMIC_REQUESTS' BEGIN and COMMIT would be two more round trips on every read.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def query(self) -> QuerySerializer:
        serializer = self.query_serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        self.choose_table()
        return serializer

    def choose_table(self) -> None:
        """``?table=`` picks which of the payload's tables a CSV holds."""
        table = self.request.query_params.get("table")
        if table is not None:
            if table not in self.csv_tables:
                choices = ", ".join(self.csv_tables) or "none: this endpoint has one table"
                raise ValidationError({"table": [f"One of: {choices}."]})
            self.csv_rows_key = table

    @staticmethod
    def answered(result: Cached) -> tuple[object, dict[str, str]]:
        """The cached result with when it was computed: ``data_as_of`` in the body of an object,
        the ``X-Data-As-Of`` header with a list (whose body has no room for it)."""
        as_of = result.computed_at.isoformat()
        if isinstance(result.value, dict):
            return {**result.value, "data_as_of": as_of}, {}
        return result.value, {"X-Data-As-Of": as_of}

    def answer(self, result: Cached) -> Response:
        data, headers = self.answered(result)
        return Response(data, headers=headers)

    def answer_page(self, result: Cached) -> Response:
        """A list result a page at a time (``?page=``, ``?page_size=``; set ``pagination_class``
        for the schema), with ``X-Data-As-Of``. As CSV, every row: a download is the whole table."""
        if self.as_csv:
            return self.answer(result)
        paginator = PagePagination()
        page: list[object] | None = paginator.paginate_queryset(result.value, self.request, view=self)
        response = paginator.get_paginated_response(page)
        response["X-Data-As-Of"] = result.computed_at.isoformat()
        return response

    @property
    def as_csv(self) -> bool:
        return self.request.accepted_renderer.format == CSVRenderer.format

    @property
    def refresh(self) -> bool:
        """Staff may bypass cached results with ``?refresh=1``."""
        return self.request.query_params.get("refresh") == "1" and self.request.user.is_staff


Handler: TypeAlias = Callable[..., HttpResponseBase]
CSV_NOTE = "Add `?format=csv` (or `Accept: text/csv`) for CSV."
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: `If-None-Match` named the answer's current `ETag` (JSON answers carry one, "
    "with `Cache-Control: private, no-cache`; it changes with the data, the parameters and the settings)."
)
AS_OF_HEADER = OpenApiParameter(
    "X-Data-As-Of", str, OpenApiParameter.HEADER, response=True, description="When the result was computed."
)


class InsightEndpoint(AnalyticsEndpoint):
    """The API view of one registered insight (:mod:`config.insights`): validates the query
    string, adds the URL's keywords, runs the insight through its cache and answers JSON or CSV.
    Concrete views come from :func:`insight_endpoint`."""

    insight: Insight

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.csv_rows_key = self.insight.csv_rows_key
        self.csv_tables = self.insight.csv_tables
        self.csv_filename = self.insight.csv_filename or self.insight.name.replace(".", "-").replace("_", "-")

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        params = self.insight.validate({**request.query_params.dict(), **kwargs})
        self.choose_table()
        if not self.insight.keeps_body or self.refresh or request.accepted_media_type != JSONRenderer.media_type:
            result = self.insight.run(self.workspace, params, refresh=self.refresh)
            if self.insight.marks_table(self.csv_rows_key) and self.as_csv:
                return self.answer_csv(result, params)
            return self.answer_page(result) if self.insight.paginated else self.answer(result)
        return self.answer_body(self.insight.body(self.workspace, params, "json", self.render_json))

    def answer_csv(self, result: Cached, params: Mapping[str, Any]) -> Response:
        """The main table as CSV, with each bucket's annotations where the insight is a series."""
        rows = csv_rows(result.value, self.csv_rows_key)
        marked = self.insight.marked_rows(self.workspace, params, result.value, rows, self.csv_rows_key)
        return Response(marked, headers={"X-Data-As-Of": result.computed_at.isoformat()})

    def render_json(self, result: Cached) -> tuple[bytes, dict[str, str]]:
        """What :meth:`answer` would send, as bytes (plain JSON: no ``indent`` was asked for)."""
        data, headers = self.answered(result)
        return JSONRenderer().render(data), headers

    def answer_body(self, body: Body) -> HttpResponseBase:
        """The body's bytes as they are, or ``304 Not Modified`` when the client's ``If-None-Match``
        names its ETag. Private: the answer is one workspace's; clients revalidate every time
        (``no-cache``), since any write may change it, and a 304 costs them no body."""
        response = HttpResponse(body.content, content_type=JSONRenderer.media_type)
        for name, value in body.headers.items():
            response[name] = value
        response["Cache-Control"] = "private, no-cache"
        # Another user or workspace (the header, the token, the session) is another answer.
        patch_vary_headers(response, ("Authorization", "Cookie", WORKSPACE_VARY))
        if body.etag is not None:
            response["ETag"] = body.etag
            return get_conditional_response(self.request, etag=body.etag, response=response) or response
        return response


def insight_schema(insight: Insight) -> Callable[[Handler], Handler]:
    """The OpenAPI description of an insight's endpoint (its query, its payload, its tables)."""
    parameters: list[type[QuerySerializer] | OpenApiParameter] = [insight.query]
    if insight.csv_tables:
        parameters.append(
            OpenApiParameter(
                "table", str, enum=insight.csv_tables, description="With CSV: this table instead of the main one."
            )
        )
    is_list = getattr(insight.response, "many", False)
    if is_list:
        parameters.append(AS_OF_HEADER)
    description = " ".join(part for part in (insight.description, CSV_NOTE) if part)
    responses: dict[int, object] = {200: insight.response}
    if insight.keeps_body:
        responses[304] = NOT_MODIFIED
    return extend_schema(
        summary=insight.summary,
        description=description,
        parameters=parameters,
        responses=responses,
        operation_id=insight.operation_id,
    )


def insight_endpoint(base: type[InsightEndpoint], name: str) -> type[InsightEndpoint]:
    """A view class serving the insight ``name``: ``base`` is :class:`InsightEndpoint` combined
    with a tenancy mixin."""
    insight = get_insight(name)

    # A function of its own: its schema is its own.
    def get(self: InsightEndpoint, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return InsightEndpoint.get(self, request, *args, **kwargs)

    class_name = "".join(part.title() for part in name.replace("_", ".").split(".")) + "View"
    attributes: dict[str, object] = {"insight": insight, "get": insight_schema(insight)(get)}
    if insight.paginated:
        attributes["pagination_class"] = PagePagination  # the schema's pages and parameters
    return type(class_name, (base,), attributes)
