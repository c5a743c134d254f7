"""Deeply nested JSON is a 400 parse_error on every endpoint that parses JSON, never a 500."""

import json

import pytest
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.views import APIView

from accounts.tenancy import api_view_classes
from config.parsers import MAX_DEPTH, TOO_DEEP, JSONParser, nesting_depth
from tests.apimetrics.factories import ProjectFactory, issue_key
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

# 929 levels raised RecursionError in the stock parser on a gunicorn worker; 5,000 does anywhere.
DEEP_LIST = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
# Parses without recursing too far, but deeper than any payload of the API.
MERELY_DEEP = '{"email": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"

EXPECTED = {"error": {"code": "parse_error", "message": TOO_DEEP, "fields": {}}}


def test_nesting_depth_counts_levels_without_recursing():
    assert nesting_depth(1) == 0
    assert nesting_depth([]) == 1
    assert nesting_depth({"a": [1, {"b": []}]}) == 4
    assert nesting_depth(json.loads("[" * 900 + "]" * 900), limit=1000) == 900
    assert nesting_depth(json.loads("[" * 900 + "]" * 900)) == MAX_DEPTH + 1  # stops past the limit


def test_every_api_view_parses_json_with_the_projects_parser():
    """Walks the URLconf: a view that sets its own parser_classes must keep the guarded parser."""
    views = [(route, view) for route, view in api_view_classes() if issubclass(view, APIView)]
    assert len(views) > 40
    unguarded = [
        f"{route}: {parser.__module__}.{parser.__name__}"
        for route, view in views
        for parser in view.parser_classes
        if issubclass(parser, DRFJSONParser) and not issubclass(parser, JSONParser)
    ]
    assert unguarded == []


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT, MERELY_DEEP], ids=["list", "object", "past-the-bound"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/verify-email",
    ],
)
def test_anonymous_endpoints_answer_400_parse_error(anon_api, path, body):
    response = anon_api.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == EXPECTED


@pytest.mark.parametrize("body", [DEEP_LIST, DEEP_OBJECT, MERELY_DEEP], ids=["list", "object", "past-the-bound"])
def test_tracking_answers_400_parse_error(anon_api, workspace, body):
    _, secret = issue_key(ProjectFactory(workspace=workspace, key="shop"))
    response = anon_api.post("/api/v1/track", body, content_type="application/json", HTTP_X_API_KEY=secret)
    assert response.status_code == 400
    assert response.json() == EXPECTED


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/workspaces/"),
        ("post", "/api/v1/workspaces/acme/members/"),
        ("post", "/api/v1/sales/stores/"),
        ("post", "/api/v1/sales/records/"),
        ("post", "/api/v1/projects/"),
        ("post", "/api/v1/catalog/admin/types"),
    ],
)
def test_authenticated_endpoints_answer_400_parse_error(owner, workspace, method, path):
    owner.is_staff = True  # the catalog's staff API too
    owner.save(update_fields=["is_staff"])
    response = getattr(bearer_client(owner, workspace), method)(path, DEEP_LIST, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == EXPECTED


def test_a_sane_document_still_parses(anon_api, owner):
    nested = {"email": owner.email, "password": "wrong", "extra": [[[[{"a": [1]}]]]]}
    response = anon_api.post("/api/v1/auth/login", nested, format="json")
    assert response.status_code == 401
