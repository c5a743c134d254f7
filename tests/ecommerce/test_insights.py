"""The e-commerce insights in the registry: each with a typed response that is what the API
answers (every key documented, every required field answered, with its JSON type, at every
depth), and the workspace's settings in the cache key rather than in a receiver."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models.signals import post_save
from rest_framework import serializers

from accounts.models import Workspace
from config.cache import data_version
from config.insights import all_insights, get_insight
from config.periods import Period
from ecommerce import analytics
from tests.ecommerce.conftest import utc
from tests.ecommerce.factories import SalesLineFactory, generate_shop

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"
# Every analytics endpoint of the API, with the insight it serves.
ENDPOINTS = {
    "kpis": "ecommerce.kpis",
    "series": "ecommerce.series",
    "countries": "ecommerce.countries",
    "countries/United Kingdom": "ecommerce.country",
    "customers/top": "ecommerce.customers_top",
    "customers/12000": "ecommerce.customer",
    "products/85123A": "ecommerce.product",
    "customers/segments": "ecommerce.segments",
    "customers/lifetime-value": "ecommerce.lifetime_value",
    "customers/cohorts": "ecommerce.cohorts",
    "products/top": "ecommerce.products_top",
    "products/returned": "ecommerce.products_returned",
    "revenue/monthly": "ecommerce.revenue_monthly",
    "revenue/growth": "ecommerce.revenue_growth",
    "revenue/by-hour": "ecommerce.by_hour",
    "revenue/by-weekday": "ecommerce.by_weekday",
    "forecast": "ecommerce.forecast",
}
# The dashboard's own: not in the API.
PAGE_ONLY = {"ecommerce.series_compare", "ecommerce.weekday_hour"}
# Read by alerts alone: no endpoint answers them, so no data_as_of is added to them.
ALERT_ONLY = {"ecommerce.health"}
JSON_TYPES = {
    serializers.IntegerField: int,
    serializers.FloatField: int | float,
    serializers.BooleanField: bool,
    serializers.CharField: str,
    serializers.ChoiceField: str,
    serializers.DateField: str,
    serializers.DateTimeField: str,
}


def disagreements(field: serializers.Field, value, path: str = "$") -> list[str]:
    """Where a JSON ``value`` and the serializer ``field`` documenting it disagree."""
    if value is None:
        return [] if field.allow_null else [f"{path}: null, documented as not nullable"]
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, documented as a list"]
        return [problem for i, item in enumerate(value) for problem in disagreements(field.child, item, f"{path}[{i}]")]
    if isinstance(field, serializers.DictField):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, documented as an object"]
        return [problem for key, item in value.items() for problem in disagreements(field.child, item, f"{path}.{key}")]
    if isinstance(field, serializers.Serializer):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, documented as an object"]
        documented = field.fields
        required = {name for name, child in documented.items() if child.required}
        problems = [f"{path}.{name}: answered, not documented" for name in sorted(value.keys() - documented.keys())]
        problems += [f"{path}.{name}: documented, not answered" for name in sorted(required - value.keys())]
        for name in sorted(value.keys() & documented.keys()):
            problems += disagreements(documented[name], value[name], f"{path}.{name}")
        return problems
    expected = next(json for kind, json in JSON_TYPES.items() if isinstance(field, kind))
    if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
        return [f"{path}: {value!r}, documented as {type(field).__name__}"]
    return []


def _response_field(name: str) -> serializers.Serializer:
    response = get_insight(name).response
    return response() if isinstance(response, type) else response


def test_every_ecommerce_insight_is_registered_with_a_typed_response():
    names = {insight.name for insight in all_insights() if insight.app == "ecommerce"}
    assert names == set(ENDPOINTS.values()) | PAGE_ONLY | ALERT_ONLY
    for name in names - ALERT_ONLY:
        response = _response_field(name)
        assert isinstance(response, serializers.Serializer), name
        assert "data_as_of" in response.fields, name
        assert get_insight(name).namespace == analytics.CACHE_NAMESPACE


def test_the_check_finds_a_key_answered_and_a_field_missing():
    field = _response_field("ecommerce.by_hour")
    problems = disagreements(field, {"date_from": None, "date_to": None, "data_as_of": "x", "rows": [], "extra": 1})
    assert problems == ["$.extra: answered, not documented"]
    assert disagreements(field, {"date_from": None, "rows": [{"hour": "1"}]}) == [
        "$.data_as_of: documented, not answered",
        "$.date_to: documented, not answered",
        "$.rows[0].orders: documented, not answered",
        "$.rows[0].revenue: documented, not answered",
        "$.rows[0].revenue_share: documented, not answered",
        "$.rows[0].units: documented, not answered",
        "$.rows[0].hour: '1', documented as IntegerField",
    ]


@pytest.fixture
def busy_shop(workspace):
    generate_shop(workspace, days=120)
    return workspace


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_each_endpoint_answers_what_its_serializer_documents(busy_shop, owner, api_as, endpoint):
    body = api_as(owner).get(BASE + endpoint).json()
    assert disagreements(_response_field(ENDPOINTS[endpoint]), body) == []
    if endpoint == "forecast":  # the fields of a fitted model are checked too
        assert body["backtest"]
        assert body["model_name"] == body["backtest"]["chosen"]
        assert body["holdout"]
    if endpoint == "customers/lifetime-value":
        assert body["predicted"]["available"]
        assert body["predicted"]["by_segment"]


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_each_endpoint_of_a_small_or_empty_range_answers_what_is_documented(shop, owner, api_as, endpoint):
    client = api_as(owner)
    for params in ({}, {"date_from": "2012-01-01", "date_to": "2012-01-31"}):
        body = client.get(BASE + endpoint.replace("United Kingdom", "EIRE").replace("12000", "A"), params).json()
        if endpoint.startswith("countries/") and params:
            continue  # no sale in Ireland that month: 404
        assert disagreements(_response_field(ENDPOINTS[endpoint]), body) == [], params


def test_page_only_insights_answer_what_is_documented(shop):
    for name in sorted(PAGE_ONLY):
        result = get_insight(name).run(shop, {"period": Period()})
        body = {**result.value, "data_as_of": result.computed_at.isoformat()}
        assert disagreements(_response_field(name), body) == [], name


def test_a_time_zone_change_moves_the_cache_key_not_the_data_version(workspace):
    # 23:30 UTC on Monday 3 January is Tuesday 4 January in Berlin.
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 3, 23, 30), quantity=1, unit_price=Decimal(10))
    by_weekday = get_insight("ecommerce.by_weekday")
    params = {"period": Period()}
    first = by_weekday.run(workspace, params)
    assert (first.hit, first.value["rows"][0]["revenue"]) == (False, "10.00")
    assert by_weekday.run(workspace, params).hit
    version = data_version(analytics.CACHE_NAMESPACE, workspace.pk)

    workspace.timezone = "Europe/Berlin"
    workspace.save()
    assert data_version(analytics.CACHE_NAMESPACE, workspace.pk) == version  # no receiver bumped it
    berlin = by_weekday.run(workspace, params)
    assert berlin.hit is False
    assert [row["revenue"] for row in berlin.value["rows"][:2]] == ["0.00", "10.00"]
    # Back to UTC: the first entry, still valid, answers again.
    workspace.timezone = "UTC"
    workspace.save()
    again = by_weekday.run(workspace, params)
    assert again.hit
    assert again.computed_at == first.computed_at


def test_week_start_is_in_the_key_of_weekly_series_only(workspace):
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 2, 12), quantity=1, unit_price=Decimal(5))
    series, countries = get_insight("ecommerce.series"), get_insight("ecommerce.countries")
    weekly = {"period": Period(dt.date(2011, 1, 2), dt.date(2011, 1, 2)), "interval": "week"}
    ranking = {"period": Period(), "order_by": "revenue", "limit": 10}
    assert series.run(workspace, weekly).value["rows"][0]["start"] == "2010-12-27"  # Monday
    countries.run(workspace, ranking)
    workspace.week_start = 6  # Sunday
    workspace.save()
    assert series.run(workspace, weekly).value["rows"][0]["start"] == "2011-01-02"
    assert countries.run(workspace, ranking).hit


def test_no_ecommerce_receiver_listens_to_workspace_saves():
    receivers = post_save._live_receivers(Workspace)
    modules = {receiver.__module__ for group in receivers for receiver in group if callable(receiver)}
    assert not any(module.startswith("ecommerce") for module in modules)
