"""``/api/v1/digests/``: the caller's digest of the active workspace (every member may subscribe)
and a preview of its content for the last whole period."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Membership, validate_timezone
from accounts.tenancy import WorkspaceScopedMixin
from reports import digests
from reports.models import DigestSubscription


class DigestSubscriptionSerializer(serializers.ModelSerializer[DigestSubscription]):
    hour = serializers.IntegerField(min_value=0, max_value=23, help_text="Local hour the digest is sent at.")
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        validators=[validate_timezone],
        help_text="Empty: the workspace's.",
    )
    subscribed = serializers.SerializerMethodField()

    class Meta:
        model = DigestSubscription
        fields = ("frequency", "hour", "timezone", "active", "subscribed", "last_period_end", "last_sent_at")
        read_only_fields = ("last_period_end", "last_sent_at")

    def get_subscribed(self, subscription: DigestSubscription) -> bool:
        return subscription.pk is not None and subscription.active


class DigestPreviewQuerySerializer(serializers.Serializer[None]):
    frequency = serializers.ChoiceField(choices=DigestSubscription.Frequency.choices, required=False)


class DigestView(WorkspaceScopedMixin, GenericAPIView):
    """Each member manages their own digest: a viewer writes here too."""

    write_role = Membership.Role.VIEWER
    serializer_class = DigestSubscriptionSerializer
    queryset = DigestSubscription.objects.all()

    def get_object(self) -> DigestSubscription:
        """The caller's own subscription (the URL names none): also what OPTIONS describes."""
        return digests.subscription_of(self.request.user, self.workspace)


class DigestSubscriptionView(DigestView):
    @extend_schema(summary="The caller's digest of the workspace (not subscribed: the defaults, subscribed false)")
    def get(self, request):
        return Response(DigestSubscriptionSerializer(self.get_object()).data)

    @extend_schema(summary="Subscribe, change or pause the caller's digest of the workspace")
    def put(self, request):
        serializer = DigestSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = {"active": True, **serializer.validated_data}
        subscription = digests.subscription_save(user=request.user, workspace=self.workspace, **data)
        return Response(DigestSubscriptionSerializer(subscription).data)


class DigestPreviewView(DigestView):
    @extend_schema(
        summary="What the caller's digest says for the last whole period",
        parameters=[DigestPreviewQuerySerializer],
        responses={200: dict[str, Any]},
    )
    def get(self, request):
        query = DigestPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(digests.preview(self.get_object(), query.validated_data.get("frequency")))
