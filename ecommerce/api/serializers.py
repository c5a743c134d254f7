"""Query parameters of the analytics endpoints and the transactions list serializer."""

from typing import Any

from rest_framework import serializers

from config.money import money
from config.periods import PeriodQuerySerializer
from config.periods import SeriesQuerySerializer as PeriodSeriesQuerySerializer
from ecommerce import analytics
from ecommerce.models import LineBase, ReturnLine, SalesLine

MAX_LIMIT = 250
MAX_FORECAST_DAYS = 365


def _limit_field(default: int = 10):
    return serializers.IntegerField(
        required=False, default=default, min_value=1, max_value=MAX_LIMIT, help_text=f"1 to {MAX_LIMIT}."
    )


# A filter of the lines (its query parameter) and the column it matches.
SCOPE_COLUMNS = {"country": "country", "customer": "customer_id", "product": "stock_code"}


def scope_field(name: str, help_text: str = "") -> serializers.CharField:
    """The value of the filter ``name``, at most as long as its column (a longer one is a 400,
    as an empty one is)."""
    max_length = LineBase._meta.get_field(SCOPE_COLUMNS[name]).max_length
    return serializers.CharField(max_length=max_length, required=False, help_text=help_text)


class ScopedQuerySerializer(PeriodQuerySerializer):
    """A period and the filters that narrow the lines (:class:`~ecommerce.analytics.Scope`); a
    country, customer or product without a sales line in the workspace is a 404, as its detail
    endpoint answers."""

    country = scope_field(
        "country",
        "Only this country's lines (as stored; Ireland, South Africa and United States too); 404 when the "
        "workspace has no sales line in it.",
    )
    customer = scope_field("customer", "Only this customer's lines (its id); 404 when it bought nothing.")
    product = scope_field("product", "Only this product's lines (its stock code); 404 when it never sold.")

    @property
    def params(self) -> dict[str, Any]:
        params = super().params
        values = {name: params.pop(name, None) for name in SCOPE_COLUMNS}
        return {**params, "scope": analytics.Scope(**values)}


class KpisQuerySerializer(ScopedQuerySerializer):
    compare = serializers.ChoiceField(
        choices=("previous", "year", "none"),
        default="previous",
        required=False,
        help_text="previous: the period of equal length just before; year: the same dates a year earlier.",
    )


class SeriesQuerySerializer(ScopedQuerySerializer, PeriodSeriesQuerySerializer):
    interval_choices = ("day", "week", "month", "year")


class CountriesQuerySerializer(ScopedQuerySerializer):
    order_by = serializers.ChoiceField(choices=("revenue", "units"), default="revenue", required=False)
    limit = _limit_field()


class LimitQuerySerializer(PeriodQuerySerializer):
    limit = _limit_field()


class ScopedLimitQuerySerializer(ScopedQuerySerializer):
    limit = _limit_field()


class RankingQuerySerializer(ScopedQuerySerializer):
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
