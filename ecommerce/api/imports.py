"""Order-file imports: upload (202 + job, processed by Celery), list and detail of jobs."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.tenancy import WorkspaceScopedMixin
from config.exceptions import PayloadTooLarge
from config.queue import enqueue_on_commit
from ecommerce import services
from ecommerce.models import ImportJob
from ecommerce.tasks import import_orders


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", read_only=True, default=None)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "source_name",
            "sha256",
            "report",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, CSV.GZ or XLSX in the Online Retail layout (InvoiceNo, StockCode, Description, Quantity, "
        "InvoiceDate, UnitPrice, CustomerID, Country); UTF-8 or ISO-8859-1; dates M/D/YYYY H:MM or ISO 8601, "
        "local time in the workspace time zone."
    )


def check_declared_size(request) -> None:
    """413 from the declared Content-Length, before anything reads the body."""
    try:
        declared = int(request.headers.get("content-length") or 0)
    except ValueError:
        declared = 0
    limit = settings.PULSE_MAX_UPLOAD_BYTES
    if declared > limit:
        raise PayloadTooLarge(f"The upload is {declared:,} bytes; the limit is {limit:,} bytes.")


@extend_schema_view(
    get=extend_schema(summary="Import jobs of the workspace, newest first", responses=ImportJobSerializer(many=True)),
)
class ImportJobListView(WorkspaceScopedMixin, generics.ListAPIView):
    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            check_declared_size(request)  # before authentication, which may read a form body
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Upload an order file (owners and admins)",
        description="Answers 202 with the pending job; poll `GET /api/v1/ecommerce/imports/{id}` for its status "
        "and report. Uploads over the size limit are refused with 413 from their Content-Length. An import "
        "replaces the workspace's lines of every invoice the file contains, so re-importing does not double.",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="No file"),
            413: OpenApiResponse(description="Too large"),
        },
    )
    def post(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = services.import_job_create(
            workspace=self.workspace, user=request.user, upload=upload.validated_data["file"]
        )
        # With the broker down the import runs here rather than being lost.
        enqueue_on_commit(import_orders, job.pk)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(summary="One import job: status, report or error"))
class ImportJobDetailView(WorkspaceScopedMixin, generics.RetrieveAPIView):
    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
