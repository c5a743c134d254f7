"""The e-commerce overview of a German workspace: every figure a person reads is written in
de_DE (cards, table cells, chart separators and hover labels); the CSV stays plain numbers."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from config.numbers import format_money
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

NBSP = "\xa0"
FEBRUARY = {"date_from": "2011-02-01", "date_to": "2011-02-28"}


@pytest.fixture
def german_shop(workspace):
    workspace.currency, workspace.locale = "EUR", "de_DE"
    workspace.save()
    # 10,581,048.74 from the United Kingdom and 50,000.00 from France: 10,631,048.74 in all.
    for country, price, customer in (("United Kingdom", "10581048.74", "A"), ("France", "50000.00", "B")):
        SalesLineFactory(
            workspace=workspace,
            invoice_date=dt.datetime(2011, 2, 7, 10, tzinfo=dt.UTC),
            quantity=1,
            unit_price=Decimal(price),
            customer_id=customer,
            country=country,
        )
    return workspace


def _overview(client, user):
    client.force_login(user)
    return client.get(reverse("ecommerce:dashboard"), FEBRUARY).content.decode()


def test_a_kpi_card_reads_in_the_workspace_locale_with_the_exact_figure_in_its_title(german_shop, owner, client):
    html = _overview(client, owner)
    card = re.search(r'data-kpi="revenue">.*?<div class="value long" title="([^"]*)">([^<]*)</div>', html, re.S)
    assert card.groups() == (f"10.631.048,74{NBSP}€", f"10,6{NBSP}Mio.{NBSP}€")
    # The request's locale ended with it: what runs next in this thread writes the default.
    assert format_money("1.5", "EUR") == "€1.50"


def test_a_table_cell_reads_in_the_workspace_locale(german_shop, viewer, client):
    html = _overview(client, viewer)
    row = re.search(r'<tr data-country="France">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # Revenue, its share (50,000 of 10,631,048.74: 0.47 %), orders, customers, average order.
    assert cells == [f"50.000,00{NBSP}€", f"0,47{NBSP}%", "1", "1", f"50.000,00{NBSP}€"]


def test_the_charts_carry_the_separators_and_the_currency_of_the_locale(german_shop, owner, client):
    html = _overview(client, owner)
    specs = [json.loads(spec) for spec in re.findall(r'<script type="application/json">(.*?)</script>', html)]
    figures = [spec["figure"] for spec in specs if "figure" in spec]
    assert len(figures) == 4  # series, map, the countries' bars, heat map
    assert {figure["layout"]["separators"] for figure in figures} == {",."}
    series = figures[0]
    assert (series["layout"]["yaxis"]["tickprefix"], series["layout"]["yaxis"]["ticksuffix"]) == ("", f"{NBSP}€")
    (bars,) = [figure for figure in figures if figure["data"][0].get("orientation") == "h"]
    assert (bars["layout"]["xaxis"]["tickprefix"], bars["layout"]["xaxis"]["ticksuffix"]) == ("", f"{NBSP}€")
    assert f"Revenue %{{y:,.2f}}{NBSP}€" in series["data"][0]["hovertemplate"]


def test_the_csv_stays_machine_readable(german_shop, owner, client):
    client.force_login(owner)
    response = client.get("/api/v1/ecommerce/countries", {**FEBRUARY, "format": "csv"}, HTTP_X_WORKSPACE="acme")
    lines = response.content.decode().splitlines()
    assert "10581048.74" in lines[1]
    assert "50000.00" in lines[2]


def test_another_workspace_keeps_its_own_locale(german_shop, other_workspace, outsider, client):
    SalesLineFactory(
        workspace=other_workspace,
        invoice_date=dt.datetime(2011, 2, 7, 10, tzinfo=dt.UTC),
        quantity=1,
        unit_price=Decimal("12345.60"),
        customer_id="Z",
        country="France",
    )
    html = _overview(client, outsider)
    assert '<div class="value" title="$12,345.60">$12.3K</div>' in html
    assert "Mio." not in html


def test_anonymous_visitors_are_sent_to_log_in(german_shop, client):
    response = client.get(reverse("ecommerce:dashboard"), FEBRUARY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_rate_in_a_table_reads_in_the_workspace_locale(german_shop, owner, client):
    # Whole months of data: 5,000,000.00 on 1 January, 10,631,048.74 + 1.00 in February (the
    # last on the 28th). February grew by 5,631,049.74 / 5,000,000.00 = 112.620995 %.
    for day, price in ((dt.datetime(2011, 1, 1, 10, tzinfo=dt.UTC), "5000000.00"),
                       (dt.datetime(2011, 2, 28, 10, tzinfo=dt.UTC), "1.00")):  # fmt: skip
        SalesLineFactory(
            workspace=german_shop, invoice_date=day, quantity=1, unit_price=Decimal(price), customer_id="A"
        )
    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard"), {"date_from": "2011-01-01", "date_to": "2011-02-28"})
    row = re.search(r"<tr><td>2011-02</td>(.*?)</tr>", html.content.decode(), re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == [
        f"10.631.049,74{NBSP}€", f"5.631.049,74{NBSP}€", "112,6 %"
    ]  # fmt: skip
