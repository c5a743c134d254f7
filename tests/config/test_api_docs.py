"""The OpenAPI schema and its Swagger UI and ReDoc pages, served without internet."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

SCRIPT_OR_STYLE = re.compile(r'(?:src|href)="([^"]+)"')


def _assets(html: str) -> list[str]:
    return SCRIPT_OR_STYLE.findall(html)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/docs/", "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/redoc/", "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ],
)
def test_docs_pages_load_their_assets_from_our_static_files(client, path, expected):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert f"/static/{expected}" in assets
    external = [url for url in assets if url.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "cdn.jsdelivr.net" not in html
    for url in assets:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    if path == "/api/docs/":  # the setup is a script of its own URL, not inline (config.headers)
        assert "/api/docs/?script=" in assets
        setup = client.get("/api/docs/?script=")
        assert setup["Content-Type"].startswith("application/javascript")
        html = setup.content.decode()
    assert "/api/schema/" in html


def test_schema_is_openapi_3_with_the_error_shape(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["schemas"]["Error"] == {
        "type": "object",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
        "required": ["error"],
    }
    login = schema["paths"]["/api/v1/auth/login"]["post"]
    assert sorted(login["responses"]) == ["200", "400", "401", "413", "415", "429"]
    assert login["responses"]["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert login["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    members = schema["paths"]["/api/v1/workspaces/{slug}/members/{user_id}/"]["delete"]
    assert sorted(members["responses"]) == ["204", "401", "403", "404", "409"]
    assert members["security"] == [{"jwtAuth": []}, {"jwtCookieAuth": []}, {"cookieAuth": []}]


def test_workspace_scoped_views_document_the_x_workspace_header(settings):
    from drf_spectacular.generators import SchemaGenerator

    settings.ROOT_URLCONF = "tests.config.scoped_urls"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/test/scoped/"]["get"]["parameters"]
    header = next(p for p in parameters if p["name"] == "X-Workspace")
    assert header["in"] == "header"
    assert header.get("required", False) is False
    assert "404" in schema["paths"]["/api/v1/test/scoped/"]["get"]["responses"]


@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("/api/v1/sales/stores/{id}/", "The store has sales records: delete them first."),
        (
            "/api/v1/catalog/admin/types/{id}",
            "The type still has products: delete them or move them to another type first.",
        ),
    ],
)
def test_deletes_refused_while_rows_use_the_object_document_their_409(client, path, description):
    schema = client.get("/api/schema/?format=json").json()
    conflict = schema["paths"][path]["delete"]["responses"]["409"]
    assert conflict == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "description": description,
    }


def test_error_fields_are_documented_as_lists_of_messages(client):
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["ErrorDetail"]["properties"]["fields"]
    assert fields["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_every_list_is_paginated_or_documented_as_bounded(client):
    """A GET answering a bare JSON array must say in its description why it needs no pages."""
    schema = client.get("/api/schema/?format=json").json()
    arrays, paginated = {}, set()
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        body = get and get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema")
        if not body:
            continue
        if body.get("type") == "array":
            arrays[path] = get.get("description", "")
        elif body.get("$ref", "").startswith("#/components/schemas/Paginated"):
            paginated.add(path)
    assert sorted(arrays) == ["/api/v1/insights/", "/api/v1/sales/top-users"]
    for path, description in arrays.items():
        assert "not paginated" in description.lower(), path
    assert "`limit`, at most 100" in arrays["/api/v1/sales/top-users"]
    assert {"/api/v1/sales/by-store", "/api/v1/projects/{key}/api-keys/", "/api/v1/workspaces/"} <= paginated


def test_chart_json_cannot_close_its_script_element():
    import plotly.graph_objects as go

    from config.charts import figure_html

    html = figure_html(go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1])))
    data = html.split('<script type="application/json">', 1)[1]
    data = data.removesuffix("</script></div>")
    assert "<" not in data
    assert ">" not in data
    assert json.loads(data)["figure"]["data"][0]["x"] == ["</script><script>alert(1)</script>"]
