"""Sales API: stores and records (CRUD), fake data, analytics, insights and data quality.

Every view is workspace scoped through ``WorkspaceScopedMixin``; viewers read, admins and
owners write. The analytics endpoints are the registered insights (:mod:`sales.insights`),
served by the generic insight view.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tenancy import WorkspaceScopedMixin
from config.api import CSV_NOTE, CSVRenderer
from config.cache import cached
from sales import records_csv, services
from sales.api import serializers as s
from sales.etl import insights_generate
from sales.filters import RecordFilter
from sales.models import InsightReport, QualityReport, SalesRecord, Store
from sales.quality import quality_check_run
from sales.selectors import latest_report


class WorkspaceContextMixin:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "workspace": self.workspace}


@extend_schema_view(
    list=extend_schema(summary="Stores of the workspace"),
    create=extend_schema(summary="Create a store (admin/owner)"),
    destroy=extend_schema(
        summary="Delete a store without records (409 when it has some)",
        responses={204: None, 409: OpenApiResponse(description="The store has sales records: delete them first.")},
    ),
)
class StoreViewSet(WorkspaceScopedMixin, WorkspaceContextMixin, viewsets.ModelViewSet):
    queryset = Store.objects.all()
    serializer_class = s.StoreSerializer
    filter_backends: list = []

    def perform_create(self, serializer):
        serializer.instance = services.store_create(workspace=self.workspace, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.store_update(store=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.store_delete(store=instance)


@extend_schema_view(
    list=extend_schema(summary="Sales records, newest first (filter by store, member, date range)"),
    create=extend_schema(
        summary="Create a record, or a list of up to 1,000 (all or nothing)",
        request=s.RecordSerializer,
        responses={201: s.RecordSerializer},
    ),
)
class RecordViewSet(WorkspaceScopedMixin, WorkspaceContextMixin, viewsets.ModelViewSet):
    queryset = SalesRecord.objects.select_related("store", "recorded_by")
    serializer_class = s.RecordSerializer
    filterset_class = RecordFilter

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "list":
            s.RecordFilterQuerySerializer(data=self.request.query_params).is_valid(raise_exception=True)
        return super().filter_queryset(queryset)

    def create(self, request, *args, **kwargs):
        many = isinstance(request.data, list)
        serializer = self.get_serializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data if many else [serializer.validated_data]
        records = services.records_create(workspace=self.workspace, rows=rows, recorded_by=request.user)
        output = self.get_serializer(records if many else records[0], many=many)
        return Response(output.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.record_update(record=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.records_delete(SalesRecord.objects.filter(pk=instance.pk))

    @extend_schema(
        summary="Upload a CSV file of records (all or nothing)",
        description="Every row is checked as a record sent alone would be; one bad row refuses the whole file, "
        "with its errors under `file.<row number>.<field>` (the header is row 1). The template: "
        f"`{','.join(records_csv.COLUMNS)}`, stores by name, `recorded_by` a member's email or empty.",
        request={"multipart/form-data": s.RecordUploadSerializer},
        responses={
            201: s.RecordUploadResultSerializer,
            413: OpenApiResponse(description="The declared body is larger than a records file may be."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="upload",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def upload(self, request):
        records_csv.check_declared_size(request.headers.get("content-length"))
        upload = s.RecordUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        records = services.records_create(
            workspace=self.workspace, rows=upload.validated_data["rows"], recorded_by=request.user
        )
        return Response({"created": len(records)}, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Generate fake records (count 1…10,000, default 50)",
        parameters=[s.FakeQuerySerializer],
        request=None,
        responses={201: s.FakeResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="generate-fake", filter_backends=[], pagination_class=None)
    def generate_fake(self, request):
        query = s.FakeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = services.records_generate_fake(workspace=self.workspace, **query.validated_data)
        return Response(s.FakeResultSerializer(result).data, status=status.HTTP_201_CREATED)


class ReportView(WorkspaceScopedMixin, APIView):
    """GET the latest report of the workspace; POST (admin/owner) runs one now: 202 and the new
    report."""

    renderer_classes = [JSONRenderer, CSVRenderer]
    model: type = InsightReport
    serializer_class: type = s.InsightReportSerializer
    cache_name = ""

    def run(self):
        raise NotImplementedError

    def latest(self):
        def compute():
            report = latest_report(self.model, self.workspace)
            return None if report is None else self.serializer_class(report).data

        value = cached(services.REPORTS_NAMESPACE, self.workspace.pk, self.cache_name, {}, compute).value
        if value is None:
            raise NotFound("No report yet: POST to run one.")
        return Response(value)

    def run_now(self):
        report = self.run()
        return Response(self.serializer_class(report).data, status=status.HTTP_202_ACCEPTED)


class InsightsView(ReportView):
    model, serializer_class, cache_name = InsightReport, s.InsightReportSerializer, "insights"
    csv_rows_key = "monthly"
    csv_filename = "sales-insights"

    def run(self):
        return insights_generate(workspace_id=self.workspace.pk)

    @extend_schema(
        summary="The latest ETL report: summary, monthly trend, top users, findings",
        description=CSV_NOTE + " (the monthly trend)",
        responses={200: s.InsightReportSerializer},
    )
    def get(self, request):
        return self.latest()

    @extend_schema(summary="Run the ETL now (admin/owner)", request=None, responses={202: s.InsightReportSerializer})
    def post(self, request):
        return self.run_now()


class QualityView(ReportView):
    model, serializer_class, cache_name = QualityReport, s.QualityReportSerializer, "quality"
    csv_rows_key = "checks"
    csv_filename = "sales-quality"

    def run(self):
        return quality_check_run(workspace_id=self.workspace.pk)

    @extend_schema(
        summary="The latest data-quality report: counts, freshness, consistency, status",
        description=CSV_NOTE + " (the checks)",
        responses={200: s.QualityReportSerializer},
    )
    def get(self, request):
        return self.latest()

    @extend_schema(
        summary="Run the data-quality checks now (admin/owner)",
        request=None,
        responses={202: s.QualityReportSerializer},
    )
    def post(self, request):
        return self.run_now()
