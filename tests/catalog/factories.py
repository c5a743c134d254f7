import datetime as dt
from decimal import Decimal

import factory

from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption


class ProductTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductType

    name = factory.Sequence(lambda n: f"Type {n}")
    slug = factory.Sequence(lambda n: f"type-{n}")
    menu_order = factory.Sequence(lambda n: n)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    type = factory.SubFactory(ProductTypeFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    description = ""
    price = Decimal("3.00")


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specification

    product = factory.SubFactory(ProductFactory)
    kind = Specification.Kind.SIZE
    name = "Size"


class SpecificationOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecificationOption

    specification = factory.SubFactory(SpecificationFactory)
    name = factory.Sequence(lambda n: f"Option {n}")
    price_delta = Decimal("0.00")


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    title = factory.Sequence(lambda n: f"Promotion {n}")
    starts_at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    ends_at = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
