"""What the e-commerce forecast answers (:mod:`ecommerce.analytics.forecast`), for the API schema:
documentation only, like :mod:`ecommerce.api.responses`, whose field kinds it shares."""

from rest_framework import serializers

from ecommerce.api.responses import AnswerSerializer, Money, nullable_float


class EcommerceForecastDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    revenue = Money()
    lower_80 = Money()
    upper_80 = Money()
    lower_95 = Money()
    upper_95 = Money()


class EcommerceHistoryDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    revenue = Money()


class EcommerceForecastErrorsSerializer(serializers.Serializer):
    mae = serializers.FloatField()
    mape = nullable_float("Skips days without revenue.")
    mase = nullable_float()


class EcommerceBacktestErrorsSerializer(EcommerceForecastErrorsSerializer):
    coverage_80 = nullable_float("% of the days forecast open whose revenue fell in the 80 % interval.")
    coverage_95 = nullable_float("% of the days forecast open whose revenue fell in the 95 % interval.")


class EcommerceBacktestCandidateSerializer(EcommerceBacktestErrorsSerializer):
    name = serializers.CharField()
    label = serializers.CharField()


class EcommerceBacktestSerializer(serializers.Serializer):
    origins = serializers.IntegerField()
    horizon_days = serializers.IntegerField()
    first_origin = serializers.DateField()
    chosen = serializers.CharField(help_text="The candidate with the lowest MASE: the model forecasting.")
    model = EcommerceBacktestErrorsSerializer(help_text="The chosen model's errors and coverage.")
    seasonal_naive = EcommerceBacktestErrorsSerializer()
    mase_ratio = nullable_float("The chosen model's MASE over the seasonal-naive model's.")
    candidates = EcommerceBacktestCandidateSerializer(many=True)


class EcommerceHoldoutErrorsSerializer(EcommerceForecastErrorsSerializer):
    accuracy_pct = nullable_float("100 − MAPE.")


class EcommerceHoldoutSerializer(serializers.Serializer):
    train_days = serializers.IntegerField()
    test_days = serializers.IntegerField()
    test_from = serializers.DateField()
    model = EcommerceHoldoutErrorsSerializer(allow_null=True, help_text="Null when the model could not be fitted.")
    seasonal_naive = EcommerceHoldoutErrorsSerializer(allow_null=True)
    original_dashboard_accuracy_pct = serializers.FloatField()


class EcommerceClosedDaysSerializer(serializers.Serializer):
    weekdays = serializers.ListField(child=serializers.CharField(), help_text="No sale in the last 8 weeks.")
    year_end = serializers.ListField(
        child=serializers.CharField(), help_text="MM-DD of the year-end closure seen in every year of the history."
    )
    country = serializers.CharField(allow_null=True, help_text="ISO 3166 code of the time zone's country.")
    public_holidays_closed = serializers.BooleanField(
        help_text="True when the shop sold nothing on most of the country's public holidays in the history."
    )


class EcommerceFitSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=("stored", "request"), help_text="request: the model was fitted to answer this request."
    )
    fitted_at = serializers.DateTimeField()


class EcommerceForecastSerializer(AnswerSerializer):
    model = serializers.CharField(allow_null=True, help_text="The model the backtest chose (null when unfitted).")
    model_name = serializers.CharField(required=False, help_text="Its name among the backtest's candidates.")
    closed_days = EcommerceClosedDaysSerializer(allow_null=True, help_text="Forecast as 0 with a zero interval.")
    fitted_at = serializers.DateTimeField()
    training_days = serializers.IntegerField()
    history = EcommerceHistoryDaySerializer(many=True, help_text="The last 90 days.")
    periods = serializers.IntegerField()
    forecast = EcommerceForecastDaySerializer(many=True)
    backtest = EcommerceBacktestSerializer(allow_null=True)
    holdout = EcommerceHoldoutSerializer(allow_null=True)
    note = serializers.CharField()
    fit_seconds = serializers.FloatField()
    fit = EcommerceFitSourceSerializer()
