import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import validate_timezone
from apimetrics.analytics import ORDERINGS
from apimetrics.models import MIN_RETENTION_DAYS, ApiKey, Project
from apimetrics.tracking import MAX_RESPONSE_MS, METHODS
from config.periods import PeriodQuerySerializer


class ProjectSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    retention_days = serializers.IntegerField(min_value=MIN_RETENTION_DAYS, max_value=3650, default=90)
    apdex_threshold_ms = serializers.IntegerField(min_value=1, max_value=600_000, default=500)
    active_keys = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["key", "name", "timezone", "retention_days", "apdex_threshold_ms", "active_keys", "created_at"]
        read_only_fields = ["created_at"]

    @extend_schema_field(serializers.IntegerField())
    def get_active_keys(self, project) -> int:
        return getattr(project, "active_keys", None) or 0


class ApiKeySerializer(serializers.ModelSerializer):
    """A key as listed: never its secret or hash, only the prefix that identifies it."""

    prefix = serializers.CharField(source="public_prefix", read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "is_active", "created_at", "last_used_at", "revoked_at", "expires_at"]
        read_only_fields = fields

    def get_is_active(self, api_key) -> bool:
        return api_key.is_active()


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, default="Default")


class ApiKeyRotateSerializer(serializers.Serializer):
    grace_hours = serializers.FloatField(
        min_value=0, max_value=24 * 30, default=24, help_text="How long the old key stays valid (0: revoke now)."
    )

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(hours=self.validated_data["grace_hours"])


class IssuedKeySerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The whole key. Shown once: store it now.")
    previous_key_expires_at = serializers.DateTimeField(required=False, allow_null=True)

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key", "previous_key_expires_at"]
        read_only_fields = fields


class TrackEventSerializer(serializers.Serializer):
    """Documentation of one tracked event (validation itself is :mod:`apimetrics.tracking`)."""

    method = serializers.ChoiceField(choices=sorted(METHODS))
    path = serializers.CharField(max_length=2048, help_text="Request path; ids are replaced by {id}.")
    endpoint = serializers.CharField(max_length=255, required=False, help_text="Template, e.g. /users/{id}.")
    status_code = serializers.IntegerField(min_value=100, max_value=599)
    response_time_ms = serializers.FloatField(min_value=0, max_value=MAX_RESPONSE_MS)
    timestamp = serializers.DateTimeField(required=False, help_text="Default now; last 7 days to 5 min ahead.")
    ip = serializers.IPAddressField(required=False, help_text="Stored only as a keyed hash.")
    user_agent = serializers.CharField(max_length=512, required=False)
    consumer = serializers.CharField(max_length=128, required=False)


class TrackAcceptedSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()


class SeriesQuerySerializer(PeriodQuerySerializer):
    interval = serializers.ChoiceField(
        choices=("minute", "hour", "day"),
        required=False,
        help_text="Without it: hourly, or daily when the range holds more than 5,000 hours.",
    )


class TableQuerySerializer(PeriodQuerySerializer):
    order_by = serializers.CharField(default="-requests", required=False, help_text=f"One of {', '.join(ORDERINGS)}")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100, required=False)
