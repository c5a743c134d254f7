"""Order-file imports: upload (202 + job, processed by Celery), list and detail of jobs."""

from django.db import transaction
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.tenancy import WorkspaceScopedMixin
from ecommerce import services
from ecommerce.models import ImportJob
from ecommerce.throttles import import_throttles


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
    services.upload_size_check(declared)


UPLOAD_DESCRIPTION = """Stores the file as an import job and answers 202 with the job **as it stands when the
answer is sent**:

- where imports run on Celery workers (production), usually `pending` (or `running`): poll
  `GET /api/v1/ecommerce/imports/{id}` for its status and report;
- in the embedded default (tasks run eagerly, in the request) and while the broker is down, the
  import has already run: the job is `succeeded` with its report, or `failed` with its error.

Only users who confirmed their email address upload (403 otherwise). Uploads over the size
limit are refused with 413 from their Content-Length. A workspace has at most
`PULSE_MAX_ACTIVE_IMPORTS` imports waiting or running (409 `too_many_imports`), and uploads are
throttled per user (`THROTTLE_IMPORT_USER`) and per workspace (`THROTTLE_IMPORT_WORKSPACE`), 429
with `Retry-After`. An import replaces the workspace's lines of every invoice the file contains,
so re-importing does not double. The uploaded file is deleted once its job has finished."""


@extend_schema_view(
    get=extend_schema(summary="Import jobs of the workspace, newest first", responses=ImportJobSerializer(many=True)),
)
# Not in the request's transaction: the job is committed before a worker looks for it, and an
# import run in the request (eagerly) commits on its own.
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ImportJobListView(WorkspaceScopedMixin, generics.ListAPIView):
    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_throttles(self) -> list:
        return import_throttles() if self.request.method == "POST" else super().get_throttles()

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            check_declared_size(request)  # before authentication, which may read a form body
        super().initial(request, *args, **kwargs)

    @extend_schema(
        summary="Upload an order file (owners and admins)",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="No file"),
            403: OpenApiResponse(description="A viewer, or an email address not confirmed yet"),
            409: OpenApiResponse(description="`too_many_imports`: the workspace's imports waiting or running"),
            413: OpenApiResponse(description="Too large"),
            429: OpenApiResponse(description="Too many uploads by this user or to this workspace"),
        },
    )
    def post(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = services.import_upload(workspace=self.workspace, user=request.user, upload=upload.validated_data["file"])
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(summary="One import job: status, report or error"))
class ImportJobDetailView(WorkspaceScopedMixin, generics.RetrieveAPIView):
    queryset = ImportJob.objects.select_related("created_by")
    serializer_class = ImportJobSerializer
