import datetime as dt
from decimal import Decimal

import pytest

from tests.sales.factories import SalesRecordFactory, StoreFactory


@pytest.fixture
def stores(workspace):
    return StoreFactory(workspace=workspace, name="North", city="Leeds"), StoreFactory(
        workspace=workspace, name="South", city="Brighton"
    )


@pytest.fixture
def sales_data(stores, owner, admin_user, viewer):
    """Five hand-built records (figures in the tests are computed from these by hand).

    | date       | store | revenue | ad spend | by     |
    | 2026-02-27 | North |   80.00 |    20.00 | viewer |
    | 2026-03-02 | North |  100.00 |    40.00 | owner  |  (a Monday)
    | 2026-03-03 | North |   50.50 |     0.00 | admin  |
    | 2026-03-09 | South |  200.00 |    50.00 | admin  |  (a Monday)
    | 2026-03-31 | South |   49.50 |    10.00 | owner  |
    """
    north, south = stores
    rows = [
        (north, dt.date(2026, 2, 27), "80.00", "20.00", viewer),
        (north, dt.date(2026, 3, 2), "100.00", "40.00", owner),
        (north, dt.date(2026, 3, 3), "50.50", "0.00", admin_user),
        (south, dt.date(2026, 3, 9), "200.00", "50.00", admin_user),
        (south, dt.date(2026, 3, 31), "49.50", "10.00", owner),
    ]
    return [
        SalesRecordFactory(store=store, date=day, revenue=Decimal(rev), ad_spend=Decimal(ad), recorded_by=user)
        for store, day, rev, ad, user in rows
    ]
