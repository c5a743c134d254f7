"""The API of the insight registry: one workspace-scoped view per insight, and the list of them.

Apps route their analytics endpoints here (``insight_view("sales.summary")``), so every
insight is served, scoped, cached, documented and exported to CSV the same way.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.tenancy import WorkspaceScopedMixin
from config.api import InsightEndpoint, insight_endpoint
from config.insights import Insight, all_insights


class WorkspaceInsightView(WorkspaceScopedMixin, InsightEndpoint):
    """An insight of the active workspace."""


def insight_view(name: str):
    """The view function serving the registered insight ``name``."""
    return insight_endpoint(WorkspaceInsightView, name).as_view()


class InsightParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="The field's kind: date, integer, choice, string…")
    required = serializers.BooleanField()
    default = serializers.JSONField(allow_null=True)
    choices = serializers.ListField(child=serializers.CharField(), allow_null=True)
    help = serializers.CharField(allow_blank=True)


class InsightMetricSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Where the value sits in the payload (dotted).")
    label = serializers.CharField()
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()


class InsightDescriptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    app = serializers.CharField()
    summary = serializers.CharField()
    parameters = InsightParameterSerializer(many=True)
    metrics = InsightMetricSerializer(many=True, help_text="Scalars that alerts and digests can read.")


def _parameter(name: str, field: serializers.Field) -> dict[str, Any]:
    choices = getattr(field, "choices", None)
    return {
        "name": name,
        "type": "choice" if choices else type(field).__name__.removesuffix("Field").lower(),
        "required": field.required,
        "default": None if field.default is empty else field.default,
        "choices": [str(choice) for choice in choices] if choices else None,
        "help": str(field.help_text or ""),
    }


def describe(insight: Insight) -> dict[str, Any]:
    """What a client needs to ask for ``insight`` and read its scalars."""
    fields = insight.query().fields
    return {
        "name": insight.name,
        "app": insight.app,
        "summary": insight.summary,
        "parameters": [
            *(_parameter(name, field) for name, field in fields.items()),
            *(_parameter(name, serializers.CharField(help_text="Named in the URL.")) for name in insight.url_params),
        ],
        "metrics": [metric.describe() for metric in insight.metrics],
    }


class InsightListView(WorkspaceScopedMixin, APIView):
    pagination_class = None

    @extend_schema(
        summary="Every insight a workspace can chart, alert on or put in a digest",
        description="Not paginated: one entry per insight the code registers, a short fixed list.",
        responses=InsightDescriptionSerializer(many=True),
    )
    def get(self, request):
        return Response([describe(insight) for insight in all_insights()])
