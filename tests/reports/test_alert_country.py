"""A rule on one country reads the country's KPIs alone, not its whole page (monthly series, top
products), and reads what the page shows.

Lines of the workspace (UTC), every one of product 85123A:
| day        | invoice | country | quantity × price |
| 2026-03-07 | 536001  | France  | 1 × 7.00         |
| 2026-03-08 | 536002  | France  | 2 × 5.00         |
| 2026-03-08 | 536003  | France  | 1 × 30.00        |
| 2026-03-08 | 536004  | Germany | 1 × 100.00       |
| 2026-03-08 | C536005 | France  | return 1 × 5.00  |
So France on Sunday the 8th: revenue 40.00, 2 orders, AOV 20.00, returns 5.00, return rate 0.125.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.insights import get_insight
from config.periods import Period
from reports import alert_services
from reports.models import AlertRule
from tests.ecommerce.factories import ReturnLineFactory, SalesLineFactory
from tests.reports.conftest import NOW, make_rule

pytestmark = pytest.mark.django_db
SUNDAY = Period(dt.date(2026, 3, 8), dt.date(2026, 3, 8))


@pytest.fixture
def lines(workspace):
    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, 12, 0, tzinfo=dt.UTC)

    for invoice, day, country, quantity, price in (
        ("536001", 7, "France", 1, "7.00"),
        ("536002", 8, "France", 2, "5.00"),
        ("536003", 8, "France", 1, "30.00"),
        ("536004", 8, "Germany", 1, "100.00"),
    ):
        SalesLineFactory(
            workspace=workspace,
            invoice_no=invoice,
            invoice_date=at(day),
            country=country,
            quantity=quantity,
            unit_price=Decimal(price),
            customer_id=invoice,
        )
    ReturnLineFactory(
        workspace=workspace, invoice_no="C536005", invoice_date=at(8), country="France", unit_price=Decimal("5.00")
    )


def test_country_rules_read_the_countrys_kpis(lines, workspace, evaluate):
    rules = [
        make_rule(
            workspace,
            insight="ecommerce.country",
            metric=f"kpis.{metric}",
            filters={"name": "France"},
            threshold=Decimal(threshold),
        )
        for metric, threshold in (
            ("revenue", "35"),
            ("orders", "2"),
            ("average_order_value", "15"),
            ("return_rate", "0.1"),
        )
    ]
    evaluate(NOW)
    for rule in rules:
        rule.refresh_from_db()
    assert [(rule.state, rule.last_value) for rule in rules] == [
        ("firing", Decimal("40.00")),
        ("ok", Decimal("2")),
        ("firing", Decimal("20.00")),
        ("firing", Decimal("0.125")),
    ]


def test_a_country_scalar_computes_the_kpis_alone_and_agrees_with_the_page(lines, workspace):
    country = get_insight("ecommerce.country")
    with CaptureQueriesContext(connection) as scalar_queries:
        revenue = country.scalar(workspace, "kpis.revenue", SUNDAY, {"name": "France"})
    with CaptureQueriesContext(connection) as page_queries:
        page = country.value(workspace, period=SUNDAY, name="France", limit=10)
    assert revenue == Decimal(page["kpis"]["revenue"]) == Decimal("40.00")
    assert [row["stock_code"] for row in page["top_products"]] == ["85123A"]
    # The page's monthly series, its net top products (sales, returns, descriptions, orders, the
    # returning customers' lines: six reductions) and its net top customers (four) are what the
    # scalar does not run.
    assert len(scalar_queries.captured_queries) == len(page_queries.captured_queries) - 10
    payload = country.run(workspace, country.scalar_params(SUNDAY, {"name": "France"}), scalars=True).value
    assert set(payload) == {"kpis"}


def test_a_round_reads_a_window_once_for_every_country_it_watches(lines, workspace):
    def round_queries(countries: list[str]) -> int:
        AlertRule.objects.all().delete()
        cache.clear()
        for name in countries:
            make_rule(
                workspace,
                insight="ecommerce.country",
                metric="kpis.revenue",
                filters={"name": name},
                threshold=Decimal("1000"),
            )
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            assert alert_services.evaluate_due(now=NOW) == len(countries)
        return len(queries.captured_queries)

    one = round_queries(["France"])
    # Germany costs the look-up of its name alone: the window's sums per invoice, distinct
    # products and returns were read once, for every country.
    assert round_queries(["France", "Germany"]) == one + 1
    values = AlertRule.objects.order_by("pk").values_list("filters__name", "last_outcome", "last_value")
    assert list(values) == [("France", "clear", Decimal("40.00")), ("Germany", "clear", Decimal("100.00"))]
