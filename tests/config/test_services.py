"""model_update: set the fields given, save only those that changed, refuse the others."""

from decimal import Decimal

import pytest

from config.errors import Invalid
from config.services import model_update
from sales.models import SalesRecord
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_only_changed_fields_are_saved_and_a_foreign_key_is_compared_by_id(workspace, django_assert_num_queries):
    other = StoreFactory(workspace=workspace)
    record = SalesRecord.objects.get(pk=SalesRecordFactory(store__workspace=workspace).pk)  # its store not read
    fields = ["store", "revenue"]

    with django_assert_num_queries(1):  # the UPDATE of store_id alone: the current store is never read
        _, changed = model_update(instance=record, fields=fields, data={"store": other, "revenue": Decimal("100.00")})
    assert changed is True
    assert SalesRecord.objects.get(pk=record.pk).store_id == other.pk

    with django_assert_num_queries(0):
        _, changed = model_update(instance=record, fields=fields, data={"store": other, "revenue": Decimal("100")})
    assert changed is False


def test_a_field_outside_those_allowed_is_refused(workspace):
    record = SalesRecordFactory(store__workspace=workspace)
    with pytest.raises(Invalid) as caught:
        model_update(instance=record, fields=["revenue"], data={"workspace": None, "revenue": Decimal(1)})
    assert caught.value.fields == {"workspace": ["This field cannot be changed."]}
    assert SalesRecord.objects.get(pk=record.pk).revenue == Decimal("100.00")
