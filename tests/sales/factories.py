import datetime as dt
from decimal import Decimal

import factory

from sales.models import SalesRecord, Store
from tests.factories import WorkspaceFactory


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    city = "Springfield"


class SalesRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesRecord

    store = factory.SubFactory(StoreFactory)
    workspace = factory.SelfAttribute("store.workspace")
    date = dt.date(2026, 3, 2)
    revenue = Decimal("100.00")
    ad_spend = Decimal("25.00")
    recorded_by = None
