"""A realistic coffee-shop menu for ``manage.py seed_catalog`` and the demo.

Idempotent: rows are matched by natural keys (type slug, product name within its type,
specification kind within its product, option name within its specification, promotion
title) and updated in place, so running it twice changes nothing. Promotion dates are set
relative to today's midnight (UTC), so some are live and some are coming.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.templatetags.static import static as static_url
from django.utils import timezone

from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption
from config.services import model_update

# kind, name, required, default option, [(option, price delta)]
SIZE = ("size", "Size", True, "Regular", [("Small", "0.00"), ("Regular", "0.40"), ("Large", "0.80")])
HOT_OR_ICED = ("temperature", "Temperature", True, "Hot", [("Hot", "0.00"), ("Iced", "0.20")])
HOT_ONLY = ("temperature", "Temperature", True, "Hot", [("Hot", "0.00"), ("Extra hot", "0.00")])
ICE = (
    "temperature",
    "Ice",
    True,
    "Regular ice",
    [("Regular ice", "0.00"), ("Less ice", "0.00"), ("No ice", "0.00"), ("Extra ice", "0.00")],
)
SWEET = (
    "sweetness",
    "Sweetness",
    True,
    "Regular",
    [("Unsweetened", "0.00"), ("Less sweet", "0.00"), ("Regular", "0.00"), ("Extra sweet", "0.00")],
)
TEA_SWEET = (
    "sweetness",
    "Sweetness",
    True,
    "50%",
    [("0%", "0.00"), ("30%", "0.00"), ("50%", "0.00"), ("70%", "0.00"), ("100%", "0.00")],
)
MILK = (
    "dairy",
    "Milk",
    True,
    "Whole milk",
    [
        ("Whole milk", "0.00"),
        ("Semi-skimmed", "0.00"),
        ("Oat", "0.50"),
        ("Almond", "0.50"),
        ("Soy", "0.40"),
        ("Lactose-free", "0.30"),
    ],
)
SPLASH = ("dairy", "Milk", False, None, [("No milk", "0.00"), ("Splash of whole milk", "0.00"), ("Oat", "0.30")])
SHOT = ("extra", "Extras", False, None, [("Extra shot", "0.70"), ("Vanilla syrup", "0.50"), ("Caramel syrup", "0.50")])
TOPPING = ("extra", "Toppings", False, None, [("Aloe vera", "0.60"), ("Coconut jelly", "0.60"), ("Boba", "0.70")])
WARM = ("temperature", "Serve", True, "As it is", [("As it is", "0.00"), ("Warmed", "0.00")])
SPREAD = ("extra", "On the side", False, None, [("Salted butter", "0.30"), ("Strawberry jam", "0.30")])

ESPRESSO = [HOT_OR_ICED, SIZE, SPLASH, SHOT]
MILKY = [HOT_OR_ICED, SIZE, MILK, SWEET, SHOT]
ICED = [ICE, SIZE, SWEET, SHOT]
ICED_MILKY = [ICE, SIZE, MILK, SWEET, SHOT]
FRUIT = [ICE, SIZE, TEA_SWEET, TOPPING]
HOT_TEA = [HOT_ONLY, SIZE, SWEET]
TEA_LATTE = [HOT_OR_ICED, SIZE, MILK, SWEET]
BAKED = [WARM]
BAKED_PLAIN = [WARM, SPREAD]


@dataclass(frozen=True)
class Item:
    name: str
    price: str
    description: str
    specs: list
    is_hot: bool = False


@dataclass(frozen=True)
class Type:
    slug: str
    name: str
    icon: str
    items: list[Item] = field(default_factory=list)


MENU = [
    Type(
        "latte",
        "Latte",
        "latte",
        [
            Item("Caffè Latte", "3.60", "Double espresso with steamed milk and a thin layer of foam.", MILKY, True),
            Item("Flat White", "3.50", "Ristretto shots with velvety micro-foam, stronger than a latte.", MILKY, True),
            Item("Cappuccino", "3.50", "Espresso, steamed milk and a deep cap of foam, dusted with cocoa.", MILKY),
            Item("Vanilla Latte", "4.00", "Our latte with Madagascar vanilla syrup.", MILKY, True),
            Item("Caramel Latte", "4.00", "Latte with house caramel and a pinch of sea salt.", MILKY),
            Item("Hazelnut Latte", "4.00", "Latte with roasted hazelnut syrup.", MILKY),
            Item("Mocha", "4.10", "Espresso, dark chocolate and steamed milk, topped with cocoa.", MILKY),
            Item("Honey Oat Latte", "4.20", "Espresso with oat milk and wildflower honey.", MILKY),
        ],
    ),
    Type(
        "coffee",
        "Coffee",
        "coffee",
        [
            Item("Espresso", "2.60", "A double shot of our seasonal house blend.", [HOT_ONLY, SHOT]),
            Item("Americano", "3.10", "Double espresso lengthened with hot water.", ESPRESSO, True),
            Item("Long Black", "3.20", "Hot water first, then a double shot, crema intact.", ESPRESSO),
            Item("Macchiato", "3.00", "Espresso marked with a spoon of milk foam.", [HOT_ONLY, SHOT]),
            Item("Cortado", "3.30", "Equal parts espresso and warm milk.", [HOT_ONLY, MILK, SHOT]),
            Item("Filter Coffee", "2.90", "Single-origin batch brew, changing every week.", [HOT_ONLY, SIZE, SPLASH]),
        ],
    ),
    Type(
        "iced-drinks",
        "Iced drinks",
        "iced",
        [
            Item("Iced Latte", "3.90", "Espresso over ice with cold milk.", ICED_MILKY, True),
            Item("Iced Americano", "3.40", "Double espresso over ice and cold water.", ICED),
            Item("Cold Brew", "3.70", "Steeped for 18 hours: smooth, chocolatey, low acidity.", ICED, True),
            Item("Nitro Cold Brew", "4.20", "Cold brew on nitrogen tap, creamy without milk.", [ICE, SIZE]),
            Item("Iced Mocha", "4.30", "Espresso, chocolate and cold milk over ice.", ICED_MILKY),
            Item("Espresso Tonic", "4.10", "Espresso poured over tonic water and orange peel.", [ICE, SHOT]),
            Item("Iced Caramel Macchiato", "4.40", "Vanilla milk, espresso and caramel drizzle.", ICED_MILKY),
        ],
    ),
    Type(
        "fruit-tea",
        "Fruit tea",
        "fruit-tea",
        [
            Item("Peach Oolong", "3.80", "Roasted oolong shaken with white peach.", FRUIT, True),
            Item("Passion Fruit Green Tea", "3.80", "Jasmine green tea with fresh passion fruit.", FRUIT),
            Item("Lychee Rose Tea", "4.00", "Black tea, lychee and a hint of rose.", FRUIT),
            Item("Grapefruit Jasmine", "4.20", "Jasmine tea with pink grapefruit pulp.", FRUIT),
            Item("Strawberry Hibiscus", "3.90", "Caffeine-free hibiscus with crushed strawberries.", FRUIT),
            Item("Mango Black Tea", "3.90", "Assam black tea with Alphonso mango.", FRUIT),
        ],
    ),
    Type(
        "tea-and-chocolate",
        "Tea & chocolate",
        "tea",
        [
            Item("Matcha Latte", "4.20", "Ceremonial-grade matcha whisked with milk.", TEA_LATTE, True),
            Item("Chai Latte", "3.90", "Spiced black tea brewed with milk.", TEA_LATTE),
            Item("Hot Chocolate", "3.60", "70% dark chocolate melted into steamed milk.", [HOT_ONLY, SIZE, MILK]),
            Item("English Breakfast", "2.50", "A pot of strong Assam and Ceylon.", HOT_TEA),
            Item("Earl Grey", "2.50", "Black tea with bergamot.", HOT_TEA),
        ],
    ),
    Type(
        "pastries",
        "Pastries",
        "pastry",
        [
            Item("Butter Croissant", "2.60", "Laminated with French butter, baked every morning.", BAKED_PLAIN, True),
            Item("Pain au Chocolat", "2.90", "Croissant dough around two bars of dark chocolate.", BAKED),
            Item("Almond Croissant", "3.30", "Twice-baked with frangipane and flaked almonds.", BAKED),
            Item("Cinnamon Bun", "3.20", "Cardamom dough, cinnamon sugar, cream-cheese glaze.", BAKED, True),
            Item("Blueberry Muffin", "2.80", "Buttermilk muffin with wild blueberries.", BAKED),
            Item("Banana Bread", "3.00", "A thick slice, with walnuts.", BAKED_PLAIN),
            Item("Cheese Scone", "2.70", "Mature cheddar and chives.", BAKED_PLAIN),
        ],
    ),
]

# title, body, target ("product:<type>/<name>", "type:<slug>" or None), start and end in days from today
PROMOTIONS = [
    (
        "Oat Week",
        "Oat milk at no extra charge on every latte.",
        "type:latte",
        -3,
        11,
    ),
    (
        "Croissant & Coffee Mornings",
        "A butter croissant for £1 with any hot coffee, every day before 11am.",
        None,
        -1,
        30,
    ),
    (
        "Cold Brew Happy Hour",
        "Large cold brew for the price of a regular, 3pm to 5pm.",
        "product:iced-drinks/Cold Brew",
        -7,
        7,
    ),
    (
        "Lychee Rose Launch",
        "Our new spring tea: 20% off in its first two weeks.",
        "product:fruit-tea/Lychee Rose Tea",
        5,
        19,
    ),
    (
        "Winter Mocha",
        "The mocha comes back with a peppermint twist.",
        "product:latte/Mocha",
        14,
        45,
    ),
    (
        "Summer Peach",
        "Peach oolong with a free topping.",
        "product:fruit-tea/Peach Oolong",
        -60,
        -30,
    ),
]


def static(path: str) -> str:
    """The file's static URL (hashed in production), or its plain one before collectstatic ran."""
    try:
        return static_url(path)
    except ValueError:  # no manifest entry yet
        return f"{settings.STATIC_URL.rstrip('/')}/{path}" if settings.STATIC_URL.startswith("/") else f"/{path}"


@dataclass
class SeedReport:
    types: int = 0
    products: int = 0
    specifications: int = 0
    options: int = 0
    promotions: int = 0
    created: int = 0

    def __str__(self) -> str:
        return (
            f"{self.types} types, {self.products} products, {self.specifications} specifications, "
            f"{self.options} options, {self.promotions} promotions ({self.created} rows created)"
        )


def _upsert(model, lookup: dict, values: dict, report: SeedReport):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.created += 1
        return model.objects.create(**lookup, **values)
    obj, _ = model_update(instance=obj, fields=values, data=values)
    return obj


def _seed_specifications(product: Product, item, report: SeedReport) -> None:
    for spec_order, (kind, name, required, default, options) in enumerate(item.specs, start=1):
        specification = _upsert(
            Specification,
            {"product": product, "kind": kind},
            {"name": name, "required": required, "menu_order": spec_order * 10},
            report,
        )
        report.specifications += 1
        default_option = None
        for option_order, (option_name, delta) in enumerate(options, start=1):
            option = _upsert(
                SpecificationOption,
                {"specification": specification, "name": option_name},
                {"price_delta": Decimal(delta), "menu_order": option_order * 10},
                report,
            )
            report.options += 1
            if option_name == default:
                default_option = option
        model_update(instance=specification, fields=["default_option"], data={"default_option": default_option})


@transaction.atomic
def seed_menu(*, today: dt.date | None = None, progress=None) -> SeedReport:
    """Create or update the demo menu; ``progress(line)`` is called once per type."""
    report = SeedReport()
    products: dict[str, Product] = {}
    types: dict[str, ProductType] = {}
    for type_order, spec in enumerate(MENU, start=1):
        product_type = _upsert(
            ProductType, {"slug": spec.slug}, {"name": spec.name, "menu_order": type_order * 10}, report
        )
        types[spec.slug] = product_type
        report.types += 1
        for order, item in enumerate(spec.items, start=1):
            product = _upsert(
                Product,
                {"type": product_type, "name": item.name},
                {
                    "description": item.description,
                    "price": Decimal(item.price),
                    "image_url": static(f"catalog/img/{spec.icon}.svg"),
                    "is_hot": item.is_hot,
                    "menu_order": order * 10,
                },
                report,
            )
            products[f"{spec.slug}/{item.name}"] = product
            report.products += 1
            _seed_specifications(product, item, report)
        if progress:
            progress(f"{spec.name}: {len(spec.items)} products")

    midnight = dt.datetime.combine(today or timezone.now().date(), dt.time(), tzinfo=dt.UTC)
    for title, body, target, start, end in PROMOTIONS:
        values = {
            "body": body,
            "image_url": static("catalog/img/promo.svg"),
            "product": products[target.removeprefix("product:")] if target and target.startswith("product:") else None,
            "product_type": types[target.removeprefix("type:")] if target and target.startswith("type:") else None,
            "starts_at": midnight + dt.timedelta(days=start),
            "ends_at": midnight + dt.timedelta(days=end),
            "is_active": True,
        }
        _upsert(Promotion, {"title": title}, values, report)
        report.promotions += 1
    return report
