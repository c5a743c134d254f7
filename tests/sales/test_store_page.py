"""One store's page and its API answer, from the five hand-built records of ``sales_data``."""

import pytest
from django.urls import reverse

from sales.models import Store

pytestmark = pytest.mark.django_db

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def north(stores):
    return stores[0]


def url(store) -> str:
    return reverse("sales:store-performance", args=[store.pk])


def test_anonymous_is_sent_to_log_in(sales_data, north, client):
    response = client.get(url(north))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_members_read_it_and_an_outsider_finds_nothing(sales_data, north, owner, admin_user, viewer, outsider, client):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        assert client.get(url(north)).status_code == 200, user
    client.force_login(outsider)
    response = client.get(url(north))
    assert response.status_code == 404
    assert 'id="error-404"' in response.content.decode()


def test_an_unknown_store_is_the_404_page(sales_data, owner, client):
    client.force_login(owner)
    missing = (Store.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    response = client.get(reverse("sales:store-performance", args=[missing]))
    assert response.status_code == 404
    assert 'id="error-404"' in response.content.decode()


def test_the_store_page_shows_its_march(sales_data, north, owner, client):
    client.force_login(owner)
    response = client.get(url(north), MARCH)
    store = response.context["store"]
    # North in March: 2 March 100.00 / 40.00 by the owner, 3 March 50.50 / 0.00 by the admin.
    assert (store["total_revenue"], store["total_ad_spend"], store["roas"], store["records"]) == (
        "150.50",
        "40.00",
        3.7625,
        2,
    )
    assert len(store["days"]) == 31  # every day of March, zero-filled
    assert [(day["bucket"], day["revenue"], day["roas"]) for day in store["days"][1:4]] == [
        ("2026-03-02", "100.00", 2.5),
        ("2026-03-03", "50.50", None),  # nothing spent: no ROAS
        ("2026-03-04", "0.00", None),
    ]
    assert [(seller["email"], seller["total_revenue"]) for seller in store["top_sellers"]] == [
        ("owner@acme.test", "100.00"),
        ("admin@acme.test", "50.50"),
    ]
    html = response.content.decode()
    assert "Store: North" in html
    assert html.count('<div class="pulse-chart"') == 2
    api = f"/api/v1/sales/by-store/{north.pk}?date_from=2026-03-01&amp;date_to=2026-03-31"
    assert f"{api}&amp;format=csv" in html
    assert f"{api}&amp;table=top_sellers&amp;format=csv" in html


def test_the_dashboard_links_each_store_to_its_page(sales_data, north, owner, client):
    client.force_login(owner)
    html = client.get(reverse("sales:dashboard"), MARCH).content.decode()
    link = (
        f'<a href="/sales/stores/{north.pk}/performance/?preset=custom&amp;date_from=2026-03-01&amp;date_to=2026-03-31'
    )
    assert link in html


def test_the_store_api_and_its_csv(sales_data, north, owner, outsider, api_as):
    body = api_as(owner).get(f"/api/v1/sales/by-store/{north.pk}").json()
    # The whole history: 80.00 + 100.00 + 50.50 over 20.00 + 40.00; 27 February to 3 March is 5 days.
    assert (body["total_revenue"], body["total_ad_spend"], body["roas"], len(body["days"])) == (
        "230.50",
        "60.00",
        3.8417,
        5,
    )
    assert [seller["email"] for seller in body["top_sellers"]] == [
        "owner@acme.test",
        "viewer@acme.test",
        "admin@acme.test",
    ]
    csv = api_as(owner).get(f"/api/v1/sales/by-store/{north.pk}", {"format": "csv", **MARCH}).content.decode()
    assert csv.splitlines()[0].split(",")[:5] == ["bucket", "revenue", "ad_spend", "roas", "records"]
    assert csv.splitlines()[2] == "2026-03-02,100.00,40.00,2.5,1,"  # no annotations
    response = api_as(outsider).get(f"/api/v1/sales/by-store/{north.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
