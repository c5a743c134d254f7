"""One rule for the final slash: every JSON path is served in the one form the docs list; the other
form (slash added or removed) answers the JSON 404 naming the right path, whatever the method,
and is never redirected. Walks the whole URLconf, so a new endpoint is covered when routed."""

import pytest
from django.urls import resolve

from tests.urlconf import json_routes

pytestmark = pytest.mark.django_db

ROUTES = json_routes()


def _other_form(path: str) -> str:
    return path[:-1] if path.endswith("/") else path + "/"


def test_the_walk_covers_every_app():
    prefixes = {route.route.split("/")[2] if route.route.startswith("api/v1/") else route.route for route in ROUTES}
    assert {"auth", "users", "workspaces", "sales", "ecommerce", "projects", "catalog", "track", "jobs"} <= prefixes
    assert {"health/", "health/detailed", "metrics", "api/schema/"} <= prefixes
    assert len(ROUTES) > 70


@pytest.mark.parametrize("route", ROUTES, ids=[route.route for route in ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_other_form_of_every_path_answers_404_naming_the_right_one(anon_api, route, method):
    path = route.sample_path()
    assert resolve(path).func is route.callback  # the documented form is this route's
    response = getattr(anon_api, method)(_other_form(path))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "not_found", "message": f"Not found. Did you mean {path} ?", "fields": {}}
    }


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("/api/v1/sales/summary/", "/api/v1/sales/summary"),
        ("/api/v1/ecommerce/kpis/", "/api/v1/ecommerce/kpis"),
        ("/api/v1/users/me/", "/api/v1/users/me"),
        ("/api/v1/sales/stores", "/api/v1/sales/stores/"),
        ("/api/v1/sales/stores/7", "/api/v1/sales/stores/7/"),
        ("/api/v1/sales/records/generate-fake/", "/api/v1/sales/records/generate-fake"),
        ("/api/v1/workspaces", "/api/v1/workspaces/"),
        ("/health", "/health/"),
    ],
)
def test_the_findings_paths_name_their_documented_form(api_as, owner, asked, meant):
    response = api_as(owner).get(asked)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"Not found. Did you mean {meant} ?"


def test_an_unknown_path_has_no_hint(anon_api):
    for path in ("/api/v1/nothing", "/api/v1/nothing/", "/api", "/api/", "/health/nothing"):
        assert anon_api.get(path).json()["error"]["message"] == "Not found.", path
