import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import validate_timezone
from apimetrics import analytics, filters
from apimetrics.keys import MAX_GRACE_HOURS
from apimetrics.models import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, ApiKey, Project, default_retention_days
from apimetrics.tables import ORDERINGS
from apimetrics.tracking import MAX_RESPONSE_MS, METHODS
from config.periods import TimePeriodQuerySerializer


class ProjectSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    retention_days = serializers.IntegerField(
        min_value=MIN_RETENTION_DAYS,
        max_value=MAX_RETENTION_DAYS,
        default=default_retention_days,
        help_text="Days of raw events kept (rollups are kept for ever). Default: the server's, 90 unless configured.",
    )
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
        min_value=0,
        max_value=MAX_GRACE_HOURS,
        required=False,
        help_text="How long the old key stays valid (0: revoke now). Default: the server's, 24 unless configured.",
    )

    @property
    def grace(self) -> dt.timedelta | None:
        hours = self.validated_data.get("grace_hours")
        return None if hours is None else dt.timedelta(hours=hours)


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


class FilteredQuerySerializer(TimePeriodQuerySerializer):
    """The filters of a project's figures (:mod:`apimetrics.filters`): one endpoint, one consumer,
    one status class; a 404 names one the project never had."""

    endpoint = filters.endpoint_field()
    consumer = filters.consumer_field()
    status_class = filters.status_class_field()

    def validate_endpoint(self, value: str) -> tuple[str, str]:
        return filters.endpoint_key(value)


class SummaryQuerySerializer(FilteredQuerySerializer):
    pass


class SeriesQuerySerializer(TimePeriodQuerySerializer):
    interval = serializers.ChoiceField(
        choices=analytics.INTERVALS,
        required=False,
        help_text="Without it: the finest that keeps the series at 500 buckets or fewer: by the minute up to "
        "500 minutes, by the hour up to 500 hours, by the day beyond.",
    )


class FilteredSeriesQuerySerializer(FilteredQuerySerializer, SeriesQuerySerializer):
    pass


class TableQuerySerializer(FilteredQuerySerializer):
    """A per-endpoint or per-consumer table, sortable by any column but ``other_column`` (the
    grouping it does not have)."""

    other_column = ""
    order_by = serializers.CharField(default="-requests", required=False, help_text=f"One of {', '.join(ORDERINGS)}")
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100, required=False)

    def validate_order_by(self, value: str) -> str:
        allowed = tuple(ordering for ordering in ORDERINGS if ordering != self.other_column)
        if value.lstrip("-") not in allowed:
            raise serializers.ValidationError(f"One of {', '.join(allowed)} (prefix '-' for descending).")
        return value


class EndpointsQuerySerializer(TableQuerySerializer):
    other_column = "consumer"


class EndpointDetailQuerySerializer(SeriesQuerySerializer):
    method = serializers.CharField(max_length=10, help_text="The HTTP method, as tracked (GET).")
    endpoint = serializers.CharField(max_length=255, help_text="The endpoint template, as tracked (/users/{id}).")
    limit = serializers.IntegerField(
        min_value=1, max_value=1000, default=10, required=False, help_text="How many of its slowest consumers."
    )


class ConsumerDetailQuerySerializer(SeriesQuerySerializer):
    consumer = serializers.CharField(
        max_length=128, allow_blank=True, help_text="The consumer; empty for the requests sent without one."
    )


class SlowestQuerySerializer(FilteredQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=10, required=False)


class ConsumersQuerySerializer(TableQuerySerializer):
    other_column = "endpoint"


# --- what the metrics endpoints answer (apimetrics.analytics) ------------------------------
# Documentation only: the views answer analytics' dicts as they are, and a test checks every
# response against these fields, both ways.


class _MetaSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="The project's key.")
    date_from = serializers.CharField(allow_null=True, help_text="As asked: an ISO date, or a date-time in UTC.")
    date_to = serializers.CharField(allow_null=True, help_text="As asked: an ISO date, or a date-time in UTC.")
    rolled_until = serializers.DateTimeField(
        allow_null=True, help_text="The rollup watermark: later events are read from the raw table."
    )
    data_as_of = serializers.DateTimeField()


class _StatsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    errors_4xx = serializers.IntegerField()
    errors_5xx = serializers.IntegerField()
    error_rate_4xx = serializers.FloatField(help_text="Percent.")
    error_rate_5xx = serializers.FloatField(help_text="Percent.")
    avg_ms = serializers.FloatField(allow_null=True)
    p50_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)
    p99_ms = serializers.FloatField(allow_null=True)


class _SummaryStatsSerializer(_StatsSerializer):
    status_2xx = serializers.IntegerField()
    status_3xx = serializers.IntegerField()
    apdex = serializers.FloatField(allow_null=True)
    throughput_rpm = serializers.FloatField(help_text="Requests per minute.")


class ApiSummaryPreviousSerializer(_SummaryStatsSerializer):
    """The same figures over the period of equal length just before."""


class ApiSummaryChangeSerializer(serializers.Serializer):
    """Percent change from the previous period; null where the previous figure is 0 or null."""

    requests = serializers.FloatField(allow_null=True)
    error_rate_4xx = serializers.FloatField(allow_null=True)
    error_rate_5xx = serializers.FloatField(allow_null=True)
    throughput_rpm = serializers.FloatField(allow_null=True)
    avg_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)


class ApiSummarySerializer(_MetaSerializer, _SummaryStatsSerializer):
    apdex_threshold_ms = serializers.IntegerField()
    previous = ApiSummaryPreviousSerializer(allow_null=True, help_text="Null without date_from and date_to.")
    change_pct = ApiSummaryChangeSerializer(allow_null=True, help_text="Null without date_from and date_to.")


class _BucketSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="The bucket's start: a local date, or a date and time with its offset.")


class ApiTimeSeriesBucketSerializer(_BucketSerializer, _SummaryStatsSerializer):
    throughput_rpm = serializers.FloatField(help_text="Requests per minute of the bucket.")


class ApiTimeSeriesSerializer(_MetaSerializer):
    interval = serializers.CharField()
    timezone = serializers.CharField(help_text="The project's time zone, which the buckets follow.")
    series = ApiTimeSeriesBucketSerializer(many=True)


class _TableRowSerializer(_StatsSerializer):
    errors_total = serializers.IntegerField()
    error_rate = serializers.FloatField(help_text="Percent.")
    traffic_share = serializers.FloatField(help_text="Percent of the project's requests in the range.")
    apdex = serializers.FloatField(
        allow_null=True, help_text="From the merged latency histograms, with the project's threshold."
    )


class ApiEndpointRowSerializer(_TableRowSerializer):
    method = serializers.CharField()
    endpoint = serializers.CharField()


class ApiConsumerRowSerializer(_TableRowSerializer):
    consumer = serializers.CharField(allow_null=True, help_text="Null for the events sent without one.")


class ApiEndpointsSerializer(_MetaSerializer):
    order_by = serializers.CharField()
    total_endpoints = serializers.IntegerField()
    endpoints = ApiEndpointRowSerializer(many=True)


class ApiConsumersSerializer(_MetaSerializer):
    order_by = serializers.CharField()
    total_consumers = serializers.IntegerField()
    consumers = ApiConsumerRowSerializer(many=True)


class ApiSlowestSerializer(ApiEndpointsSerializer):
    """The endpoints table ordered by ``-p95_ms``."""


class ApiStatusCodeSerializer(serializers.Serializer):
    status_code = serializers.IntegerField()
    status_class = serializers.CharField(help_text="2xx, 3xx, 4xx or 5xx.")
    requests = serializers.IntegerField()
    share = serializers.FloatField(help_text="Percent of the requests of the whole (the endpoint's, in rows).")


class ApiStatusCodeRowSerializer(ApiStatusCodeSerializer):
    method = serializers.CharField()
    endpoint = serializers.CharField()


class ApiStatusCodesSerializer(_MetaSerializer):
    requests = serializers.IntegerField()
    classes = serializers.DictField(child=serializers.IntegerField(), help_text="Requests by class: 2xx … 5xx.")
    codes = ApiStatusCodeSerializer(many=True)
    rows = ApiStatusCodeRowSerializer(many=True, help_text="One per endpoint and status code.")


class ApiStatusBucketSerializer(_BucketSerializer):
    requests = serializers.IntegerField()
    status_2xx = serializers.IntegerField()
    status_3xx = serializers.IntegerField()
    status_4xx = serializers.IntegerField()
    status_5xx = serializers.IntegerField()
    codes = serializers.DictField(child=serializers.IntegerField(), help_text="Requests by status code.")


class ApiStatusSeriesSerializer(_MetaSerializer):
    interval = serializers.CharField()
    timezone = serializers.CharField()
    series = ApiStatusBucketSerializer(many=True)


class ApiDetailTotalsSerializer(_StatsSerializer):
    apdex = serializers.FloatField(allow_null=True)
    traffic_share = serializers.FloatField(help_text="Percent of the project's requests in the range.")


class ApiDetailBucketSerializer(_BucketSerializer, _StatsSerializer):
    apdex = serializers.FloatField(allow_null=True)
    codes = serializers.DictField(child=serializers.IntegerField(), help_text="Requests by status code.")


class _DetailSerializer(_MetaSerializer):
    interval = serializers.CharField()
    timezone = serializers.CharField()
    totals = ApiDetailTotalsSerializer()
    codes = ApiStatusCodeSerializer(many=True)
    series = ApiDetailBucketSerializer(many=True)


class ApiEndpointConsumerRowSerializer(ApiConsumerRowSerializer):
    traffic_share = serializers.FloatField(help_text="Percent of the endpoint's requests in the range.")


class ApiEndpointDetailSerializer(_DetailSerializer):
    method = serializers.CharField()
    endpoint = serializers.CharField()
    consumers = ApiEndpointConsumerRowSerializer(
        many=True, help_text="Its slowest consumers by p95, slowest first (`limit` of them; `table=consumers` in CSV)."
    )
    total_consumers = serializers.IntegerField(help_text="How many consumers called it in the range.")


class ApiConsumerDetailSerializer(_DetailSerializer):
    consumer = serializers.CharField(help_text="Empty for the requests sent without a consumer.")
