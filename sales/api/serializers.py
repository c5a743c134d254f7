from decimal import Decimal

from rest_framework import serializers

from accounts.models import User
from config.errors import DomainError
from config.periods import MIN_DATE, PeriodQuerySerializer
from config.periods import SeriesQuerySerializer as PeriodSeriesQuerySerializer
from sales import analytics, records_csv
from sales.models import InsightReport, QualityReport, SalesRecord, Store
from sales.services import FAKE_MAX_COUNT, local_today

MONEY_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
BULK_MAX = 1000


class StoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ["id", "name", "city", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        taken = Store.objects.filter(workspace=self.context["workspace"], name__iexact=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A store of this workspace already has this name.")
        return value


class BulkRecordSerializer(serializers.ListSerializer):
    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one record.")
        if len(attrs) > BULK_MAX:
            raise serializers.ValidationError(f"At most {BULK_MAX} records per request.")
        return attrs


class RecordSerializer(serializers.ModelSerializer):
    """A store's sales on one day. ``store`` and ``recorded_by`` must belong to the active
    workspace: anything else is "does not exist", whether it exists elsewhere or not."""

    store = serializers.PrimaryKeyRelatedField(queryset=Store.objects.none())
    recorded_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        required=False,
        help_text="A member of the workspace; defaults to the caller.",
    )
    revenue = serializers.DecimalField(**MONEY_FIELD)
    ad_spend = serializers.DecimalField(**MONEY_FIELD)
    store_name = serializers.CharField(source="store.name", read_only=True)
    recorded_by_email = serializers.EmailField(source="recorded_by.email", read_only=True, default=None)
    roas = serializers.SerializerMethodField()

    class Meta:
        model = SalesRecord
        fields = [
            "id",
            "date",
            "store",
            "store_name",
            "revenue",
            "ad_spend",
            "roas",
            "recorded_by",
            "recorded_by_email",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        list_serializer_class = BulkRecordSerializer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        workspace = self.context.get("workspace")
        if workspace is not None:
            self.fields["store"].queryset = Store.objects.filter(workspace=workspace)
            self.fields["recorded_by"].queryset = User.objects.filter(memberships__workspace=workspace)

    def get_roas(self, record) -> float | None:
        return analytics.roas(record.revenue, record.ad_spend)

    def validate_date(self, value):
        today = local_today(self.context["workspace"])
        if not MIN_DATE <= value <= today:
            raise serializers.ValidationError(f"Must be between {MIN_DATE} and today ({today}).")
        return value


class _LoadedOnceField(serializers.PrimaryKeyRelatedField):
    """Ids looked up in the field's queryset loaded once: a file's thousands of rows name a few
    stores and members, and a query per row would make the upload slow."""

    def to_internal_value(self, data):
        if not hasattr(self, "_by_pk"):
            self._by_pk = {obj.pk: obj for obj in self.get_queryset()}
        try:
            return self._by_pk[int(data)]
        except (KeyError, TypeError, ValueError):
            self.fail("does_not_exist", pk_value=data)


class RecordRowSerializer(RecordSerializer):
    """A record of an uploaded file: the same rules, with the workspace's stores and members
    loaded once for the whole file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("store", "recorded_by"):
            field = self.fields[name]
            self.fields[name] = _LoadedOnceField(queryset=field.queryset, required=field.required)


class RecordUploadSerializer(serializers.Serializer):
    """A CSV file of records, checked whole: any bad row refuses the file (errors by row number)."""

    MAX_REPORTED_ROWS = 50

    file = serializers.FileField(
        help_text=f"CSV, UTF-8, header {','.join(records_csv.COLUMNS)}: store by name, recorded_by a member's "
        f"email (empty: the uploader); up to {records_csv.MAX_ROWS:,} records and {records_csv.MAX_BYTES:,} bytes."
    )

    def validate(self, attrs):
        try:
            rows, errors = records_csv.rows_from_csv(workspace=self.context["workspace"], file=attrs["file"])
        except DomainError as error:
            raise serializers.ValidationError({"file": error.fields.get("file") or [error.message]}) from None
        checked = serializers.ListSerializer(
            child=RecordRowSerializer(context=self.context), data=rows, context=self.context
        )
        if checked.is_valid() and not errors:
            return {"rows": checked.validated_data}
        # DRF gives a list's errors by index (a dict of the bad items, or a list of every item).
        by_index = checked.errors if isinstance(checked.errors, dict) else dict(enumerate(checked.errors))
        for index, row_errors in by_index.items():
            if row_errors:
                number = str(index + records_csv.FIRST_ROW)
                errors[number] = {**row_errors, **errors.get(number, {})}
        numbers = sorted(errors, key=int)
        shown = {number: errors[number] for number in numbers[: self.MAX_REPORTED_ROWS]}
        raise serializers.ValidationError({"file": shown})


class RecordUploadResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Records stored.")


class FakeQuerySerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=FAKE_MAX_COUNT, default=50)
    seed = serializers.IntegerField(min_value=0, max_value=2**32 - 1, required=False, help_text="Reproducible data.")


class FakeResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    stores = serializers.IntegerField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_ad_spend = serializers.DecimalField(max_digits=14, decimal_places=2)


class RecordFilterQuerySerializer(PeriodQuerySerializer):
    """Validates the date range of the records list (from ≤ to, sane bounds)."""


def store_field() -> serializers.IntegerField:
    """One store's figures: its id, within the database's range (a larger one is a 400)."""
    return serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="One store's figures (its id); 404 when unknown."
    )


class SummaryQuerySerializer(PeriodQuerySerializer):
    compare = serializers.ChoiceField(
        choices=["previous", "year", "none"],
        default="previous",
        help_text="Previous period of equal length, a year back, or none (no previous nor change).",
    )
    store = store_field()


class TopUsersQuerySerializer(PeriodQuerySerializer):
    limit = serializers.IntegerField(
        min_value=1, max_value=analytics.TOP_USERS_MAX, default=analytics.TOP_USERS_DEFAULT
    )
    store = store_field()


class SeriesQuerySerializer(PeriodSeriesQuerySerializer):
    interval_choices = ("day", "week", "month")
    store = store_field()


# --- Response shapes (documentation; the views return the analytics functions' dicts) ----


class MoneyString(serializers.CharField):
    """A decimal string with two places."""


class TotalsSerializer(serializers.Serializer):
    total_revenue = MoneyString()
    total_ad_spend = MoneyString()
    roas = serializers.FloatField(allow_null=True, help_text="Revenue / ad spend; null when nothing was spent.")
    records = serializers.IntegerField()
    stores = serializers.IntegerField(help_text="Stores with records in the period.")
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    total_revenue = serializers.FloatField(allow_null=True)
    total_ad_spend = serializers.FloatField(allow_null=True)
    roas = serializers.FloatField(allow_null=True)
    records = serializers.FloatField(allow_null=True)


class SummarySerializer(TotalsSerializer):
    previous = TotalsSerializer(allow_null=True)
    change = ChangeSerializer(allow_null=True, help_text="Percent change from the previous period.")
    data_as_of = serializers.DateTimeField(help_text="When the figures were computed.")


class BucketSerializer(serializers.Serializer):
    bucket = serializers.DateField()
    revenue = MoneyString()
    ad_spend = MoneyString()
    roas = serializers.FloatField(allow_null=True)
    records = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    interval = serializers.CharField()
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    buckets = BucketSerializer(many=True)
    data_as_of = serializers.DateTimeField(help_text="When the figures were computed.")


class TopUserSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    total_revenue = MoneyString()
    total_ad_spend = MoneyString()
    roas = serializers.FloatField(allow_null=True)
    records = serializers.IntegerField()


class StorePerformanceSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()
    total_revenue = MoneyString()
    total_ad_spend = MoneyString()
    roas = serializers.FloatField(allow_null=True)
    records = serializers.IntegerField()


class StoreDetailSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()
    date_from = serializers.DateField(allow_null=True, help_text="The store's first day with data in the period.")
    date_to = serializers.DateField(allow_null=True, help_text="The store's last day with data in the period.")
    total_revenue = MoneyString()
    total_ad_spend = MoneyString()
    roas = serializers.FloatField(allow_null=True, help_text="Revenue / ad spend; null when nothing was spent.")
    records = serializers.IntegerField()
    days = BucketSerializer(many=True, help_text="Every day of the range, zero-filled.")
    top_sellers = TopUserSerializer(many=True)
    data_as_of = serializers.DateTimeField(help_text="When the figures were computed.")


def _ordered(row: dict, keys: tuple[str, ...]) -> dict:
    """``row`` with ``keys`` first, in that order: PostgreSQL's jsonb does not keep key order, and
    the CSV columns follow it."""
    return {**{key: row[key] for key in keys if key in row}, **row}


SUMMARY_KEYS = (
    "total_revenue",
    "total_ad_spend",
    "roas",
    "records",
    "days_with_sales",
    "date_from",
    "date_to",
    "average_daily_revenue",
)
MONTHLY_KEYS = ("month", "label", "revenue", "ad_spend", "roas", "records", "revenue_growth_pct")
TOP_USER_KEYS = ("rank", "user_id", "email", "full_name", "total_revenue", "total_ad_spend", "roas", "records")
FINDING_KEYS = ("level", "code", "month", "message")
CHECK_KEYS = ("name", "status", "value", "message")


class InsightReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = InsightReport
        fields = ["id", "generated_at", "duration_ms", "summary", "monthly", "top_users", "findings"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["summary"] = _ordered(data["summary"], SUMMARY_KEYS)
        data["monthly"] = [_ordered(row, MONTHLY_KEYS) for row in data["monthly"]]
        data["top_users"] = [_ordered(row, TOP_USER_KEYS) for row in data["top_users"]]
        data["findings"] = [_ordered(row, FINDING_KEYS) for row in data["findings"]]
        return data


class QualityReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityReport
        fields = ["id", "generated_at", "status", "checks", "incident_started_at", "alerted"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["checks"] = [_ordered(row, CHECK_KEYS) for row in data["checks"]]
        return data
