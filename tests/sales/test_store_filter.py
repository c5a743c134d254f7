"""Sales figures of one store (``?store=<id>``), the summary's filter that alerts on a store read
(tests/reports/test_alert_filters.py), for every role; a store of another workspace is 404, a
malformed id 400.

Records (ad spend in brackets):
| day        | North          | South          | Globex's store  |
| 2026-03-07 |  50.00 (10.00) |                |                 |
| 2026-03-08 | 100.00 (20.00) | 300.00 (50.00) | 999.00 (1.00)   |
"""

import datetime as dt
from decimal import Decimal

import pytest

from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/sales/summary?date_from=2026-03-07&date_to=2026-03-08&store="
D = dt.date


@pytest.fixture
def stores(workspace, other_workspace):
    north, south = StoreFactory(workspace=workspace, name="North"), StoreFactory(workspace=workspace, name="South")
    theirs = StoreFactory(workspace=other_workspace, name="Globex")
    for store, day, revenue, ad_spend in (
        (north, D(2026, 3, 7), "50.00", "10.00"),
        (north, D(2026, 3, 8), "100.00", "20.00"),
        (south, D(2026, 3, 8), "300.00", "50.00"),
        (theirs, D(2026, 3, 8), "999.00", "1.00"),
    ):
        SalesRecordFactory(store=store, date=day, revenue=Decimal(revenue), ad_spend=Decimal(ad_spend))
    return north, south, theirs


def _totals(response) -> tuple:
    assert response.status_code == 200
    body = response.json()
    return body["total_revenue"], body["total_ad_spend"], body["roas"], body["records"], body["stores"]


def test_members_read_one_stores_totals(stores, api_as, owner, admin_user, viewer):
    north, south, _ = stores
    for user in (owner, admin_user, viewer):
        assert _totals(api_as(user).get(f"{URL}{north.pk}")) == ("150.00", "30.00", 5.0, 2, 1)
        assert _totals(api_as(user).get(f"{URL}{south.pk}")) == ("300.00", "50.00", 6.0, 1, 1)
    previous = api_as(owner).get(f"{URL}{north.pk}").json()["previous"]  # 5 and 6 March: nothing
    assert (previous["total_revenue"], previous["records"]) == ("0.00", 0)


def test_another_workspaces_store_outsiders_and_anonymous_are_refused(
    stores, api_as, anon_api, owner, outsider, workspace, other_workspace
):
    north, _, theirs = stores
    assert api_as(owner).get(f"{URL}{theirs.pk}").status_code == 404
    assert api_as(outsider, workspace).get(f"{URL}{north.pk}").status_code == 404
    assert api_as(outsider, other_workspace).get(f"{URL}{north.pk}").status_code == 404
    assert _totals(api_as(outsider, other_workspace).get(f"{URL}{theirs.pk}")) == ("999.00", "1.00", 999.0, 1, 1)
    assert anon_api.get(f"{URL}{north.pk}").status_code == 401


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", str(2**63), "1;DROP"])
def test_a_malformed_store_answers_400(stores, api_as, owner, value):
    response = api_as(owner).get(f"{URL}{value}")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["store"]
