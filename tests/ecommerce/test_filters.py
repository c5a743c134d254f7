"""The e-commerce filters (``country``, ``customer``, ``product``): the same scope narrows the API's
KPIs, series, countries and revenue tables and the dashboards, where each filter is a removable
chip carried in the tabs, the time controls' form and the CSV links.

Figures by hand from the shop of ``conftest.py`` (whole history, 2011-01-03 → 2011-02-08):

| scope                    | revenue | returns | net   | orders | customers | products | units | AOV   |
|--------------------------|---------|---------|-------|--------|-----------|----------|-------|-------|
| every line               | 112.80  | 17.85   | 94.95 | 5      | 3         | 2        | 21    | 22.56 |
| United Kingdom (1,2,4,5) | 67.30   | 5.10    | 62.20 | 3      | 1 (A)     | 2        | 18    | 22.43 |
| EIRE (3)                 | 25.50   | 12.75   | 12.75 | 1      | 1 (B)     | 1        | 2     | 25.50 |
| customer A (1,2,5)       | 46.05   | 5.10    | 40.95 | 2      | 1         | 2        | 8     | 23.03 |
| product 22423 (3,5)      | 38.25   | 12.75   | 25.50 | 2      | 2 (A, B)  | 1        | 3     | 19.13 |
| UK and 22423 (5)         | 12.75   | 0.00    | 12.75 | 1      | 1         | 1        | 1     | 12.75 |

Return rates: UK 5.10 / 67.30 = 0.0758; EIRE 0.5; A 5.10 / 46.05 = 0.1107; 22423 12.75 / 38.25 = 0.3333;
UK and 22423 0. The workspace's currency is the dollar.
"""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/ecommerce/kpis"
FIGURES = ("revenue", "returns_value", "net_revenue", "orders", "customers", "products", "units")
EXPECTED = {
    (): ("112.80", "17.85", "94.95", 5, 3, 2, 21, "22.56", 0.1582),
    (("country", "United Kingdom"),): ("67.30", "5.10", "62.20", 3, 1, 2, 18, "22.43", 0.0758),
    (("country", "Ireland"),): ("25.50", "12.75", "12.75", 1, 1, 1, 2, "25.50", 0.5),
    (("customer", "A"),): ("46.05", "5.10", "40.95", 2, 1, 2, 8, "23.03", 0.1107),
    (("product", "22423"),): ("38.25", "12.75", "25.50", 2, 2, 1, 3, "19.13", 0.3333),
    (("country", "United Kingdom"), ("product", "22423")): ("12.75", "0.00", "12.75", 1, 1, 1, 1, "12.75", 0.0),
}


def _kpis(body: dict) -> tuple:
    return (*(body[name] for name in FIGURES), body["average_order_value"], body["return_rate"])


@pytest.mark.parametrize("filters", list(EXPECTED))
def test_kpis_follow_each_filter_for_every_member(shop, owner, admin_user, viewer, api_as, filters):
    for user in (owner, admin_user, viewer):
        response = api_as(user).get(KPIS, {**dict(filters), "compare": "none"})
        assert response.status_code == 200, response.content
        assert _kpis(response.json()) == EXPECTED[filters]


def test_the_comparison_follows_the_filter(shop, owner, api_as):
    # February against the 28 days before (4 to 31 January) in the United Kingdom: 12.75 against
    # the 21.25 of invoice 1003 (1001, on 3 January, is outside).
    body = api_as(owner).get(KPIS, {"date_from": "2011-02-01", "date_to": "2011-02-28", "country": "United Kingdom"})
    assert (body.json()["revenue"], body.json()["previous"]["revenue"]) == ("12.75", "21.25")
    assert body.json()["deltas"]["revenue"] == {"change": "-8.50", "pct": -40.0}


def test_series_countries_and_revenue_tables_follow_the_filters(shop, owner, api_as):
    client = api_as(owner)
    series = client.get("/api/v1/ecommerce/series", {"interval": "month", "country": "France"}).json()
    assert [(row["bucket"], row["revenue"], row["orders"]) for row in series["rows"]] == [
        ("2011-01", "0.00", 0),
        ("2011-02", "20.00", 1),
    ]
    countries = client.get("/api/v1/ecommerce/countries", {"product": "22423"}).json()
    assert [(row["country"], row["revenue"], row["revenue_share"]) for row in countries["rows"]] == [
        ("EIRE", "25.50", 0.6667),
        ("United Kingdom", "12.75", 0.3333),
    ]
    by_hour = client.get("/api/v1/ecommerce/revenue/by-hour", {"customer": "A"}).json()
    assert [(row["hour"], row["revenue"]) for row in by_hour["rows"] if row["orders"]] == [(9, "12.75"), (10, "33.30")]
    growth = client.get("/api/v1/ecommerce/revenue/growth", {"customer": "A"}).json()
    assert [(row["month"], row["revenue"]) for row in growth["rows"]] == [("2011-01", "33.30"), ("2011-02", "12.75")]
    top = client.get("/api/v1/ecommerce/products/top", {"country": "EIRE"}).json()
    assert [(row["stock_code"], row["net_revenue"]) for row in top["rows"]] == [("22423", "12.75")]
    customers = client.get("/api/v1/ecommerce/customers/top", {"product": "85123A"}).json()
    assert [(row["customer_id"], row["net_revenue"]) for row in customers["rows"]] == [("A", "10.20")]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": ""}, "country"),
        ({"country": "x" * 65}, "country"),
        ({"customer": "1" * 33}, "customer"),
        ({"product": "P" * 33}, "product"),
        ({"product": "85\x00123A"}, "product"),
    ],
)
@pytest.mark.parametrize("endpoint", ["kpis", "series", "countries", "revenue/monthly", "revenue/by-weekday"])
def test_malformed_filters_answer_400_in_the_error_shape(shop, owner, api_as, endpoint, params, field):
    response = api_as(owner).get(f"/api/v1/ecommerce/{endpoint}", params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", [field])


@pytest.mark.parametrize("params", [{"country": "Atlantis"}, {"customer": "Z"}, {"product": "99999"}])
def test_a_filter_naming_nothing_of_the_workspace_answers_404_as_the_detail_endpoints(
    shop, other_shop, owner, viewer, api_as, params
):
    # Z and 99999 are the other workspace's customer and product: they name nothing here.
    for user in (owner, viewer):
        response = api_as(user).get(KPIS, params)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_outsiders_and_anonymous_read_no_filtered_figures(shop, other_shop, outsider, api_as, anon_api):
    assert api_as(outsider).get(KPIS, {"country": "EIRE"}).status_code == 404  # not a member of ours
    assert api_as(outsider, other_shop).get(KPIS, {"country": "EIRE"}).status_code == 404  # none of theirs
    theirs = api_as(outsider, other_shop).get(KPIS, {"customer": "Z", "compare": "none"}).json()
    assert (theirs["revenue"], theirs["orders"]) == ("100000.00", 1)
    response = anon_api.get(KPIS, {"country": "EIRE"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


def test_a_filter_is_its_own_cache_entry(shop, owner, api_as):
    client = api_as(owner)
    assert client.get(KPIS, {"compare": "none"}).json()["revenue"] == "112.80"
    assert client.get(KPIS, {"compare": "none", "country": "France"}).json()["revenue"] == "20.00"
    # Ireland is stored as EIRE: both spellings are one scope, hence one entry.
    assert client.get(KPIS, {"compare": "none", "country": "ireland"}).json()["revenue"] == "25.50"
    assert client.get(KPIS, {"compare": "none"}).json()["revenue"] == "112.80"


# --- The pages ------------------------------------------------------------------------------


def _card(html: str, key: str) -> str:
    """The value shown in the KPI card ``key``."""
    match = re.search(rf'data-kpi="{key}".*?class="value"[^>]*>([^<]+)<', html, re.S)
    assert match, key
    return match.group(1).strip()


def test_the_overview_follows_a_country_chip_for_every_member(shop, owner, admin_user, viewer, client):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        html = client.get(reverse("ecommerce:dashboard"), {"preset": "all", "country": "EIRE"}).content.decode()
        assert _card(html, "revenue") == "$25.50"
        assert _card(html, "orders") == "1"
        chip = re.search(r'<li class="chip" data-filter="country">(.*?)</li>', html, re.S).group(1)
        assert "Country: <strong>Ireland</strong>" in chip
        assert 'href="/ecommerce/?preset=all"' in chip  # the × keeps the range, drops the filter
        assert 'aria-label="Remove the filter Country: Ireland"' in chip
        assert '<input type="hidden" name="country" value="EIRE">' in html
        assert 'href="/ecommerce/customers/?preset=all&amp;country=EIRE"' in html  # the tabs carry it
        for table in ("kpis", "series", "countries", "revenue/growth", "revenue/by-hour", "transactions"):
            assert re.search(rf"/api/v1/ecommerce/{table}\?[^\"]*country=EIRE[^\"]*format=csv", html), table
        # The nav's link to another app carries the range only.
        assert 'href="/ecommerce/?preset=all"' in html


def test_the_countries_table_applies_the_filter_and_links_the_country_page(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard"), {"preset": "all"}).content.decode()
    assert _card(html, "revenue") == "$112.80"
    row = re.search(r'<tr data-country="EIRE">(.*?)</tr>', html, re.S).group(1)
    assert 'href="/ecommerce/?preset=all&amp;country=EIRE" class="apply-filter"' in row
    assert 'href="/ecommerce/countries/EIRE/?preset=all" class="detail-link"' in row
    assert "filter-chips" not in html


def test_top_rows_apply_their_filter(shop, owner, client):
    client.force_login(owner)
    customers = client.get(reverse("ecommerce:customers"), {"preset": "all"}).content.decode()
    assert 'href="/ecommerce/?preset=all&amp;customer=A" class="apply-filter"' in customers
    products = client.get(reverse("ecommerce:products"), {"preset": "all", "country": "EIRE"}).content.decode()
    row = re.search(r'<tr data-stock-code="22423">(.*?)</tr>', products, re.S).group(1)
    assert 'href="/ecommerce/?preset=all&amp;country=EIRE&amp;product=22423" class="apply-filter"' in row
    assert "85123A" not in products  # not sold in Ireland
    assert "/api/v1/ecommerce/products/top?preset" not in products
    assert "/api/v1/ecommerce/products/top?country=EIRE&amp;order_by=net&amp;limit=250&amp;format=csv" in products


def test_every_table_of_the_customers_page_follows_its_filters(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:customers"), {"preset": "all", "product": "22423"}).content.decode()
    assert 'id="filters-note"' not in html
    assert "2 customers: 2 new, 0 returning" in html  # 22423's buyers, A and B
    forecast = client.get(reverse("ecommerce:forecast"), {"preset": "all", "product": "22423"}).content.decode()
    assert (
        '<p class="muted" id="filters-note">The forecast is the whole shop&#x27;s: the filters do not narrow it.</p>'
        in forecast
    )
    assert re.findall(r'<tr data-customer="(\w+)"', html) == ["A", "B"]  # 12.75 net each, by id


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"country": "Atlantis"}, "country: no country &#x27;Atlantis&#x27; in this workspace."),
        ({"customer": "1" * 33}, "customer: Ensure this field has no more than 32 characters."),
        ({"product": ""}, "product: This field may not be blank."),
    ],
)
def test_a_wrong_filter_is_the_error_line_and_the_page_unfiltered(shop, owner, client, params, message):
    client.force_login(owner)
    response = client.get(reverse("ecommerce:dashboard"), {"preset": "all", **params})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<li class="error" role="alert">{message}</li>' in html
    assert "filter-chips" not in html
    assert _card(html, "revenue") == "$112.80"


def test_outsiders_filter_only_their_own_lines_and_anonymous_is_sent_to_log_in(shop, other_shop, outsider, client):
    client.force_login(outsider)
    html = client.get(reverse("ecommerce:dashboard"), {"preset": "all", "country": "EIRE"}).content.decode()
    assert "country: no country &#x27;EIRE&#x27; in this workspace." in html
    assert _card(html, "revenue") == "$100K"
    client.logout()
    response = client.get(reverse("ecommerce:dashboard"), {"country": "EIRE"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_detail_page_carries_the_filters_back_to_the_dashboards(shop, owner, client):
    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard"), {"preset": "all", "product": "22423"}).content.decode()
    row = re.search(r'<tr data-country="EIRE">(.*?)</tr>', html, re.S).group(1)
    assert 'href="/ecommerce/countries/EIRE/?preset=all&amp;product=22423" class="detail-link"' in row
    page = client.get("/ecommerce/countries/EIRE/", {"preset": "all", "product": "22423"}).content.decode()
    assert "Product: <strong>22423</strong>" in page
    assert '<p class="muted" id="filters-note">The filters narrow the dashboards, not this page.</p>' in page
    assert 'href="/ecommerce/?preset=all&amp;product=22423"' in page  # the Overview tab
    assert "/api/v1/ecommerce/countries/EIRE?format=csv" in page  # the page's own figures, unfiltered
