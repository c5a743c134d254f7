"""What the e-commerce insights answer (:mod:`ecommerce.analytics`), for the API schema.

Documentation only: the views answer the analytics functions' dicts as they are, and
``tests/ecommerce/test_schema.py`` checks real answers against these fields, both ways. Fields
that only some answers carry (a fitted model's parameters) are ``required=False``.
"""

from rest_framework import serializers


class Money(serializers.CharField):
    """A decimal string with two places ("1234.50")."""


_money = Money  # the serializers below name their fields by kind: _money, _share


def nullable_float(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


def _share() -> serializers.FloatField:
    return nullable_float("A fraction of the total, 4 places; null when the total is 0.")


class _PeriodSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True, help_text="First local day (null without data).")
    date_to = serializers.DateField(allow_null=True, help_text="Last local day (null without data).")


class AnswerSerializer(_PeriodSerializer):
    data_as_of = serializers.DateTimeField(help_text="When the result was computed.")


# --- KPIs --------------------------------------------------------------------------------------


class EcommerceKpiFiguresSerializer(serializers.Serializer):
    revenue = _money()
    net_revenue = _money(help_text="Revenue − returns value.")
    orders = serializers.IntegerField()
    customers = serializers.IntegerField()
    products = serializers.IntegerField()
    units = serializers.IntegerField()
    average_order_value = _money(allow_null=True, help_text="Null without orders.")
    returns_value = _money()
    return_rate = nullable_float("Returns value / revenue; null without revenue.")


class EcommerceKpisPreviousSerializer(_PeriodSerializer, EcommerceKpiFiguresSerializer):
    """The same figures over the comparison period."""


class EcommerceMoneyDeltaSerializer(serializers.Serializer):
    change = _money(allow_null=True, help_text="Null when either figure is null.")
    pct = nullable_float("Percent change; null without a base.")


class EcommerceCountDeltaSerializer(serializers.Serializer):
    change = serializers.IntegerField(allow_null=True)
    pct = nullable_float("Percent change; null without a base.")


class EcommerceRatioDeltaSerializer(serializers.Serializer):
    change = nullable_float()
    pct = nullable_float("Percent change; null without a base.")


class EcommerceKpiDeltasSerializer(serializers.Serializer):
    revenue = EcommerceMoneyDeltaSerializer()
    net_revenue = EcommerceMoneyDeltaSerializer()
    orders = EcommerceCountDeltaSerializer()
    customers = EcommerceCountDeltaSerializer()
    products = EcommerceCountDeltaSerializer()
    units = EcommerceCountDeltaSerializer()
    average_order_value = EcommerceMoneyDeltaSerializer()
    returns_value = EcommerceMoneyDeltaSerializer()
    return_rate = EcommerceRatioDeltaSerializer()


class EcommerceKpisSerializer(AnswerSerializer, EcommerceKpiFiguresSerializer):
    compare = serializers.CharField(help_text="previous, year or none.")
    previous = EcommerceKpisPreviousSerializer(allow_null=True, help_text="Null with compare=none or without data.")
    deltas = EcommerceKpiDeltasSerializer(allow_null=True, help_text="Null with compare=none or without data.")


# --- Series --------------------------------------------------------------------------------------


class EcommerceSeriesRowSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="The bucket's name: 2011-01-03, 2011-01 or 2011.")
    start = serializers.DateField(help_text="The bucket's first local day.")
    revenue = _money()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    partial = serializers.BooleanField(
        help_text="True when the range or the data (its first to last day with sales) covers only part of the bucket."
    )
    growth_pct = nullable_float(
        "Against the previous bucket; null without a base, and null when this bucket or the previous one is partial."
    )
    growth_partial = serializers.BooleanField(
        help_text="True when growth_pct is null because this bucket or the previous one is partial."
    )


class EcommerceSeriesSerializer(AnswerSerializer):
    interval = serializers.CharField()
    rows = EcommerceSeriesRowSerializer(many=True)


class EcommerceSeriesPreviousSerializer(_PeriodSerializer):
    rows = EcommerceSeriesRowSerializer(many=True)


class EcommerceSeriesCompareSerializer(EcommerceSeriesSerializer):
    previous = EcommerceSeriesPreviousSerializer(
        allow_null=True, help_text="The comparison period (compare=previous or year); null with compare=none."
    )


class EcommerceGrowthRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="2011-01.")
    start = serializers.DateField(help_text="The month's first day.")
    revenue = _money()
    previous_revenue = _money(allow_null=True)
    change = _money(allow_null=True)
    partial = serializers.BooleanField(help_text="The month is covered only in part (see the series).")
    growth_pct = nullable_float("Null when this month or the previous one is partial.")
    growth_partial = serializers.BooleanField()


class EcommerceGrowthSerializer(AnswerSerializer):
    rows = EcommerceGrowthRowSerializer(many=True)


# --- Countries -----------------------------------------------------------------------------------


class EcommerceCountryRowSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="As in the data (EIRE).")
    label = serializers.CharField(help_text="As shown (Ireland).")
    revenue = _money()
    units = serializers.IntegerField()
    orders = serializers.IntegerField()
    customers = serializers.IntegerField()
    average_order_value = _money(allow_null=True)
    revenue_share = _share()


class EcommerceCountriesSerializer(AnswerSerializer):
    order_by = serializers.CharField()
    total_revenue = _money()
    countries_total = serializers.IntegerField(help_text="Countries with sales, before the limit.")
    rows = EcommerceCountryRowSerializer(many=True)


class _ReturnsAwareSerializer(serializers.Serializer):
    """What a returns-aware ranking adds to a row (``ecommerce.analytics.rankings``)."""

    returns_value = _money(help_text="Value returned in the period.")
    returned_units = serializers.IntegerField(help_text="Units returned in the period.")
    net_revenue = _money(help_text="Gross sales − returns value; the default ranking.")
    return_rate = nullable_float("Returns value / gross sales; null without sales.")
    cancelled_orders = serializers.IntegerField(
        help_text="Orders cancelled in full: every line reversed by a return of the same customer, stock code, "
        "unit price and opposite quantity, at or after the sale."
    )
    cancelled_value = _money(help_text="Gross value of this row's lines in those orders.")


class EcommerceProductRowSerializer(_ReturnsAwareSerializer):
    stock_code = serializers.CharField()
    description = serializers.CharField()
    revenue = _money(help_text="Gross sales.")
    units = serializers.IntegerField(help_text="Units sold.")
    orders = serializers.IntegerField()
    average_price = _money(allow_null=True)


class EcommerceProductCountrySerializer(serializers.Serializer):
    country = serializers.CharField(help_text="As in the data (EIRE).")
    label = serializers.CharField(help_text="As shown (Ireland).")
    revenue = _money()
    units = serializers.IntegerField()
    orders = serializers.IntegerField()


class EcommerceProductDetailSerializer(AnswerSerializer):
    stock_code = serializers.CharField()
    description = serializers.CharField()
    kpis = EcommerceKpiFiguresSerializer()
    returned_units = serializers.IntegerField(help_text="Units of the product returned in the period.")
    monthly = EcommerceSeriesRowSerializer(many=True)
    top_countries = EcommerceProductCountrySerializer(many=True)


class EcommerceProductsSerializer(AnswerSerializer):
    order_by = serializers.CharField()
    rows = EcommerceProductRowSerializer(many=True)


class EcommerceReturnedProductsSerializer(AnswerSerializer):
    rows = EcommerceProductRowSerializer(many=True, help_text="Products with returns, by value returned.")


# --- Customers -----------------------------------------------------------------------------------


class EcommerceCustomerRowSerializer(_ReturnsAwareSerializer):
    customer_id = serializers.CharField()
    country = serializers.CharField(allow_null=True, help_text="As shown; null without purchases in the period.")
    total_spent = _money(help_text="Gross spend.")
    units = serializers.IntegerField(help_text="Units bought.")
    orders = serializers.IntegerField()
    avg_order_value = _money(allow_null=True, help_text="Null without purchases in the period.")
    first_purchase = serializers.DateTimeField(allow_null=True, help_text="Local time in the workspace time zone.")
    last_purchase = serializers.DateTimeField(allow_null=True, help_text="Local time in the workspace time zone.")


class EcommerceCustomersSerializer(AnswerSerializer):
    order_by = serializers.CharField()
    rows = EcommerceCustomerRowSerializer(many=True)


class EcommerceCountryDetailSerializer(AnswerSerializer):
    country = serializers.CharField()
    label = serializers.CharField()
    kpis = EcommerceKpiFiguresSerializer()
    monthly = EcommerceSeriesRowSerializer(many=True)
    top_products = EcommerceProductRowSerializer(many=True)
    top_customers = EcommerceCustomerRowSerializer(many=True)


class EcommerceCustomerOrderSerializer(serializers.Serializer):
    invoice_no = serializers.CharField()
    invoice_date = serializers.DateTimeField(help_text="Local time in the workspace time zone.")
    revenue = _money()
    units = serializers.IntegerField()
    lines = serializers.IntegerField()


class EcommerceCustomerReturnSerializer(serializers.Serializer):
    invoice_no = serializers.CharField()
    invoice_date = serializers.DateTimeField(help_text="Local time in the workspace time zone.")
    stock_code = serializers.CharField()
    quantity = serializers.IntegerField(help_text="Negative, as in the file.")
    amount = _money(help_text="Positive: the value returned.")


class EcommerceCustomerValueSerializer(serializers.Serializer):
    horizon_days = serializers.IntegerField()
    predicted_clv = _money(help_text="Expected spend over the horizon, calibrated as the lifetime value's.")
    expected_purchases = serializers.FloatField(help_text="Expected purchase days over the horizon.")


class EcommerceCustomerDetailSerializer(AnswerSerializer):
    customer_id = serializers.CharField()
    country = serializers.CharField(allow_null=True, help_text="As shown; null without purchases in the period.")
    segment = serializers.CharField(allow_null=True, help_text="RFM segment; null without purchases in the period.")
    acquired = serializers.DateTimeField(help_text="The first purchase ever, whatever the period; local time.")
    first_purchase = serializers.DateTimeField(allow_null=True, help_text="Local time; in the period.")
    last_purchase = serializers.DateTimeField(allow_null=True, help_text="Local time; in the period.")
    kpis = EcommerceKpiFiguresSerializer()
    monthly = EcommerceSeriesRowSerializer(many=True)
    orders = EcommerceCustomerOrderSerializer(many=True, help_text="The latest orders, up to the limit.")
    returns = EcommerceCustomerReturnSerializer(many=True, help_text="The latest returned lines, up to the limit.")
    predicted = EcommerceCustomerValueSerializer(
        allow_null=True,
        help_text="The customer's own predicted value by the lifetime value's models (BG/NBD + Gamma-Gamma); "
        "null when the range has too few customers to fit them or the customer no purchase in it.",
    )


class EcommerceSegmentRowSerializer(serializers.Serializer):
    segment = serializers.CharField()
    customers = serializers.IntegerField()
    customers_share = _share()
    revenue = _money()
    revenue_share = _share()
    avg_recency_days = nullable_float()
    avg_orders = nullable_float()
    avg_spent = _money(allow_null=True)


class EcommerceSegmentsSerializer(AnswerSerializer):
    reference_date = serializers.DateField(allow_null=True, help_text="The day after the period's last day.")
    customers = serializers.IntegerField()
    new_customers = serializers.IntegerField(help_text="Customers whose first purchase ever is in the period.")
    returning_customers = serializers.IntegerField(help_text="Customers who had bought before the period.")
    revenue = _money()
    mapping = serializers.CharField(help_text="How scores map to segments.")
    rows = EcommerceSegmentRowSerializer(many=True)


class EcommerceHistoricalClvSerializer(serializers.Serializer):
    segment = serializers.CharField()
    customers = serializers.IntegerField()
    revenue = _money()
    avg_clv = _money(allow_null=True)
    avg_orders = nullable_float()
    avg_order_value = _money(allow_null=True)


class EcommercePredictedSegmentSerializer(serializers.Serializer):
    segment = serializers.CharField()
    customers = serializers.IntegerField()
    avg_predicted_clv = _money(allow_null=True)
    total_predicted_clv = _money()
    avg_expected_purchases = nullable_float()


class EcommerceClvParametersSerializer(serializers.Serializer):
    bgnbd = serializers.DictField(child=serializers.FloatField(), help_text="r, alpha, a, b.")
    gamma_gamma = serializers.DictField(child=serializers.FloatField(), help_text="p, q, v.")


class EcommerceClvOriginSerializer(serializers.Serializer):
    calibration_end = serializers.DateField()
    predicted_total = _money(help_text="Uncalibrated.")
    actual_total = _money()


class EcommerceClvHoldoutSerializer(serializers.Serializer):
    calibration_end = serializers.DateField(help_text="The latest origin: the holdout checked.")
    holdout_days = serializers.IntegerField()
    customers = serializers.IntegerField()
    scale = nullable_float(
        "Actual over predicted total of the holdouts of the earlier origins whose holdouts end by the "
        "latest calibration end; null without them."
    )
    value_scale = nullable_float("The same over the latest origins: what scales the 12-month value.")
    mae = _money(help_text="Per customer, predictions times ``scale``.")
    uncalibrated_mae = _money()
    naive_mae = _money(help_text="Each customer's past daily spend rate carried forward.")
    mae_vs_naive_pct = nullable_float("How much lower (negative) or higher the MAE is than the naive one.")
    predicted_total = _money(help_text="Times ``scale``.")
    uncalibrated_predicted_total = _money()
    actual_total = _money()
    total_error_pct = nullable_float()
    uncalibrated_total_error_pct = nullable_float()
    origins = EcommerceClvOriginSerializer(many=True, help_text="Latest first.")


class EcommercePredictedClvSerializer(serializers.Serializer):
    model = serializers.CharField()
    horizon_days = serializers.IntegerField()
    customers_fitted = serializers.IntegerField()
    repeat_customers = serializers.IntegerField()
    available = serializers.BooleanField(help_text="False when there are too few (repeat) customers to fit.")
    note = serializers.CharField()
    parameters = EcommerceClvParametersSerializer(required=False, help_text="When available.")
    total_predicted_clv = _money(required=False, help_text="When available.")
    avg_predicted_clv = _money(required=False, help_text="When available.")
    by_segment = EcommercePredictedSegmentSerializer(many=True, required=False, help_text="When available.")
    calibration_scale = serializers.FloatField(
        required=False,
        help_text="When available: the factor the models' spend is multiplied by (holdout.value_scale, else 1).",
    )
    holdout = EcommerceClvHoldoutSerializer(required=False, allow_null=True, help_text="When available.")


class EcommerceLifetimeValueSerializer(AnswerSerializer):
    customers = serializers.IntegerField()
    historical = EcommerceHistoricalClvSerializer(many=True)
    predicted = EcommercePredictedClvSerializer(allow_null=True, help_text="Null without data.")


class EcommerceCohortSerializer(serializers.Serializer):
    cohort = serializers.CharField(help_text="The month of the first purchase, 2011-01.")
    customers = serializers.IntegerField()
    retention_pct = serializers.ListField(child=serializers.FloatField(allow_null=True))
    revenue = serializers.ListField(child=_money())


class EcommerceCohortCellSerializer(serializers.Serializer):
    cohort = serializers.CharField()
    months_since = serializers.IntegerField()
    customers = serializers.IntegerField()
    retention_pct = nullable_float()
    revenue = _money()


class EcommerceCohortsSerializer(AnswerSerializer):
    max_age = serializers.IntegerField()
    cohorts = EcommerceCohortSerializer(many=True)
    rows = EcommerceCohortCellSerializer(many=True)


# --- Revenue patterns ----------------------------------------------------------------------------


class EcommerceHourRowSerializer(serializers.Serializer):
    hour = serializers.IntegerField()
    revenue = _money()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    revenue_share = _share()


class EcommerceByHourSerializer(AnswerSerializer):
    rows = EcommerceHourRowSerializer(many=True)


class EcommerceWeekdayRowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="1 = Monday.")
    name = serializers.CharField()
    revenue = _money()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    revenue_share = _share()


class EcommerceByWeekdaySerializer(AnswerSerializer):
    rows = EcommerceWeekdayRowSerializer(many=True)


class EcommerceWeekdayHourRowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="1 = Monday.")
    name = serializers.CharField()
    hour = serializers.IntegerField()
    revenue = _money()
    orders = serializers.IntegerField()


class EcommerceWeekdayHourSerializer(AnswerSerializer):
    rows = EcommerceWeekdayHourRowSerializer(many=True)
