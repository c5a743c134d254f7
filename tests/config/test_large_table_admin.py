"""The admin of tables of millions of rows never counts the whole table."""

import pytest
from django.db import connection

from accounts.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from apimetrics.admin import DayRollupAdmin, HourRollupAdmin, MinuteRollupAdmin, RequestEventAdmin
from config.pagination import EstimatedCountPaginator
from ecommerce.admin import ReturnLineAdmin, SalesLineAdmin
from sales.admin import SalesRecordAdmin

pytestmark = pytest.mark.django_db

LARGE = {
    "/admin/apimetrics/requestevent/": RequestEventAdmin,
    "/admin/apimetrics/minuterollup/": MinuteRollupAdmin,
    "/admin/apimetrics/hourrollup/": HourRollupAdmin,
    "/admin/apimetrics/dayrollup/": DayRollupAdmin,
    "/admin/ecommerce/salesline/": SalesLineAdmin,
    "/admin/ecommerce/returnline/": ReturnLineAdmin,
    "/admin/sales/salesrecord/": SalesRecordAdmin,
    "/admin/token_blacklist/outstandingtoken/": OutstandingTokenAdmin,
    "/admin/token_blacklist/blacklistedtoken/": BlacklistedTokenAdmin,
}


@pytest.mark.parametrize("url", LARGE)
def test_large_tables_show_no_counts_even_when_asked(client, staff_user, url):
    client.force_login(staff_user)
    response = client.get(url, {"_facets": "True"})
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.add_facets is False  # the filters' "Show counts": one COUNT per choice
    assert changelist.show_full_result_count is False
    assert isinstance(changelist.paginator, EstimatedCountPaginator)
    assert isinstance(changelist.model_admin, LARGE[url])


def test_small_tables_keep_their_counts(client, staff_user):
    client.force_login(staff_user)
    changelist = client.get("/admin/sales/store/", {"_facets": "True"}).context["cl"]
    assert changelist.add_facets is True


# --- Search and sort over millions of lines: only what an index answers -----------------------


@pytest.fixture
def lines(workspace, other_workspace):
    from tests.ecommerce.import_helpers import csv_bytes, run_import

    rows = [
        ["536365", "85123A", "WHITE HANGING HEART", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
        ["536366", "85123AB", "HEART OF WICKER", "2", "12/1/2010 9:00", "1.00", "13047", "France"],
        ["536367", "85123a", "heart, lower case", "1", "12/2/2010 9:00", "1.00", "17850", "EIRE"],
        ["C536368", "85123A", "WHITE HANGING HEART", "-1", "12/3/2010 9:00", "2.55", "12583", "France"],
    ]
    run_import(workspace, csv_bytes(rows))
    run_import(other_workspace, csv_bytes([["900001", "85123A", "X", "1", "12/1/2010 8:26", "1.00", "1", "Spain"]]))


def _listed(client, url: str, **query) -> list[tuple[str, str]]:
    changelist = client.get(url, query).context["cl"]
    return [(line.invoice_no, line.stock_code) for line in changelist.result_list]


@pytest.mark.parametrize(
    ("term", "sales", "returns"),
    [
        ("85123A", [("900001", "85123A"), ("536365", "85123A")], [("C536368", "85123A")]),  # exact, any case no
        ("536366", [("536366", "85123AB")], []),
        ("17850", [("536367", "85123a"), ("536365", "85123A")], []),
        ("France", [("536366", "85123AB")], [("C536368", "85123A")]),
        ("HEART", [], []),  # descriptions are not searched
        ("8512", [], []),  # nor parts of codes
    ],
)
def test_the_line_lists_search_exact_values_only(client, staff_user, lines, term, sales, returns):
    client.force_login(staff_user)
    assert _listed(client, "/admin/ecommerce/salesline/", q=term) == sales
    assert _listed(client, "/admin/ecommerce/returnline/", q=term) == returns


@pytest.mark.parametrize(
    ("url", "sortable"),
    [("/admin/ecommerce/salesline/", ["invoice_date"]), ("/admin/sales/salesrecord/", ["date"])],
)
def test_only_indexed_columns_are_offered_for_sorting(client, staff_user, url, sortable):
    from django.contrib.admin.templatetags.admin_list import result_headers

    client.force_login(staff_user)
    changelist = client.get(url).context["cl"]
    headers = list(result_headers(changelist))
    assert [header["sortable"] for header in headers].count(True) == len(sortable)
    assert list(changelist.model_admin.sortable_by) == sortable


@pytest.fixture
def records(workspace, other_workspace):
    import datetime as dt

    from tests.factories import MembershipFactory
    from tests.sales.factories import SalesRecordFactory, StoreFactory

    seller = MembershipFactory(workspace=workspace, user__email="seller@acme.test").user
    north = StoreFactory(workspace=workspace, name="North Street")
    northgate = StoreFactory(workspace=workspace, name="Northgate")
    south = StoreFactory(workspace=workspace, name="South Quay")
    theirs = StoreFactory(workspace=other_workspace, name="North Pier")
    day = dt.date(2024, 3, 1)
    for store, user, days in ((north, None, 0), (northgate, None, 1), (south, seller, 2), (theirs, None, 3)):
        SalesRecordFactory(workspace=store.workspace, store=store, recorded_by=user, date=day + dt.timedelta(days))


@pytest.mark.parametrize(
    ("term", "stores"),
    [
        ("north", ["North Pier", "Northgate", "North Street"]),  # a prefix, any case, newest first
        ("North S", ["North Street"]),  # the whole term, spaces and all
        ("orth", []),  # a prefix, not a part
        ("SELLER@acme.test", ["South Quay"]),  # a member's address, exactly
        ("seller@acme", []),
        ("globex", ["North Pier"]),  # a workspace's slug
        ("", ["North Pier", "South Quay", "Northgate", "North Street"]),
    ],
)
def test_the_record_list_searches_stores_members_and_workspaces_by_index(client, staff_user, records, term, stores):
    client.force_login(staff_user)
    changelist = client.get("/admin/sales/salesrecord/", {"q": term}).context["cl"]
    assert [record.store.name for record in changelist.result_list] == stores


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
@pytest.mark.parametrize(
    ("url", "query", "table"),
    [
        ("/admin/ecommerce/salesline/", {}, "ecommerce_salesline_ws"),
        ("/admin/ecommerce/salesline/", {"q": "85123A"}, "ecommerce_salesline_ws"),
        ("/admin/ecommerce/returnline/", {"q": "536366"}, "ecommerce_returnline_ws"),
        ("/admin/sales/salesrecord/", {}, "sales_salesrecord"),
        ("/admin/sales/salesrecord/", {"q": "north"}, "sales_salesrecord"),
        ("/admin/sales/salesrecord/", {"q": "seller@acme.test"}, "sales_salesrecord"),
    ],
)
def test_the_lists_and_searches_read_through_indexes(client, staff_user, lines, records, url, query, table):
    """With sequential scans turned off (the test's tables are small enough for PostgreSQL to
    prefer reading them whole), a list that no index answers still reads its table whole. The
    DEFAULT partition of the line tables, which holds the lines of workspaces that never
    imported, is indexed by workspace first: it is left out of the check."""
    client.force_login(staff_user)
    changelist = client.get(url, query).context["cl"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = changelist.queryset.explain()
        cursor.execute("SET LOCAL enable_seqscan = on")
    scans = [line for line in plan.splitlines() if "Seq Scan" in line and "_default" not in line]
    assert table in plan
    assert scans == []


def test_the_date_hierarchy_offers_every_step_between_the_first_and_last_dates(
    client, staff_user, workspace, lines, django_assert_max_num_queries
):
    import datetime as dt

    from django.contrib.admin.templatetags.admin_list import date_hierarchy

    from config.templatetags.large_tables import ranged_date_hierarchy
    from tests.ecommerce.factories import SalesLineFactory

    SalesLineFactory(workspace=workspace, invoice_date=dt.datetime(2010, 12, 5, 12, tzinfo=dt.UTC))
    client.force_login(staff_user)
    # Sales lines of 1, 2 and 5 December 2010 (and another workspace's of the 1st), a return of the 3rd.
    december = client.get("/admin/ecommerce/salesline/").context["cl"]
    with django_assert_max_num_queries(1):  # the first and last dates, once: no DISTINCT
        days = [choice["title"] for choice in ranged_date_hierarchy(december)["choices"]]
    assert days == ["December 1", "December 2", "December 3", "December 4", "December 5"]
    returns = client.get("/admin/ecommerce/returnline/").context["cl"]
    assert [choice["title"] for choice in ranged_date_hierarchy(returns)["choices"]] == ["December 3"]
    # Django's own offers the days that have lines.
    assert [choice["title"] for choice in date_hierarchy(december)["choices"]] == [
        "December 1",
        "December 2",
        "December 5",
    ]
    response = client.get("/admin/ecommerce/salesline/")
    assert b"invoice_date__day=4" in response.content
    assert "admin/large_change_list.html" in [template.name for template in response.templates]
