"""Clicks on the e-commerce charts (config.charts.row_links): the map's regions and the country
bars apply the country filter beside the time controls and the other chips; the top customers'
and top products' bars open their pages. The shop of ``conftest.py``: product 22423 sold 25.50 in
Ireland (stored EIRE) and 12.75 in the United Kingdom (see tests/ecommerce/test_filters.py)."""

import pytest
from django.urls import reverse

from tests.charts import chart_spec, chart_specs

pytestmark = pytest.mark.django_db

FILTERED = "/ecommerce/?preset=all&product=22423"


def test_map_and_country_bars_apply_the_country_filter_for_every_member(shop, owner, admin_user, viewer, client):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        html = client.get(reverse("ecommerce:dashboard"), {"preset": "all", "product": "22423"}).content.decode()
        links = {"Ireland": f"{FILTERED}&country=EIRE", "United Kingdom": f"{FILTERED}&country=United+Kingdom"}
        bars = chart_spec(html, "Top countries by revenue")
        assert bars["links"] == links
        assert bars["figure"]["data"][0]["y"] == ["United Kingdom", "Ireland"]  # Ireland's 25.50 on top
        map_links = next(
            spec["links"] for spec in chart_specs(html) if spec["figure"]["data"][0]["type"] == "choropleth"
        )
        assert map_links == links
        assert "Its bars and regions open the same pages as the table&#x27;s links." in html


def test_top_customers_and_products_bars_open_their_pages(shop, owner, client):
    client.force_login(owner)
    customers = client.get(reverse("ecommerce:customers"), {"preset": "all"}).content.decode()
    links = chart_spec(customers, "Top customers by net value")["links"]
    assert links["Customer A"] == "/ecommerce/customers/A/?preset=all"
    assert links["Customer B"] == "/ecommerce/customers/B/?preset=all"
    products = client.get(reverse("ecommerce:products"), {"preset": "all", "country": "EIRE"}).content.decode()
    assert chart_specs(products)[0]["links"] == {
        "REGENCY CAKESTAND 3 TIER (22423)": "/ecommerce/products/22423/?preset=all&country=EIRE"
    }


def test_anonymous_and_outsiders_see_no_linked_chart(shop, outsider, client):
    url = reverse("ecommerce:dashboard")
    assert client.get(url, {"preset": "all"}).status_code == 302
    client.force_login(outsider)
    html = client.get(url, {"preset": "all"}).content.decode()
    assert "EIRE" not in html  # another workspace's lines, not the shop's
