"""Rules narrowed by a filter, evaluated with a frozen clock: a store's revenue and ROAS, and one
API endpoint's requests, error rate, p95 and Apdex.

Sales on Sunday 8 March 2026 ("yesterday" at NOW): North 100.00 (ad spend 20.00), South 300.00
(50.00); Globex's store 999.00. API calls of project "shop" that Sunday (UTC):
| endpoint     | calls | statuses       | ms each |
| GET /items   | 4     | 200, 200, 500, 404 | 100     |
| POST /orders | 1     | 201            | 3000    |
"""

import datetime as dt
from decimal import Decimal

import pytest

from apimetrics import rollups
from apimetrics.histogram import bucket_of, bucket_value
from apimetrics.models import RequestEvent
from tests.apimetrics.factories import ProjectFactory, make_event
from tests.reports.conftest import NOW, make_rule
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db
SUNDAY = dt.date(2026, 3, 8)


def _states(*rules) -> list[tuple]:
    for rule in rules:
        rule.refresh_from_db()
    return [(rule.state, rule.last_value) for rule in rules]


def test_rules_on_a_store_read_its_revenue_and_roas(workspace, other_workspace, evaluate):
    north, south = StoreFactory(workspace=workspace, name="North"), StoreFactory(workspace=workspace, name="South")
    for store, revenue, ad_spend in ((north, "100.00", "20.00"), (south, "300.00", "50.00")):
        SalesRecordFactory(store=store, date=SUNDAY, revenue=Decimal(revenue), ad_spend=Decimal(ad_spend))
    theirs = StoreFactory(workspace=other_workspace)
    SalesRecordFactory(store=theirs, date=SUNDAY, revenue=Decimal("999.00"), ad_spend=Decimal("1.00"))
    quiet = make_rule(workspace, filters={"store": north.pk}, threshold=Decimal("150"))
    busy = make_rule(workspace, filters={"store": south.pk}, threshold=Decimal("150"))
    roas = make_rule(workspace, metric="roas", filters={"store": south.pk}, threshold=Decimal("5"))
    spend = make_rule(workspace, metric="total_ad_spend", filters={"store": north.pk}, threshold=Decimal("15"))
    evaluate(NOW)
    assert _states(quiet, busy, roas, spend) == [
        ("ok", Decimal("100")),
        ("firing", Decimal("300")),
        ("firing", Decimal("6")),
        ("firing", Decimal("20")),
    ]


def test_rules_on_one_endpoint_read_its_rollups(workspace, evaluate):
    shop = ProjectFactory(workspace=workspace, key="shop")
    noon = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create(
        [
            *(make_event(shop, noon + dt.timedelta(seconds=n), status=s) for n, s in enumerate((200, 200, 500, 404))),
            make_event(shop, noon, method="POST", endpoint="/orders", status=201, ms=3000),
        ]
    )
    rollups.rollup_project(project_id=shop.pk, now=NOW)

    def rule(metric: str, endpoint: str, threshold: str, direction: str = "above"):
        filters = {"key": "shop", "endpoint": endpoint}
        return make_rule(
            workspace,
            insight="apimetrics.summary",
            metric=metric,
            filters=filters,
            threshold=Decimal(threshold),
            direction=direction,
        )

    rules = (
        rule("requests", "GET /items", "3"),  # 4
        rule("error_rate", "GET /items", "40"),  # 25 % + 25 %
        rule("p95_ms", "POST /orders", "1000"),  # the 3,000 ms call's bucket
        rule("apdex", "POST /orders", "0.5", "below"),  # frustrated: over 4 × 500 ms
        rule("apdex", "GET /items", "0.5", "below"),  # 3 of 4 satisfied: only the 5xx is frustrated
        # An endpoint the project never had is the API's 404: the rule cannot be read, says so, and
        # does not fire (as a rule on a country the shop never sold to).
        rule("requests", "GET /nothing", "0"),
    )
    evaluate(NOW)
    p95 = Decimal(str(round(bucket_value(bucket_of(3000)), 2)))
    assert _states(*rules) == [
        ("firing", Decimal("4")),
        ("firing", Decimal("50")),
        ("firing", p95),
        ("firing", Decimal("0")),
        ("ok", Decimal("0.75")),
        ("ok", None),
    ]
    rules[-1].refresh_from_db()
    assert (rules[-1].last_outcome, rules[-1].last_error) == (
        "no_data",
        "The rule cannot be read: No endpoint 'GET /nothing' in this project.",
    )
