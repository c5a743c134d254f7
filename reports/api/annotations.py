"""``/api/v1/annotations/``: the workspace's chart marks. Members read (also as CSV); admins and
owners write; the automatic ones (imports, key rotations, incidents) are listed with their kind."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.renderers import JSONRenderer

from accounts.tenancy import WorkspaceScopedMixin
from config.api import CSVRenderer
from config.periods import PeriodQuerySerializer
from reports import annotations
from reports.models import Annotation


class AnnotationSerializer(serializers.ModelSerializer[Annotation]):
    project_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="An API project of the workspace; null: every chart."
    )
    created_by = serializers.EmailField(source="created_by.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Annotation
        fields = ("id", "project_id", "starts_at", "ends_at", "text", "kind", "created_by", "created_at")
        read_only_fields = ("kind", "created_at")


class AnnotationQuerySerializer(PeriodQuerySerializer):
    project_id = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(
        summary="Annotations overlapping a date range (per API project: its own and the workspace's)",
        parameters=[AnnotationQuerySerializer],
    ),
    create=extend_schema(summary="Mark a moment or a range on the charts (admins, owners)"),
    partial_update=extend_schema(summary="Change an annotation (admins, owners)"),
    update=extend_schema(summary="Replace an annotation (admins, owners)"),
    destroy=extend_schema(summary="Delete an annotation (admins, owners)"),
)
class AnnotationViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    queryset = Annotation.objects.select_related("created_by")
    serializer_class = AnnotationSerializer
    renderer_classes = [JSONRenderer, CSVRenderer]
    filter_backends: list[Any] = []
    csv_filename = "annotations"

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = AnnotationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        ids = annotations.annotations_in(self.workspace, query.period, query.validated_data.get("project_id"))
        return queryset.filter(pk__in=ids.values("pk"))

    def perform_create(self, serializer):
        serializer.instance = annotations.annotation_create(
            workspace=self.workspace, user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = annotations.annotation_update(
            annotation=serializer.instance, data=serializer.validated_data
        )
