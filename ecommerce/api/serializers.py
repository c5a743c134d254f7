"""Query parameters of the analytics endpoints and the transactions list serializer."""

from rest_framework import serializers

from config.money import money
from config.periods import PeriodQuerySerializer, serializer_for_intervals
from ecommerce import analytics
from ecommerce.models import SalesLine

MAX_LIMIT = 250
MAX_FORECAST_DAYS = 365


def _limit_field(default: int = 10):
    return serializers.IntegerField(
        required=False, default=default, min_value=1, max_value=MAX_LIMIT, help_text=f"1 to {MAX_LIMIT}."
    )


class KpisQuerySerializer(PeriodQuerySerializer):
    compare = serializers.ChoiceField(
        choices=("previous", "year", "none"),
        default="previous",
        required=False,
        help_text="previous: the period of equal length just before; year: the same dates a year earlier.",
    )


SeriesQuerySerializer = serializer_for_intervals("day", "week", "month", "year", default="day")


class CountriesQuerySerializer(PeriodQuerySerializer):
    order_by = serializers.ChoiceField(choices=("revenue", "units"), default="revenue", required=False)
    limit = _limit_field()


class LimitQuerySerializer(PeriodQuerySerializer):
    limit = _limit_field()


class ProductsQuerySerializer(PeriodQuerySerializer):
    order_by = serializers.ChoiceField(choices=("revenue", "units"), default="revenue", required=False)
    limit = _limit_field()


class ForecastQuerySerializer(PeriodQuerySerializer):
    periods = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=MAX_FORECAST_DAYS, help_text="Days to forecast, 1 to 365."
    )


class TransactionSerializer(serializers.ModelSerializer):
    invoice_date = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    country_label = serializers.SerializerMethodField()

    class Meta:
        model = SalesLine
        fields = [
            "id",
            "invoice_no",
            "stock_code",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "invoice_date",
            "customer_id",
            "country",
            "country_label",
            "is_product",
        ]

    def get_invoice_date(self, line) -> str:
        """Local time in the workspace time zone."""
        return line.invoice_date.astimezone(self.context["tz"]).isoformat()

    def get_amount(self, line) -> str:
        return money(line.amount)

    def get_country_label(self, line) -> str:
        return analytics.country_label(line.country)
