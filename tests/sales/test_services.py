"""The sales services guard their own inputs: a store of another workspace is invalid input."""

import datetime as dt
from decimal import Decimal

import pytest

from config.errors import Invalid
from sales import services
from sales.models import SalesRecord
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_a_store_of_another_workspace_is_refused_and_nothing_is_written(workspace, other_workspace, owner):
    theirs = StoreFactory(workspace=other_workspace)
    record = SalesRecordFactory(store__workspace=workspace)
    row = {"store": theirs, "date": dt.date(2026, 3, 2), "revenue": Decimal(1), "ad_spend": Decimal(1)}

    with pytest.raises(Invalid) as created:
        services.records_create(workspace=workspace, rows=[row], recorded_by=owner)
    with pytest.raises(Invalid) as moved:
        services.record_update(record=record, store=theirs)

    for caught in (created, moved):
        assert caught.value.fields == {"store": ["This store belongs to another workspace."]}
    assert list(SalesRecord.objects.values_list("pk", "store_id")) == [(record.pk, record.store_id)]


def test_store_update_changes_only_its_own_fields(workspace):
    store = StoreFactory(workspace=workspace, name="North", city="Leeds")
    assert services.store_update(store=store, name="Northgate").name == "Northgate"
    with pytest.raises(Invalid) as caught:
        services.store_update(store=store, workspace=None)
    assert caught.value.fields == {"workspace": ["This field cannot be changed."]}
