"""Returns-aware rankings, the top returned products, orders cancelled in full and the returns list.

The fixture ``cancellations`` (workspace time zone UTC):

| invoice | when             | customer | lines                              |
|---------|------------------|----------|------------------------------------|
| 5001    | 2011-03-01 10:00 | X        | P1 100 × 2.00 = 200.00             |
| C5002   | 2011-03-02 09:30 | X        | P1 −100 × 2.00: reverses 5001      |
| 5003    | 2011-03-02 09:00 | X        | P1 5 × 2.00 = 10.00, P2 3 × 4.00 = 12.00 |
| C5004   | 2011-03-03 08:00 | X        | P2 −3 × 4.00: one of 5003's two lines |
| 5005    | 2011-03-05 12:00 | Y        | P2 10 × 4.00 = 40.00               |
| C5006   | 2011-03-04 12:00 | Y        | P2 −10 × 4.00: before the sale, reverses nothing |
| 5007    | 2011-03-06 15:00 | (none)   | P3 1 × 50.00, P4 2 × 1.00          |
| C5008   | 2011-03-06 16:00 | (none)   | P3 −1 × 50.00: no customer, matches nothing |

Only 5001 is cancelled in full. Per product: P1 gross 210.00 (105 units), returns 200.00 (100),
net 10.00; P2 gross 52.00 (13), returns 52.00 (13), net 0.00; P3 gross 50.00, returns 50.00,
net 0.00; P4 gross 2.00, no returns, net 2.00. Per customer: X gross 222.00 (108 units),
returns 212.00 (103), net 10.00; Y gross 40.00, returns 40.00, net 0.00.
"""

import datetime as dt
from decimal import Decimal

import pytest

from config.periods import Period
from ecommerce import analytics
from ecommerce.models import ReturnLine
from tests.ecommerce.factories import ReturnLineFactory, SalesLineFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def cancellations(workspace):
    sales = [
        ("5001", utc(2011, 3, 1, 10), "X", "P1", 100, "2.00"),
        ("5003", utc(2011, 3, 2, 9), "X", "P1", 5, "2.00"),
        ("5003", utc(2011, 3, 2, 9), "X", "P2", 3, "4.00"),
        ("5005", utc(2011, 3, 5, 12), "Y", "P2", 10, "4.00"),
        ("5007", utc(2011, 3, 6, 15), "", "P3", 1, "50.00"),
        ("5007", utc(2011, 3, 6, 15), "", "P4", 2, "1.00"),
    ]
    returns = [
        ("C5002", utc(2011, 3, 2, 9, 30), "X", "P1", -100, "2.00"),
        ("C5004", utc(2011, 3, 3, 8), "X", "P2", -3, "4.00"),
        ("C5006", utc(2011, 3, 4, 12), "Y", "P2", -10, "4.00"),
        ("C5008", utc(2011, 3, 6, 16), "", "P3", -1, "50.00"),
    ]
    for factory, rows in ((SalesLineFactory, sales), (ReturnLineFactory, returns)):
        for invoice, when, customer, code, quantity, price in rows:
            factory(
                workspace=workspace,
                invoice_no=invoice,
                invoice_date=when,
                customer_id=customer,
                stock_code=code,
                description=f"PRODUCT {code}",
                quantity=quantity,
                unit_price=Decimal(price),
            )
    return workspace


def product(code, gross, units, orders, price, returns, returned, net, rate, cancelled=0, cancelled_value="0.00"):
    return {
        "stock_code": code,
        "description": f"PRODUCT {code}",
        "revenue": gross,
        "units": units,
        "orders": orders,
        "average_price": price,
        "returns_value": returns,
        "returned_units": returned,
        "net_revenue": net,
        "return_rate": rate,
        "cancelled_orders": cancelled,
        "cancelled_value": cancelled_value,
    }


P1 = product("P1", "210.00", 105, 2, "2.00", "200.00", 100, "10.00", 0.9524, 1, "200.00")
P2 = product("P2", "52.00", 13, 2, "4.00", "52.00", 13, "0.00", 1.0)
P3 = product("P3", "50.00", 1, 1, "50.00", "50.00", 1, "0.00", 1.0)
P4 = product("P4", "2.00", 2, 1, "1.00", "0.00", 0, "2.00", 0.0)


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("net", [P1, P4, P2, P3]),  # P2 and P3 tie at 0.00: by stock code
        ("gross", [P1, P2, P3, P4]),
        ("units", [P1, P2, P4, P3]),
        ("returns", [P1, P2, P3, P4]),
    ],
)
def test_products_rank_by_net_gross_units_or_returns(cancellations, order_by, expected):
    assert analytics.top_products(cancellations, Period(), order_by, 10)["rows"] == expected


def test_returned_products_list_only_products_with_returns(cancellations):
    assert analytics.returned_products(cancellations, Period(), 10)["rows"] == [P1, P2, P3]
    assert analytics.returned_products(cancellations, Period(), 1)["rows"] == [P1]


def test_an_order_cancelled_after_the_range_is_still_cancelled_in_full(cancellations):
    """2011-03-01 holds 5001 alone; C5002 comes the next day, outside the range."""
    rows = analytics.top_products(cancellations, Period(dt.date(2011, 3, 1), dt.date(2011, 3, 1)), "net", 10)["rows"]
    assert rows == [product("P1", "200.00", 100, 1, "2.00", "0.00", 0, "200.00", 0.0, 1, "200.00")]


def test_a_product_only_returned_in_the_range_ranks_with_no_sales(cancellations):
    """2011-03-04 holds C5006 alone (10 × P2 back, 40.00), sold the next day."""
    rows = analytics.top_products(cancellations, Period(dt.date(2011, 3, 4), dt.date(2011, 3, 4)), "net", 10)["rows"]
    assert rows == [product("P2", "0.00", 0, 0, None, "40.00", 10, "-40.00", None)]


def test_customers_rank_by_net_with_cancelled_orders(cancellations):
    rows = analytics.top_customers(cancellations, Period(), "net", 10)["rows"]
    assert rows == [
        {
            "customer_id": "X",
            "country": "United Kingdom",
            "total_spent": "222.00",
            "units": 108,
            "orders": 2,
            "avg_order_value": "111.00",
            "first_purchase": "2011-03-01T10:00:00+00:00",
            "last_purchase": "2011-03-02T09:00:00+00:00",
            "returns_value": "212.00",
            "returned_units": 103,
            "net_revenue": "10.00",
            "return_rate": 0.955,
            "cancelled_orders": 1,
            "cancelled_value": "200.00",
        },
        {
            "customer_id": "Y",
            "country": "United Kingdom",
            "total_spent": "40.00",
            "units": 10,
            "orders": 1,
            "avg_order_value": "40.00",
            "first_purchase": "2011-03-05T12:00:00+00:00",
            "last_purchase": "2011-03-05T12:00:00+00:00",
            "returns_value": "40.00",
            "returned_units": 10,
            "net_revenue": "0.00",
            "return_rate": 1.0,
            "cancelled_orders": 0,
            "cancelled_value": "0.00",
        },
    ]


def test_a_customer_who_only_returned_in_the_range_has_no_purchase_dates(cancellations):
    rows = analytics.top_customers(cancellations, Period(dt.date(2011, 3, 4), dt.date(2011, 3, 4)), "returns", 10)
    assert [(r["customer_id"], r["total_spent"], r["net_revenue"], r["first_purchase"]) for r in rows["rows"]] == [
        ("Y", "0.00", "-40.00", None)
    ]


def test_ranking_api_answers_the_ordering_asked_for(cancellations, owner, api_as):
    client = api_as(owner)
    body = client.get(BASE + "products/top", {"order_by": "units", "limit": 2}).json()
    assert (body["order_by"], body["rows"]) == ("units", [P1, P2])
    assert client.get(BASE + "products/top").json()["order_by"] == "net"
    customers = client.get(BASE + "customers/top", {"order_by": "gross"}).json()["rows"]
    assert [(r["customer_id"], r["total_spent"]) for r in customers] == [("X", "222.00"), ("Y", "40.00")]
    returned = client.get(BASE + "products/returned", {"format": "csv"}).content.decode().splitlines()
    assert returned[0] == (
        "stock_code,description,revenue,units,orders,average_price,returns_value,returned_units,"
        "net_revenue,return_rate,cancelled_orders,cancelled_value"
    )
    assert returned[1] == "P1,PRODUCT P1,210.00,105,2,2.00,200.00,100,10.00,0.9524,1,200.00"
    assert len(returned) == 4


@pytest.mark.parametrize(
    ("endpoint", "params"),
    [
        ("products/top", {"order_by": "price"}),
        ("customers/top", {"order_by": "net,gross"}),
        ("products/returned", {"limit": 0}),
        ("returns", {"date_from": "2011-03-05", "date_to": "2011-03-01"}),
        ("returns", {"date_from": "yesterday"}),
        ("returns", {"date_to": "2011-02-30"}),
    ],
)
def test_bad_ranking_and_returns_input_answers_400(cancellations, owner, api_as, endpoint, params):
    response = api_as(owner).get(BASE + endpoint, params)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


def test_returns_list_pages_and_filters_like_transactions(cancellations, owner, api_as):
    client = api_as(owner)
    body = client.get(BASE + "returns", {"page_size": 3}).json()
    assert body["count"] == 4
    assert [line["invoice_no"] for line in body["results"]] == ["C5008", "C5006", "C5004"]
    assert body["results"][1] == {
        "id": ReturnLine.objects.get(invoice_no="C5006").pk,
        "invoice_no": "C5006",
        "stock_code": "P2",
        "description": "PRODUCT P2",
        "quantity": -10,
        "unit_price": "4.000",
        "amount": "40.00",
        "invoice_date": "2011-03-04T12:00:00+00:00",
        "customer_id": "Y",
        "country": "United Kingdom",
        "country_label": "United Kingdom",
        "is_product": True,
    }
    assert [
        line["invoice_no"] for line in client.get(BASE + "returns", {"page": 2, "page_size": 3}).json()["results"]
    ] == ["C5002"]
    by_customer = client.get(BASE + "returns", {"customer": "X"}).json()
    assert [line["invoice_no"] for line in by_customer["results"]] == ["C5004", "C5002"]
    by_product = client.get(BASE + "returns", {"product": "P2"}).json()
    assert [line["invoice_no"] for line in by_product["results"]] == ["C5006", "C5004"]
    by_dates = client.get(BASE + "returns", {"date_from": "2011-03-03", "date_to": "2011-03-04"}).json()
    assert [line["invoice_no"] for line in by_dates["results"]] == ["C5006", "C5004"]
    assert client.get(BASE + "returns", {"invoice": "C5008"}).json()["count"] == 1


def test_returns_csv_streams_every_selected_line(cancellations, owner, api_as):
    response = api_as(owner).get(BASE + "returns", {"format": "csv", "customer": "X"})
    assert response.status_code == 200
    assert 'filename="returns.csv"' in response["Content-Disposition"]
    lines = response.getvalue().decode().splitlines()
    assert lines[0] == (
        "id,invoice_no,stock_code,description,quantity,unit_price,amount,invoice_date,customer_id,country,"
        "country_label,is_product"
    )
    c5002 = ReturnLine.objects.get(invoice_no="C5002").pk
    c5004 = ReturnLine.objects.get(invoice_no="C5004").pk
    assert lines[1:] == [
        f"{c5004},C5004,P2,PRODUCT P2,-3,4.000,12.00,2011-03-03T08:00:00+00:00,X,United Kingdom,United Kingdom,True",
        f"{c5002},C5002,P1,PRODUCT P1,-100,2.000,200.00,2011-03-02T09:30:00+00:00,X,United Kingdom,United Kingdom,True",
    ]


@pytest.mark.parametrize("endpoint", ["returns", "products/returned", "products/top?order_by=returns"])
def test_every_member_reads_and_nobody_else(
    cancellations, other_workspace, owner, admin_user, viewer, outsider, api_as, anon_api, endpoint
):
    ReturnLineFactory(workspace=other_workspace, invoice_no="C9", stock_code="P9", customer_id="Z")
    for user in (owner, admin_user, viewer):
        body = api_as(user).get(BASE + endpoint).json()
        rows = body.get("results", body.get("rows"))
        assert [row["stock_code"] for row in rows][:1] == ["P3" if endpoint == "returns" else "P1"], user
        assert "P9" not in [row["stock_code"] for row in rows]
    assert api_as(outsider).get(BASE + endpoint).status_code == 404
    theirs = api_as(outsider, other_workspace).get(BASE + endpoint).json()
    assert [row["stock_code"] for row in theirs.get("results", theirs.get("rows"))] == ["P9"]
    response = anon_api.get(BASE + endpoint)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def _row(html: str, marker: str) -> str:
    """The table row that starts at ``marker`` (up to its end tag), whitespace as rendered."""
    start = html.index(marker)
    return html[start : html.index("</tr>", start)]


def test_products_page_shows_net_gross_returns_and_the_cancelled_flag(cancellations, owner, client):
    from django.urls import reverse

    client.force_login(owner)
    html = client.get(reverse("ecommerce:products")).content.decode()
    p1 = _row(html, 'data-stock-code="P1"')  # first in the net table
    assert "cancelled in full ×1" in p1
    assert [cell for cell in ("10.00", "210.00", "200.00", "95.2%", "105") if cell not in p1] == []
    returned = html[html.index('id="products-returned"') :]
    assert [code for code in ("P1", "P2", "P3", "P4") if f'data-stock-code="{code}"' in returned] == ["P1", "P2", "P3"]
    assert "/api/v1/ecommerce/returns?" in returned


def test_customers_page_ranks_by_net(cancellations, owner, client):
    from django.urls import reverse

    client.force_login(owner)
    html = client.get(reverse("ecommerce:customers")).content.decode()
    table = html[html.index('id="top-customers"') :]
    assert table.index('data-customer="X"') < table.index('data-customer="Y"')
    x = _row(table, 'data-customer="X"')
    assert "cancelled in full ×1" in x
    assert [cell for cell in ("10.00", "222.00", "212.00", "95.5%") if cell not in x] == []


def test_overview_marks_partial_months_and_withholds_their_growth(shop, owner, client):
    """The shop's data run from 3 January to 8 February 2011: both months are partial."""
    from django.urls import reverse

    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard")).content.decode()
    february = _row(html, '<tr class="partial"><td>2011-02')
    assert ">partial</span>" in february
    assert "n/a (partial)" in february
    assert "-59.1" not in february  # as if two whole months
