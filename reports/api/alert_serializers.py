"""What the alerts API reads and writes; the HTML forms validate with the same serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from config.errors import DomainError
from config.insights import get_insight, scalar_insights
from config.periods import MIN_DATE, Period
from reports.models import AlertRule, Incident, Webhook, WebhookDelivery
from reports.models.alerts import CADENCES, MAX_HOLD_MINUTES, MAX_WEEKS, MAX_WINDOW_DAYS

Condition, Direction = AlertRule.Condition, AlertRule.Direction
MAX_FILTER_CHARS = 200
# What the rule-wide checks read: on a PATCH, the stored value of what was not sent.
CHECKED = ("insight", "metric", "filters", "condition", "direction", "threshold", "weeks")


def metric_choices() -> list[tuple[str, str]]:
    """``(insight, metric)`` pairs a rule can watch, as ``"insight:metric"`` with a label."""
    return [
        (f"{insight.name}:{metric.path}", f"{metric.label} ({insight.name})")
        for insight in scalar_insights()
        for metric in insight.metrics
    ]


class RuleSerializer(serializers.ModelSerializer):
    """A rule; ``insight`` and ``metric`` name a scalar of ``GET /api/v1/insights/``, ``filters``
    that insight's parameters other than the dates (``{"key": "shop-api"}`` for a project)."""

    recipients = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.none(), required=False, help_text="Members mailed at each transition."
    )
    webhooks = serializers.PrimaryKeyRelatedField(many=True, queryset=Webhook.objects.none(), required=False)
    filters = serializers.DictField(child=serializers.CharField(max_length=MAX_FILTER_CHARS), required=False)
    cadence_minutes = serializers.ChoiceField(choices=CADENCES, default=60)
    window_days = serializers.IntegerField(min_value=1, max_value=MAX_WINDOW_DAYS, default=1)
    hold_minutes = serializers.IntegerField(min_value=0, max_value=MAX_HOLD_MINUTES, default=0)
    weeks = serializers.IntegerField(min_value=1, max_value=MAX_WEEKS, default=4)

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "insight",
            "metric",
            "filters",
            "condition",
            "direction",
            "threshold",
            "baseline",
            "weeks",
            "cadence_minutes",
            "window_days",
            "include_today",
            "hold_minutes",
            "snoozed_until",
            "muted",
            "recipients",
            "webhooks",
            "state",
            "pending_since",
            "last_evaluated_at",
            "last_outcome",
            "last_value",
            "last_error",
            "next_run_at",
            "created_at",
        ]
        read_only_fields = [
            "state",
            "pending_since",
            "last_evaluated_at",
            "last_outcome",
            "last_value",
            "last_error",
            "next_run_at",
            "created_at",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workspace = self.context.get("workspace")
        if workspace is not None:
            self.fields["recipients"].child_relation.queryset = User.objects.filter(memberships__workspace=workspace)
            self.fields["webhooks"].child_relation.queryset = Webhook.objects.filter(workspace=workspace)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        merged = {name: getattr(self.instance, name) for name in CHECKED if self.instance is not None}
        merged.update(attrs)
        check_rule(self.context["workspace"], merged)
        return attrs


def check_rule(workspace: Any, rule: dict[str, Any]) -> None:
    """What no single field says: the metric is registered, the filters are the insight's and
    name something of ``workspace``, the condition's settings fit it (a ValidationError)."""
    _check_metric(rule.get("insight", ""), rule.get("metric", ""))
    _check_filters(workspace, rule["insight"], rule.get("filters") or {})
    _check_condition(rule)


def _check_metric(name: str, path: str) -> None:
    insight = next((insight for insight in scalar_insights() if insight.name == name), None)
    if insight is None:
        raise serializers.ValidationError({"insight": ["Not an insight with scalars: see GET /api/v1/insights/."]})
    if path not in {metric.path for metric in insight.metrics}:
        raise serializers.ValidationError({"metric": [f"Not a metric of {name}."]})


def _check_filters(workspace: Any, name: str, filters: dict[str, str]) -> None:
    """The filters must be the insight's parameters and name something of this workspace."""
    insight = get_insight(name)
    try:
        # Any day: filters are checked, not the data they would read.
        params = insight.scalar_params(Period(MIN_DATE, MIN_DATE), filters)
        if insight.resolve is not None:
            insight.resolve(workspace, params)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"filters": error.detail}) from error
    except DomainError as error:
        raise serializers.ValidationError(
            {"filters": [f"Names nothing in this workspace ({error.message})"]}
        ) from error


def _check_condition(rule: dict[str, Any]) -> None:
    condition, threshold = rule.get("condition"), rule.get("threshold")
    if condition == Condition.THRESHOLD and rule.get("direction") == Direction.EITHER:
        raise serializers.ValidationError(
            {"direction": ["A threshold is crossed upwards (above) or downwards (below)."]}
        )
    if condition in (Condition.CHANGE, Condition.ANOMALY) and threshold is not None and threshold <= 0:
        what = "percent" if condition == Condition.CHANGE else "number of MADs"
        raise serializers.ValidationError({"threshold": [f"Must be a positive {what}."]})
    if condition == Condition.ANOMALY and rule.get("weeks", 4) < 3:
        raise serializers.ValidationError({"weeks": ["A band needs at least 3 weeks."]})


class ReadingSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    value = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    reference = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    change_pct = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    outcome = serializers.ChoiceField(choices=AlertRule.Outcome.choices)
    would_fire = serializers.BooleanField(help_text="The condition holds now (the hold time aside).")


class IncidentSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "rule", "rule_name", "status", "opened_at", "value", "reference", "resolved_at"]
        fields += ["resolved_value", "notified"]
        read_only_fields = fields

    def get_status(self, incident: Incident) -> str:
        return "resolved" if incident.resolved_at else "firing"


class WebhookSerializer(serializers.ModelSerializer):
    secret_hint = serializers.CharField(read_only=True, help_text="The secret's first characters.")

    class Meta:
        model = Webhook
        fields = ["id", "name", "url", "secret_hint", "created_at"]
        read_only_fields = ["id", "secret_hint", "created_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown in this answer only: keep it to verify signatures.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "incident", "status", "attempts", "response_status", "error", "created_at"]
        fields += ["delivered_at", "payload"]
        read_only_fields = fields
