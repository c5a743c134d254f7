"""Query parameters of the analytics endpoints and the transactions list serializer."""

from rest_framework import serializers

from config.money import money
from config.periods import PeriodQuerySerializer, serializer_for_intervals
from ecommerce import analytics
from ecommerce.models import ReturnLine, SalesLine

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


class RankingQuerySerializer(PeriodQuerySerializer):
    order_by = serializers.ChoiceField(
        choices=tuple(analytics.ORDERINGS),
        default="net",
        required=False,
        help_text="net: sales − returns of the period (the default); gross: sales (revenue is its earlier "
        "name); units: units sold; returns: value returned.",
    )
    limit = _limit_field()


class ForecastQuerySerializer(PeriodQuerySerializer):
    periods = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=MAX_FORECAST_DAYS, help_text="Days to forecast, 1 to 365."
    )


class TransactionSerializer(serializers.ModelSerializer):
    """A sales line, read as the values of :attr:`COLUMNS` (``values(*COLUMNS)``: no model
    instance). The declared fields give the schema; :meth:`to_representation` writes them
    directly, five times faster than DRF's walk through them: the CSV export shows every line
    of a workspace."""

    unit_price = serializers.CharField(read_only=True, help_text="As in the file, 3 decimal places.")
    amount = serializers.CharField(read_only=True, help_text="quantity × unit price, to the cent.")
    invoice_date = serializers.DateTimeField(read_only=True, help_text="Local time in the workspace time zone.")
    country_label = serializers.CharField(read_only=True, help_text="The country as shown (EIRE is Ireland).")

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

    COLUMNS = tuple(name for name in Meta.fields if name != "country_label")  # what is read

    def to_representation(self, line: dict) -> dict:
        return {
            "id": line["id"],
            "invoice_no": line["invoice_no"],
            "stock_code": line["stock_code"],
            "description": line["description"],
            "quantity": line["quantity"],
            "unit_price": f"{line['unit_price']:f}",
            "amount": money(line["amount"]),
            "invoice_date": line["invoice_date"].astimezone(self.context["tz"]).isoformat(),
            "customer_id": line["customer_id"],
            "country": line["country"],
            "country_label": analytics.country_label(line["country"]),
            "is_product": line["is_product"],
        }


class ReturnLineSerializer(TransactionSerializer):
    """A return line, shown as a sales line is (:class:`TransactionSerializer`)."""

    amount = serializers.CharField(
        read_only=True, help_text="|quantity| × unit price: the value returned, to the cent."
    )

    class Meta(TransactionSerializer.Meta):
        model = ReturnLine
