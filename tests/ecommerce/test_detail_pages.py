"""The country, customer and product pages, their API answers and CSV, on the hand-built shop
(figures from the table in ``tests/ecommerce/conftest.py``)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ALL = {"preset": "all"}  # the whole history (the pages' default is the last 30 days of data)

PAGES = [
    ("ecommerce:country", "EIRE"),
    ("ecommerce:customer", "A"),
    ("ecommerce:product", "85123A"),
]


@pytest.mark.parametrize(("page", "key"), PAGES)
def test_anonymous_is_sent_to_log_in(shop, client, page, key):
    response = client.get(reverse(page, args=[key]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("page", "key"), PAGES)
def test_members_read_and_an_outsider_finds_nothing(shop, owner, admin_user, viewer, outsider, client, page, key):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        response = client.get(reverse(page, args=[key]))
        assert response.status_code == 200, user
        assert "format=csv" in response.content.decode()
    client.force_login(outsider)  # the key exists, in a workspace the outsider is not a member of
    response = client.get(reverse(page, args=[key]))
    assert response.status_code == 404
    assert 'id="error-404"' in response.content.decode()


@pytest.mark.parametrize(
    ("page", "key"), [("ecommerce:country", "Narnia"), ("ecommerce:customer", "ZZZ"), ("ecommerce:product", "NOPE")]
)
def test_an_unknown_key_is_the_404_page(shop, owner, client, page, key):
    client.force_login(owner)
    response = client.get(reverse(page, args=[key]))
    assert response.status_code == 404
    assert 'id="error-404"' in response.content.decode()


def kpi(html: str, key: str) -> str:
    start = html.index(f'data-kpi="{key}"')
    value = html.index('<div class="value">', start) + len('<div class="value">')
    return html[value : html.index("</div>", value)]


def test_the_country_page_shows_its_figures_products_and_customers(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:country", args=["United Kingdom"]), ALL).content.decode()
    # Lines 1, 2, 4, 5: 15.30 + 18.00 + 21.25 + 12.75; invoices 1001, 1003, 1004; return C2001.
    assert [kpi(html, key) for key in ("revenue", "net_revenue", "orders", "average_order_value", "units")] == [
        "67.30",
        "62.20",
        "3",
        "22.43",
        "18",
    ]
    assert kpi(html, "returns_value") == "5.10"
    assert "Country: United Kingdom" in html
    assert (
        '<a href="/ecommerce/products/85123A/?preset=all">85123A</a></td><td>WHITE HANGING HEART T-LIGHT HOLDER</td>'
        in html
    )
    assert '<td class="num">$36.55</td>' in html  # 85123A in the UK: 15.30 + 21.25
    # Customer A in the UK: spent 46.05 (lines 1, 2, 4), returned 5.10 (C2001): net 40.95.
    assert (
        '<a href="/ecommerce/customers/A/?preset=all">A</a></td><td>United Kingdom</td>'
        '<td class="num">$40.95</td><td class="num">$46.05</td><td class="num">$5.10</td>'
    ) in html
    assert "/api/v1/ecommerce/countries/United%20Kingdom?table=top_customers&amp;format=csv" in html


def test_the_country_pages_products_chart_draws_the_net_value_its_table_ranks_by(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:country", args=["United Kingdom"]), ALL).content.decode()
    # Bottom up: 22423 (12.75, nothing returned in the UK), then 85123A (36.55 − 5.10 = 31.45, not
    # its gross 36.55); the monthly series is the page's other chart.
    assert re.findall(r'"x":\s*\[([^\]]*)\]', html)[1] == "12.75,31.45"


def test_the_country_page_finds_a_country_by_its_name_and_keeps_the_range(shop, owner, client):
    client.force_login(owner)
    url = reverse("ecommerce:country", args=["Ireland"])
    html = client.get(url, {"date_from": "2011-01-01", "date_to": "2011-01-31"}).content.decode()
    assert "Country: Ireland" in html
    assert (kpi(html, "revenue"), kpi(html, "returns_value")) == ("25.50", "0.00")  # C2002 is in February
    assert '<a href="/ecommerce/products/22423/?preset=custom&amp;date_from=2011-01-01&amp;date_to=2011-01-31' in html


def test_the_customer_page_shows_orders_returns_segment_and_first_purchase(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:customer", args=["A"]), ALL).content.decode()
    # Invoices 1001 (15.30 + 18.00) and 1004 (12.75); C2001 returned 2 × 2.55.
    assert [kpi(html, key) for key in ("revenue", "net_revenue", "orders", "average_order_value", "units")] == [
        "46.05",
        "40.95",
        "2",
        "23.03",
        "8",
    ]
    # R: A's last purchase 2 days before the reference day ranks 2nd of 3 → 4; F and M rank
    # first of 3 → 5 and 5, FM 5: Champions.
    assert "<dt>Segment</dt><dd>Champions</dd>" in html
    assert "<dt>First purchase</dt><dd>2011-01-03T10:15</dd>" in html
    assert "<dt>Last purchase</dt><dd>2011-02-07T09:05</dd>" in html
    orders = html[html.index('id="customer-orders"') : html.index('id="customer-returns"')]
    assert orders.index("<td>1004</td>") < orders.index("<td>1001</td>")  # latest first
    assert (
        '<td>1001</td><td>2011-01-03T10:15</td><td class="num">$33.30</td><td class="num">7</td>'
        '<td class="num">2</td>' in orders
    )
    assert (
        '<td>C2001</td><td>2011-01-05T11:00</td><td><a href="/ecommerce/products/85123A/?preset=all">85123A</a></td>'
        in html
    )
    assert '<td class="num">-2</td><td class="num">5.10</td>' in html
    # Three customers are too few for the value model.
    assert '– <span class="sub">(no model for this range)</span>' in html
    assert "/api/v1/ecommerce/customers/A?table=returns&amp;format=csv" in html


def test_the_product_page_shows_sales_returns_and_countries(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:product", args=["85123A"]), ALL).content.decode()
    # Lines 1 and 4: 6 × 2.55 + 10 × 2.125 in invoices 1001 and 1003; C2001 returned 2 of them.
    assert [kpi(html, key) for key in ("revenue", "net_revenue", "orders", "units", "returns_value")] == [
        "36.55",
        "31.45",
        "2",
        "16",
        "5.10",
    ]
    assert "Product 85123A: WHITE HANGING HEART T-LIGHT HOLDER" in html
    assert "Units returned: 2" in html
    assert (
        '<a href="/ecommerce/countries/United%20Kingdom/?preset=all">United Kingdom</a></td><td class="num">36.55</td>'
        '<td class="num">16</td><td class="num">2</td>' in html
    )


def test_the_dashboards_rows_and_bars_link_to_the_detail_pages(shop, owner, client):
    client.force_login(owner)
    query = {"date_from": "2011-01-01", "date_to": "2011-02-28"}
    suffix = "?preset=custom&amp;date_from=2011-01-01&amp;date_to=2011-02-28"
    overview = client.get(reverse("ecommerce:dashboard"), query).content.decode()
    assert f'<a href="/ecommerce/countries/EIRE/{suffix}' in overview
    # The map's regions: a click on Ireland applies the country filter (its row's "page" link opens EIRE's page).
    assert (
        '"Ireland": "/ecommerce/?preset=custom\\u0026date_from=2011-01-01\\u0026date_to=2011-02-28\\u0026country=EIRE"'
        in overview
    )
    customers = client.get(reverse("ecommerce:customers"), query).content.decode()
    assert f'<a href="/ecommerce/customers/B/{suffix}' in customers
    products = client.get(reverse("ecommerce:products"), query).content.decode()
    assert f'<a href="/ecommerce/products/22423/{suffix}' in products
    assert '"REGENCY CAKESTAND 3 TIER (22423)": "/ecommerce/products/22423/' in products


def test_the_detail_csv_and_json_answer_the_same_figures(shop, owner, api_as):
    api = api_as(owner)
    product = api.get("/api/v1/ecommerce/products/85123A").json()
    assert (product["kpis"]["revenue"], product["returned_units"], product["top_countries"][0]["label"]) == (
        "36.55",
        2,
        "United Kingdom",
    )
    customer = api.get("/api/v1/ecommerce/customers/A", {"table": "returns", "format": "csv"})
    assert customer.status_code == 200
    lines = customer.content.decode().splitlines()
    assert lines[0].split(",")[:5] == ["invoice_no", "invoice_date", "stock_code", "quantity", "amount"]
    assert lines[1].startswith("C2001,2011-01-05T11:00:00+00:00,85123A,-2,5.10")
    country = api.get("/api/v1/ecommerce/countries/EIRE", {"table": "top_customers", "format": "csv"})
    # B in Ireland: line 3 (2 × 12.75, one order) and C2002 (1 × 12.75 back): net 12.75, rate 0.5.
    assert country.content.decode().splitlines()[1] == (
        "B,Ireland,25.50,2,1,25.50,2011-01-04T14:30:00+00:00,2011-01-04T14:30:00+00:00,12.75,1,12.75,0.5,0,0.00"
    )


@pytest.mark.parametrize("path", ["customers/ZZZ", "products/NOPE", "products/" + "X" * 40, "customers/%00"])
def test_an_unknown_customer_or_product_is_a_404_in_the_error_shape(shop, owner, api_as, path):
    response = api_as(owner).get(f"/api/v1/ecommerce/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
