"""``/api/v1/share-links/``: read-only links to one dashboard. Owners and admins list, create and
revoke them (DELETE revokes: the link stays listed with its views); the token is answered once."""

from typing import Any
from urllib.parse import urlsplit

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.models import Membership
from accounts.tenancy import WorkspaceScopedMixin
from reports import sharing
from reports.models import ShareLink


def _origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise serializers.ValidationError(f"{value!r} is not an origin (scheme://host[:port]).")
    return f"{parts.scheme}://{parts.netloc}".lower()


class ShareLinkSerializer(serializers.ModelSerializer[ShareLink]):
    dashboard = serializers.ChoiceField(choices=sorted(sharing.DASHBOARDS))
    filters = serializers.DictField(
        child=serializers.CharField(max_length=100), required=False, help_text="Fixed filters of the page."
    )
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=128, style={"input_type": "password"}
    )
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=10, help_text="May embed the page."
    )
    rolling_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=3660)
    has_password = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Only in the answer to its creation: the token is not kept.")

    class Meta:
        model = ShareLink
        fields = (
            "id", "label", "dashboard", "filters", "range_kind", "date_from", "date_to", "rolling_days",
            "expires_at", "password", "has_password", "allowed_origins", "allow_csv", "view_count", "last_viewed_at",
            "revoked_at", "created_at", "url",
        )  # fmt: skip
        read_only_fields = ("view_count", "last_viewed_at", "revoked_at", "created_at")

    def validate_filters(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(sharing.FILTERS))
        if unknown:
            raise serializers.ValidationError(f"Unknown filters: {', '.join(unknown)}.")
        return value

    def validate_allowed_origins(self, value: list[str]) -> list[str]:
        return sorted({_origin(origin) for origin in value})

    def get_url(self, link: ShareLink) -> str | None:
        issued = self.context.get("issued")
        return self.context["request"].build_absolute_uri(issued.path) if issued else None


@extend_schema_view(
    list=extend_schema(summary="Share links of the workspace with their views (owners, admins)"),
    retrieve=extend_schema(summary="One share link (owners, admins)"),
    create=extend_schema(summary="Create a share link; its URL is answered this once (owners, admins)"),
    destroy=extend_schema(summary="Revoke a share link (owners, admins)"),
)
class ShareLinkViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ShareLink.objects.all()
    serializer_class = ShareLinkSerializer
    filter_backends: list[Any] = []
    read_role = Membership.Role.ADMIN
    role_message = "Owners and admins manage share links."

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = sharing.share_link_create(workspace=self.workspace, user=request.user, **serializer.validated_data)
        body = ShareLinkSerializer(issued.link, context={**self.get_serializer_context(), "issued": issued}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ShareLink) -> None:
        sharing.share_link_revoke(link=instance)
