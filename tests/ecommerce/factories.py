"""Factories of cleaned e-commerce lines: analytics tests build exact fixtures with them."""

import datetime as dt
from decimal import Decimal

import factory

from ecommerce.models import ReturnLine, SalesLine, is_product_code
from tests.factories import WorkspaceFactory


class _LineFactory(factory.django.DjangoModelFactory):
    workspace = factory.SubFactory(WorkspaceFactory)
    invoice_no = factory.Sequence(lambda n: f"{536365 + n}")
    stock_code = "85123A"
    description = "WHITE HANGING HEART T-LIGHT HOLDER"
    quantity = 1
    invoice_date = factory.LazyFunction(lambda: dt.datetime(2011, 1, 10, 12, 0, tzinfo=dt.UTC))
    unit_price = Decimal("2.55")
    customer_id = "17850"
    country = "United Kingdom"
    is_product = factory.LazyAttribute(lambda line: is_product_code(line.stock_code))


class SalesLineFactory(_LineFactory):
    class Meta:
        model = SalesLine

    amount = factory.LazyAttribute(lambda line: Decimal(line.quantity) * Decimal(line.unit_price))


class ReturnLineFactory(_LineFactory):
    class Meta:
        model = ReturnLine

    invoice_no = factory.Sequence(lambda n: f"C{581000 + n}")
    quantity = -1
    amount = factory.LazyAttribute(lambda line: abs(Decimal(line.quantity)) * Decimal(line.unit_price))
