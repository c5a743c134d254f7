"""Sales figures of one store (``?store=<id>``), the summary's filter that alerts on a store read
(tests/reports/test_alert_filters.py), for every role; a store of another workspace is 404, a
malformed id 400.

Records (ad spend in brackets):
| day        | North          | South          | Globex's store  |
| 2026-03-07 |  50.00 (10.00) |                |                 |
| 2026-03-08 | 100.00 (20.00) | 300.00 (50.00) | 999.00 (1.00)   |
"""

import datetime as dt
import re
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


# --- The dashboard's store chip ----------------------------------------------------------------

DASHBOARD = "/sales/"
DAYS = {"preset": "custom", "date_from": "2026-03-07", "date_to": "2026-03-08"}
DAYS_QUERY = "preset=custom&amp;date_from=2026-03-07&amp;date_to=2026-03-08"


def _cards(html: str) -> dict[str, str]:
    """The value shown by each KPI card of the page."""
    return dict(re.findall(r'data-kpi="(\w+)">.*?class="value"[^>]*>([^<]+)<', html, re.S))


def test_the_dashboard_follows_a_store_chip_for_every_member(stores, client, owner, admin_user, viewer):
    north, _, _ = stores
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        html = client.get(DASHBOARD, {**DAYS, "store": north.pk}).content.decode()
        assert _cards(html) == {
            "revenue": "$150.00",
            "ad_spend": "$30.00",
            "roas": "5.00",
            "records": "2",
            "stores": "1",
        }
        chip = re.search(r'<li class="chip" data-filter="store">(.*?)</li>', html, re.S).group(1)
        assert "Store: <strong>North</strong>" in chip
        assert f'href="/sales/?{DAYS_QUERY}"' in chip
        assert f'<input type="hidden" name="store" value="{north.pk}">' in html
        for table in ("summary", "series", "top-users"):
            assert re.search(rf"/api/v1/sales/{table}\?[^\"]*store={north.pk}[^\"]*format=csv", html), table
        assert "/api/v1/sales/by-store?date_from=2026-03-07&amp;date_to=2026-03-08&amp;format=csv" in html


def test_a_store_row_applies_its_filter(stores, client, owner):
    _, south, _ = stores
    client.force_login(owner)
    html = client.get(DASHBOARD, DAYS).content.decode()
    assert _cards(html)["revenue"] == "$450.00"
    row = re.search(rf'<tr data-store="{south.pk}">(.*?)</tr>', html, re.S).group(1)
    assert f'href="/sales/?{DAYS_QUERY}&amp;store={south.pk}" class="apply-filter"' in row
    assert f'href="/sales/stores/{south.pk}/performance/?{DAYS_QUERY}" class="detail-link"' in row
    assert "filter-chips" not in html
    south_html = client.get(DASHBOARD, {**DAYS, "store": south.pk}).content.decode()
    assert (_cards(south_html)["revenue"], _cards(south_html)["roas"]) == ("$300.00", "6.00")


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "store: A valid integer is required."), ("0", "store: Ensure this value is greater than or equal to 1.")],
)
def test_a_malformed_store_is_the_error_line(stores, client, owner, value, message):
    client.force_login(owner)
    html = client.get(DASHBOARD, {**DAYS, "store": value}).content.decode()
    assert f'<li class="error" role="alert">{message}</li>' in html
    assert _cards(html)["revenue"] == "$450.00"


def test_another_workspaces_store_is_no_filter_and_anonymous_logs_in(stores, client, owner, outsider):
    north, _, theirs = stores
    client.force_login(owner)
    html = client.get(DASHBOARD, {**DAYS, "store": theirs.pk}).content.decode()
    assert f"store: no store &#x27;{theirs.pk}&#x27; in this workspace." in html
    assert "filter-chips" not in html
    assert _cards(html)["revenue"] == "$450.00"
    client.force_login(outsider)
    html = client.get(DASHBOARD, {**DAYS, "store": north.pk}).content.decode()
    assert f"store: no store &#x27;{north.pk}&#x27; in this workspace." in html
    assert _cards(html)["revenue"] == "$999.00"
    client.logout()
    response = client.get(DASHBOARD, {"store": north.pk})
    assert (response.status_code, "/accounts/login/" in response["Location"]) == (302, True)


def test_the_series_and_top_sellers_endpoints_take_the_store(stores, api_as, anon_api, owner, viewer, outsider):
    north, _, theirs = stores
    query = "date_from=2026-03-07&date_to=2026-03-08&interval=day&store="
    for user in (owner, viewer):
        series = api_as(user).get(f"/api/v1/sales/series?{query}{north.pk}").json()
        assert [(row["revenue"], row["ad_spend"]) for row in series["buckets"]] == [
            ("50.00", "10.00"),
            ("100.00", "20.00"),
        ]
    assert api_as(owner).get(f"/api/v1/sales/series?{query}{theirs.pk}").status_code == 404
    assert api_as(owner).get("/api/v1/sales/top-users?store=x").json()["error"]["fields"] == {
        "store": ["A valid integer is required."]
    }
    assert api_as(outsider).get(f"/api/v1/sales/top-users?store={north.pk}").status_code == 404
    assert anon_api.get(f"/api/v1/sales/series?{query}{north.pk}").status_code == 401
