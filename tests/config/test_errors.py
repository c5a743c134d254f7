"""One error shape for every error: {"error": {"code", "message", "fields"}}."""

import json

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import bearer_client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.scoped_urls")]


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_400_invalid_input_names_the_fields(anon_api):
    response = anon_api.post("/api/v1/auth/register", {"email": "not-an-email", "password": "x"}, format="json")
    assert response.status_code == 400
    assert _error(response) == {
        "code": "invalid",
        "message": "email: Enter a valid email address.",
        "fields": {"email": ["Enter a valid email address."]},
    }


def test_400_password_rules_are_field_errors(anon_api):
    response = anon_api.post("/api/v1/auth/register", {"email": "a@acme.test", "password": "12345678"}, format="json")
    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "password": ["This password is too common.", "This password is entirely numeric."]
    }


@pytest.mark.parametrize("body", ['{"email": ', "not json", "[1, 2", '{"email": "a@b.co",}'])
def test_400_malformed_json(anon_api, body):
    response = anon_api.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "parse_error"
    assert error["message"].startswith("JSON parse error")
    assert error["fields"] == {}


def test_400_a_json_list_where_an_object_is_expected(anon_api):
    response = anon_api.post("/api/v1/auth/login", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "invalid"


def test_401_without_credentials(anon_api):
    response = anon_api.get("/api/v1/workspaces/")
    assert response.status_code == 401
    assert _error(response) == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_401_wrong_password(anon_api, owner):
    response = anon_api.post("/api/v1/auth/login", {"email": owner.email, "password": "nope"}, format="json")
    assert response.status_code == 401
    assert _error(response) == {
        "code": "authentication_failed",
        "message": "Wrong email address or password.",
        "fields": {},
    }


def test_403_role_too_low(api_as, viewer):
    response = api_as(viewer).post("/api/v1/test/scoped/", {}, format="json")
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"


def test_403_non_staff_on_a_staff_endpoint(api_as, owner):
    response = api_as(owner).get("/health/redis-info")
    assert response.status_code == 403
    assert _error(response) == {
        "code": "permission_denied",
        "message": "You do not have permission to perform this action.",
        "fields": {},
    }


def test_404_from_a_view(api_as, owner):
    response = api_as(owner).get("/api/v1/workspaces/nope/members/")
    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_404_from_django_for_an_unknown_api_path(anon_api, method):
    response = getattr(anon_api, method)("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.parametrize("debug", [False, True])
def test_404_for_a_missing_slash_is_json_with_a_hint_and_no_redirect(owner, settings, debug):
    settings.DEBUG = debug
    client = bearer_client(owner)
    for method in ("get", "post"):
        response = getattr(client, method)("/api/v1/workspaces")
        assert response.status_code == 404
        assert _error(response)["message"] == "Not found. Did you mean /api/v1/workspaces/ ?"


def test_404_under_health(anon_api):
    assert _error(anon_api.get("/health/nothing"))["code"] == "not_found"


def test_html_404_stays_html(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_405_method_not_allowed(anon_api):
    response = anon_api.get("/api/v1/auth/login")
    assert response.status_code == 405
    assert _error(response) == {"code": "method_not_allowed", "message": 'Method "GET" not allowed.', "fields": {}}
    assert response["Allow"] == "POST, OPTIONS"


def test_406_not_acceptable(api_as, owner):
    response = api_as(owner).get("/api/v1/users/me", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert _error(response)["code"] == "not_acceptable"


def test_413_body_too_large(anon_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"email": "a@acme.test", "password": "x" * 2000})
    response = anon_api.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 413
    assert _error(response) == {"code": "payload_too_large", "message": "The request body is too large.", "fields": {}}


def test_415_unsupported_media_type(anon_api):
    response = anon_api.post("/api/v1/auth/login", "email=a@b.co", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


def test_409_conflict(anon_api, owner):
    response = anon_api.post(
        "/api/v1/auth/register", {"email": "OWNER@acme.test", "password": "a-long-enough-pass"}, format="json"
    )
    assert response.status_code == 409
    assert _error(response) == {
        "code": "conflict",
        "message": "An account with this email address already exists.",
        "fields": {},
    }


def test_429_throttled(db):
    client = APIClient(REMOTE_ADDR="10.9.9.9")
    for _ in range(30):
        client.post("/api/v1/auth/refresh", {"refresh": "x"}, format="json")
    response = client.post("/api/v1/auth/refresh", {"refresh": "x"}, format="json")
    assert response.status_code == 429
    error = _error(response)
    assert error["code"] == "throttled"
    assert error["fields"] == {}
    assert int(response["Retry-After"]) > 0


def test_500_is_json_under_api_and_logged(db):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test/crash/")
    assert response.status_code == 500
    assert _error(response) == {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}


def test_503_in_the_error_shape_when_the_database_is_down(db):
    response = Client(raise_request_exception=False).get("/api/v1/test/database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert _error(response) == {
        "code": "service_unavailable",
        "message": "The database is unavailable. Try again in a moment.",
        "fields": {},
    }


def test_503_page_when_the_database_is_down(db):
    response = Client(raise_request_exception=False).get("/test/database-down/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1>Pulse is unavailable for a moment</h1>" in html
    assert "connection failed" not in html  # the driver's message stays in the logs


@pytest.mark.urls("config.urls")
def test_error_in_a_view_outside_atomic_requests_leaves_the_callers_transaction_usable(api_as, owner):
    # The catalog's reads opt out of ATOMIC_REQUESTS; DRF's stock handler would mark whatever
    # transaction surrounds them (here the test's) for rollback on any 4xx.
    client = api_as(owner)
    refused = client.generic("TRACE", "/api/v1/catalog/products/0")
    assert refused.status_code == 405
    assert refused.json()["error"]["code"] == "method_not_allowed"
    assert connection.needs_rollback is False
    assert client.generic("QUERY", "/api/v1/catalog/products/0").status_code == 405


def test_a_models_validation_error_becomes_invalid_with_its_fields():
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    from config.errors import Invalid

    row = ValidationError({NON_FIELD_ERRORS: ["Two targets."], "price": ["Too low.", "Not a number."]})
    error = Invalid.from_model_error(row)
    assert (error.status, error.code, error.message) == (400, "invalid", "Two targets.")
    assert error.fields == {"non_field_errors": ["Two targets."], "price": ["Too low.", "Not a number."]}
    field_first = Invalid.from_model_error(ValidationError({"price": "Too low."}))
    assert (field_first.message, field_first.fields) == ("price: Too low.", {"price": ["Too low."]})
    plain = Invalid.from_model_error(ValidationError("Not now."))
    assert (plain.message, plain.fields) == ("Not now.", {"non_field_errors": ["Not now."]})


@pytest.mark.parametrize(
    ("detail", "fields"),
    [
        ({"name": "One sentence."}, {"name": ["One sentence."]}),
        ({"name": ["a", "b"]}, {"name": ["a", "b"]}),
        (["Send at least one record."], {"non_field_errors": ["Send at least one record."]}),
        ([{}, {}, {"revenue": ["Too small."]}], {"2.revenue": ["Too small."]}),
        (
            {"2": {"status_code": ["Bad."], "non_field_errors": ["Whole event."]}},
            {"2.status_code": ["Bad."], "2": ["Whole event."]},
        ),
        ({"address": {"city": {"zip": ["Missing."]}}}, {"address.city.zip": ["Missing."]}),
        ({"tags": [[], ["Not a tag."]]}, {"tags.1": ["Not a tag."]}),
        ({}, {}),
    ],
)
def test_fields_always_map_names_to_lists_of_messages(detail, fields):
    from rest_framework.exceptions import ValidationError

    from config.exceptions import flat_fields

    assert flat_fields(ValidationError(detail).detail) == fields
