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


COUNTRIES = ["United Kingdom"] * 8 + ["Germany", "France", "EIRE", "Spain", "Netherlands", "Australia", "Norway"]
PRODUCTS = [
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "2.55"),
    ("22423", "REGENCY CAKESTAND 3 TIER", "12.75"),
    ("47566", "PARTY BUNTING", "4.95"),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", "1.69"),
    ("85099B", "JUMBO BAG RED RETROSPOT", "2.08"),
    ("23084", "RABBIT NIGHT LIGHT", "2.083"),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS", "2.95"),
    ("POST", "POSTAGE", "18.00"),
]


def generate_shop(workspace, *, days: int = 120, start: dt.date = dt.date(2011, 1, 3), seed: int = 1) -> int:
    """A shop of realistic shape (weekly pattern, no Saturdays, repeat customers, returns), bulk
    created; returns the number of sales lines."""
    import random

    rng = random.Random(seed)
    sales, returns, invoice = [], [], 600000
    customers = [str(12000 + n) for n in range(80)]
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day.weekday() == 5:
            continue
        for _ in range(rng.randint(3, 9) + offset // 30):
            invoice += 1
            when = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randint(0, 59)), tzinfo=dt.UTC)
            customer = rng.choice(customers[: 20 + offset // 2]) if rng.random() > 0.15 else ""
            country = rng.choice(COUNTRIES)
            for code, description, price in rng.sample(PRODUCTS, rng.randint(1, 4)):
                quantity = rng.randint(1, 24)
                line = {
                    "workspace": workspace,
                    "invoice_no": str(invoice),
                    "stock_code": code,
                    "description": description,
                    "invoice_date": when,
                    "unit_price": Decimal(price),
                    "customer_id": customer,
                    "country": country,
                    "is_product": is_product_code(code),
                }
                sales.append(SalesLine(quantity=quantity, amount=quantity * Decimal(price), **line))
                if rng.random() < 0.02:
                    returns.append(
                        ReturnLine(
                            **{**line, "invoice_no": f"C{invoice}"},
                            quantity=-1,
                            amount=Decimal(price),
                        )
                    )
    SalesLine.objects.bulk_create(sales, batch_size=2000)
    ReturnLine.objects.bulk_create(returns, batch_size=2000)
    return len(sales)
