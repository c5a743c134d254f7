"""The alerts API: rules (with "test now"), incidents, webhooks and their deliveries.

Every view is workspace scoped (``WorkspaceScopedMixin``): members read, admins and owners write.
"""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.tenancy import WorkspaceScopedMixin
from reports import alert_services, alerts
from reports.api import alert_serializers as s
from reports.models import AlertRule, Incident, Webhook


class _WorkspaceContext(WorkspaceScopedMixin):
    filter_backends: list[Any] = []

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "workspace": self.workspace}  # type: ignore[misc]


@extend_schema_view(
    list=extend_schema(summary="Alert rules of the workspace"),
    create=extend_schema(summary="Create an alert rule (admin/owner)"),
    retrieve=extend_schema(summary="One alert rule with its state and last reading"),
    partial_update=extend_schema(summary="Change an alert rule: snooze, mute, condition… (admin/owner)"),
    destroy=extend_schema(summary="Delete an alert rule and its incidents (admin/owner)"),
)
class RuleViewSet(_WorkspaceContext, viewsets.ModelViewSet):
    queryset = AlertRule.objects.all()
    serializer_class = s.RuleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, queryset):
        return queryset.prefetch_related("recipients", "webhooks")

    def perform_create(self, serializer):
        serializer.instance = alert_services.rule_create(
            workspace=self.workspace, user=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = alert_services.rule_update(rule=serializer.instance, data=serializer.validated_data)

    @extend_schema(
        summary="Evaluate the rule now, without changing its state or notifying anyone",
        request=None,
        responses={
            200: s.ReadingSerializer,
            409: OpenApiResponse(description="The rule's metric or what its filters name is gone."),
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        reading = alerts.read(self.get_object(), timezone.now())
        date_from, date_to = reading.period.ends()
        data = {
            "date_from": date_from,
            "date_to": date_to,
            "value": reading.value,
            "reference": reading.reference,
            "change_pct": reading.change_pct,
            "outcome": reading.outcome,
            "would_fire": bool(reading.breached),
        }
        return Response(s.ReadingSerializer(data).data)


@extend_schema(summary="Incidents of the workspace's rules, newest first, with their triggering value")
class IncidentListView(_WorkspaceContext, generics.ListAPIView):
    queryset = Incident.objects.select_related("rule")
    serializer_class = s.IncidentSerializer


@extend_schema_view(
    list=extend_schema(summary="Webhooks of the workspace"),
    create=extend_schema(
        summary="Create a webhook (admin/owner): its secret is in this answer only",
        responses={201: s.WebhookCreatedSerializer},
    ),
    retrieve=extend_schema(summary="One webhook (its secret is never shown again)"),
    destroy=extend_schema(summary="Delete a webhook and its delivery log (admin/owner)"),
)
class WebhookViewSet(
    _WorkspaceContext,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Webhook.objects.all()
    serializer_class = s.WebhookSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook = alert_services.webhook_create(
            workspace=self.workspace, user=request.user, **serializer.validated_data
        )
        return Response(s.WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The webhook's deliveries, newest first", responses={200: s.DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(self.get_object().deliveries.all())
        return self.get_paginated_response(s.DeliverySerializer(page, many=True).data)
