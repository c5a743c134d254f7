"""An insight's query is validated once per process for each distinct query (its serializer is
a pure function of it): the same answer, a dict of its own for each caller; bad queries are
refused every time."""

import datetime as dt

import pytest
from rest_framework import serializers

from config.insights import get_insight
from config.periods import Period


def test_the_same_query_gets_equal_parameters_in_a_dict_of_its_own():
    kpis = get_insight("ecommerce.kpis")
    query = {"date_from": "2011-01-01", "date_to": "2011-06-30", "compare": "year"}
    first = kpis.validate(query)
    assert first["period"] == Period(dt.date(2011, 1, 1), dt.date(2011, 6, 30))
    assert first["compare"] == "year"
    first["compare"] = "none"
    second = kpis.validate(dict(query))
    assert second["compare"] == "year"
    assert second is not first


@pytest.mark.parametrize("attempt", [1, 2])
def test_a_bad_query_is_refused_every_time(attempt):
    with pytest.raises(serializers.ValidationError) as refused:
        get_insight("ecommerce.kpis").validate({"date_from": "2011-06-30", "date_to": "2011-01-01"})
    assert "date_to" in refused.value.detail


def test_url_keywords_are_required_and_added():
    country = get_insight("ecommerce.country")
    assert country.validate({"name": "France"})["name"] == "France"
    with pytest.raises(serializers.ValidationError) as refused:
        country.validate({})
    assert refused.value.detail == {"name": ["This field is required."]}


def test_a_value_that_cannot_be_hashed_is_validated_all_the_same():
    # A stored alert's parameters may hold a list; the serializer ignores what it does not know.
    params = get_insight("ecommerce.kpis").validate({"compare": "none", "tags": ["a", "b"]})
    assert params["compare"] == "none"
    assert "tags" not in params
