"""The admin of tables of millions of rows never counts the whole table."""

import pytest

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
