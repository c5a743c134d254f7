"""The records list's filters, shared by the API and the records page."""

from django import forms
from django_filters import rest_framework as filters

from sales.models import SalesRecord


class IntegerFilter(filters.NumberFilter):
    """An id: a whole number within the database's range (larger ones are a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class RecordFilter(filters.FilterSet):
    store = IntegerFilter(field_name="store_id", help_text="Store id.")
    recorded_by = IntegerFilter(field_name="recorded_by_id", help_text="User id of the member credited.")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="First day, inclusive.")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="Last day, inclusive.")

    class Meta:
        model = SalesRecord
        fields = ["store", "recorded_by", "date_from", "date_to"]
