"""Content-Security-Policy on every HTML page, Permissions-Policy on every response."""

import re

import pytest
from django.test import Client

from config.headers import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.I)


def test_the_policy_runs_scripts_from_our_origin_only():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert PERMISSIONS_POLICY.startswith("accelerometer=(), camera=(),")


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/register/", "/menu/", "/api/docs/", "/api/redoc/", "/no/such/page/"]
)
def test_html_pages_carry_the_policy_and_no_inline_script(client, path):
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []


def test_the_dashboards_and_home_have_no_inline_script(client, owner, workspace):
    from sales.services import records_generate_fake

    records_generate_fake(workspace=workspace, count=50, seed=3, days=60)
    client.force_login(owner)
    for path in ("/", "/sales/", "/ecommerce/", "/ecommerce/customers/", "/ecommerce/forecast/", "/api-metrics/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        html = response.content.decode()
        assert INLINE_SCRIPT.findall(html) == [], path
        assert INLINE_HANDLER.findall(html) == [], path


def test_json_answers_carry_the_permissions_policy_only(anon_api):
    response = anon_api.get("/api/v1/catalog/types")
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "Content-Security-Policy" not in response


def test_the_503_page_carries_the_policy(db):
    response = Client(raise_request_exception=False).get("/test/database-down/")
    assert response.status_code == 503
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


pytestmark = [pytestmark, pytest.mark.urls("tests.config.scoped_urls")]
