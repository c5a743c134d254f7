"""The documented responses of the metrics endpoints are what they answer: every key of a real
response is a field of its serializer, every field is in the response, with its type, both ways
and at every depth, so the OpenAPI description cannot drift from apimetrics.analytics."""

import datetime as dt

import pytest
import time_machine
from rest_framework import serializers

from apimetrics import rollups
from apimetrics.api.serializers import (
    ApiConsumersSerializer,
    ApiEndpointsSerializer,
    ApiSummarySerializer,
    ApiTimeSeriesSerializer,
)
from apimetrics.models import RequestEvent
from tests.apimetrics.factories import make_event

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)
DAY = "date_from=2026-03-10&date_to=2026-03-10"
# JSON types of the serializer fields these responses use; another field type fails the test.
JSON_TYPES = {
    serializers.IntegerField: int,
    serializers.FloatField: int | float,
    serializers.CharField: str,
    serializers.DateField: str,
    serializers.DateTimeField: str,
}


def disagreements(field: serializers.Field, value, path: str = "$") -> list[str]:
    """Where a JSON ``value`` and the serializer ``field`` documenting it disagree."""
    if value is None:
        return [] if field.allow_null else [f"{path}: null, documented as not nullable"]
    if isinstance(field, serializers.ListSerializer):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, documented as a list"]
        return [problem for i, item in enumerate(value) for problem in disagreements(field.child, item, f"{path}[{i}]")]
    if isinstance(field, serializers.Serializer):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, documented as an object"]
        documented = field.fields
        problems = [f"{path}.{name}: answered, not documented" for name in value.keys() - documented.keys()]
        problems += [f"{path}.{name}: documented, not answered" for name in documented.keys() - value.keys()]
        for name in sorted(value.keys() & documented.keys()):
            problems += disagreements(documented[name], value[name], f"{path}.{name}")
        return problems
    expected = JSON_TYPES[type(field)]
    if isinstance(value, bool) or not isinstance(value, expected):
        return [f"{path}: {value!r}, documented as {type(field).__name__}"]
    return []


@pytest.fixture
def traffic(project):
    """Events in two hours, one without a consumer, rolled up at 11:59; one after the watermark."""
    RequestEvent.objects.bulk_create(
        [
            make_event(project, T0 + dt.timedelta(seconds=5), ms=10, consumer="app"),
            make_event(project, T0 + dt.timedelta(seconds=50), ms=20, status=404, consumer="app"),
            make_event(project, T0 + dt.timedelta(minutes=1), method="POST", endpoint="/orders", ms=300, status=503),
            make_event(project, T0 + dt.timedelta(hours=1, minutes=30), ms=40, consumer="web"),
        ]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    RequestEvent.objects.bulk_create([make_event(project, NOW - dt.timedelta(seconds=10), ms=5, status=302)])
    return project


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_check_finds_a_key_answered_and_a_field_missing():
    payload = {"consumer": "app", "extra": 1, **dict.fromkeys(("requests", "errors_4xx", "errors_5xx"), 1)}
    problems = disagreements(ApiConsumersSerializer().fields["consumers"].child, payload)
    assert "$.extra: answered, not documented" in problems
    assert "$.errors_total: documented, not answered" in problems
    assert disagreements(ApiSummarySerializer().fields["requests"], None) == ["$: null, documented as not nullable"]


@pytest.mark.parametrize("query", [DAY, ""], ids=["bounded", "whole-history"])
def test_summary_answers_what_its_serializer_documents(api_as, owner, traffic, frozen, query):
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/summary?{query}").json()
    assert body["requests"] == 5
    assert (body["previous"] is None) == (query == "")
    assert disagreements(ApiSummarySerializer(), body) == []


@pytest.mark.parametrize("interval", ["minute", "hour", "day"])
def test_time_series_answers_what_its_serializer_documents(api_as, owner, traffic, frozen, interval):
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/time-series?{DAY}&interval={interval}").json()
    assert sum(bucket["requests"] for bucket in body["series"]) == 5
    assert disagreements(ApiTimeSeriesSerializer(), body) == []


def test_endpoints_answer_what_their_serializer_documents(api_as, owner, traffic, frozen):
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/endpoints?{DAY}").json()
    assert [(row["method"], row["endpoint"]) for row in body["endpoints"]] == [("GET", "/items"), ("POST", "/orders")]
    assert disagreements(ApiEndpointsSerializer(), body) == []


def test_consumers_answer_what_their_serializer_documents(api_as, owner, traffic, frozen):
    body = api_as(owner).get(f"/api/v1/projects/shop/metrics/consumers?{DAY}").json()
    assert sorted((row["consumer"] or "", row["requests"]) for row in body["consumers"]) == [
        ("", 2),
        ("app", 2),
        ("web", 1),
    ]
    assert disagreements(ApiConsumersSerializer(), body) == []


def test_a_project_without_traffic_answers_what_the_serializers_document(api_as, owner, project, frozen):
    client = api_as(owner)
    for path, serializer in [
        ("summary", ApiSummarySerializer()),
        ("time-series", ApiTimeSeriesSerializer()),
        ("endpoints", ApiEndpointsSerializer()),
        ("consumers", ApiConsumersSerializer()),
    ]:
        body = client.get(f"/api/v1/projects/shop/metrics/{path}?{DAY}").json()
        assert disagreements(serializer, body) == [], path
