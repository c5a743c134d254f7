"""HTML pages are gzipped for a client that accepts it; the API's answers and CSV are not."""

import gzip

import pytest

from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db


def test_a_dashboard_is_gzipped_for_a_client_that_accepts_it(client, owner, workspace):
    SalesLineFactory(workspace=workspace)
    client.force_login(owner)
    plain = client.get("/ecommerce/")
    packed = client.get("/ecommerce/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert (plain.status_code, packed.status_code) == (200, 200)
    assert "Content-Encoding" not in plain
    assert (packed["Content-Encoding"], packed["Vary"].count("Accept-Encoding")) == ("gzip", 1)
    page = gzip.decompress(packed.content).decode()
    assert page.startswith("<!doctype html>")
    assert "E-commerce" in page
    assert len(packed.content) * 3 < len(plain.content)


@pytest.mark.parametrize(
    "path",
    [
        "/api/schema/",  # large, not HTML
        "/api/v1/ecommerce/kpis",
        "/api/v1/ecommerce/transactions?format=csv",
    ],
)
def test_api_answers_are_not_compressed(api_as, owner, workspace, path):
    SalesLineFactory(workspace=workspace)
    response = api_as(owner).get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
