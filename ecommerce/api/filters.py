"""Filters of the transactions and returns lists: country, customer, product, invoice and a local date range."""

import datetime as dt

import django_filters
from django import forms

from config.periods import MAX_DATE, MIN_DATE
from ecommerce import analytics
from ecommerce.models import ReturnLine, SalesLine


class TransactionFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        for name in ("date_from", "date_to"):
            value = data.get(name)
            if value is not None and not MIN_DATE <= value <= MAX_DATE:
                self.add_error(name, f"Must be between {MIN_DATE} and {MAX_DATE}.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Must be on or after date_from.")
        return data


class TransactionFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(method="filter_country", help_text="Country as in the data; Ireland = EIRE.")
    customer = django_filters.CharFilter(field_name="customer_id", help_text="Customer id.")
    product = django_filters.CharFilter(field_name="stock_code", help_text="Stock code.")
    invoice = django_filters.CharFilter(field_name="invoice_no", help_text="Invoice number.")
    date_from = django_filters.DateFilter(method="filter_date_from", help_text="First local day, inclusive.")
    date_to = django_filters.DateFilter(method="filter_date_to", help_text="Last local day, inclusive.")

    class Meta:
        model = SalesLine
        fields = ["country", "customer", "product", "invoice", "date_from", "date_to"]
        form = TransactionFilterForm

    @property
    def _tz(self):
        return self.request.workspace.tzinfo

    def filter_country(self, queryset, name, value):
        return queryset.filter(country__in=analytics.country_spellings(value))

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(invoice_date__gte=dt.datetime.combine(value, dt.time.min, tzinfo=self._tz))

    def filter_date_to(self, queryset, name, value):
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, tzinfo=self._tz)
        return queryset.filter(invoice_date__lt=end)


class ReturnFilter(TransactionFilter):
    class Meta(TransactionFilter.Meta):
        model = ReturnLine
