"""A small menu with hand-checkable values, at a frozen 'now' of 2026-03-10 12:00 UTC.

coffee (order 1): Americano 3.10 (hot pick), Espresso 2.60; Old Roast (inactive)
latte  (order 2): Flat White 3.50 with Temperature (Hot*, Iced +0.20), Milk (Whole*, Oat +0.50),
                  Extras (optional: Extra shot +0.70)
seasonal (inactive type): Pumpkin Latte
promotions: "Flat White Week" (Flat White, 03-08 → 03-15), "Latte Days" (latte type, 03-01 → 03-11),
            "Spring" (whole menu, 03-20 → 04-01, not yet), "Old" (ended 03-05), "Draft" (inactive)
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine

from tests.catalog.factories import (
    ProductFactory,
    ProductTypeFactory,
    PromotionFactory,
    SpecificationFactory,
    SpecificationOptionFactory,
)

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def at(day: int, hour: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    # The clock ticks from NOW: config.cache versions come from time.time_ns(), so a clock that
    # stood still would give every bump the same version and nothing would be invalidated.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def menu(db, frozen):
    coffee = ProductTypeFactory(name="Coffee", slug="coffee", menu_order=1)
    latte = ProductTypeFactory(name="Latte", slug="latte", menu_order=2)
    seasonal = ProductTypeFactory(name="Seasonal", slug="seasonal", menu_order=0, is_active=False)
    americano = ProductFactory(
        type=coffee, name="Americano", price=Decimal("3.10"), is_hot=True, menu_order=1, description="Long."
    )
    espresso = ProductFactory(type=coffee, name="Espresso", price=Decimal("2.60"), menu_order=2)
    old = ProductFactory(type=coffee, name="Old Roast", price=Decimal("2.00"), is_active=False)
    flat_white = ProductFactory(
        type=latte, name="Flat White", price=Decimal("3.50"), image_url="/static/catalog/img/latte.svg"
    )
    pumpkin = ProductFactory(type=seasonal, name="Pumpkin Latte", price=Decimal("4.00"))
    temperature = SpecificationFactory(product=flat_white, kind="temperature", name="Temperature", menu_order=1)
    hot = SpecificationOptionFactory(specification=temperature, name="Hot", menu_order=1)
    iced = SpecificationOptionFactory(specification=temperature, name="Iced", price_delta=Decimal("0.20"), menu_order=2)
    temperature.default_option = hot
    temperature.save()
    milk = SpecificationFactory(product=flat_white, kind="dairy", name="Milk", menu_order=2)
    whole = SpecificationOptionFactory(specification=milk, name="Whole", menu_order=1)
    oat = SpecificationOptionFactory(specification=milk, name="Oat", price_delta=Decimal("0.50"), menu_order=2)
    milk.default_option = whole
    milk.save()
    extras = SpecificationFactory(product=flat_white, kind="extra", name="Extras", required=False, menu_order=3)
    shot = SpecificationOptionFactory(specification=extras, name="Extra shot", price_delta=Decimal("0.70"))
    fw_week = PromotionFactory(
        title="Flat White Week", body="2 for 1", product=flat_white, starts_at=at(8), ends_at=at(15)
    )
    latte_days = PromotionFactory(title="Latte Days", product_type=latte, starts_at=at(1), ends_at=at(11))
    spring = PromotionFactory(title="Spring", starts_at=at(20), ends_at=at(1, month=4))
    ended = PromotionFactory(title="Old", starts_at=at(1), ends_at=at(5))
    draft = PromotionFactory(title="Draft", starts_at=at(1), ends_at=at(30), is_active=False)
    return SimpleNamespace(**locals())
