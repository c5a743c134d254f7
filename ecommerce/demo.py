"""Demo data: a synthetic year of an online gift shop in the Online Retail layout, loaded through
the same import pipeline as a real file (so the demo also shows an import report).

Deterministic for a given day (seeded); re-running replaces the same invoices, so it is idempotent.

Invoice numbers are ``D`` and six digits (``CD…`` for returns, ``AD…`` for adjustments): the real
file's are six digits alone (``C…``, ``A…``), so demo orders and imported ones never share a number
in one workspace.
"""

import csv
import datetime as dt
import io
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import User, Workspace
from ecommerce import services
from ecommerce.models import ImportJob

SEED = 20101201
INVOICE_PREFIX = "D"
INVOICES = 3_000
COUNTRIES = [
    ("United Kingdom", 82),
    ("EIRE", 4),
    ("Germany", 4),
    ("France", 3),
    ("Netherlands", 2),
    ("Spain", 1),
    ("Belgium", 1),
    ("Switzerland", 1),
    ("Portugal", 1),
    ("Australia", 1),
]
_WORDS_A = ["WHITE", "RED", "PINK", "BLUE", "VINTAGE", "RETRO", "REGENCY", "JUMBO", "GLASS", "WOODEN", "HEART", "STAR"]
_WORDS_B = ["HANGING", "PAPER", "CERAMIC", "METAL", "KNITTED", "SPOTTY", "FLORAL", "CHRISTMAS", "PARTY", "GARDEN"]
_THINGS = ["T-LIGHT HOLDER", "LANTERN", "BUNTING", "MUG", "TEACUP", "LUNCH BAG", "CAKE STAND", "DOORMAT", "CANDLE"]
# Month weights: the real shop grows towards November.
MONTH_WEIGHT = {1: 6, 2: 5, 3: 7, 4: 6, 5: 8, 6: 7, 7: 7, 8: 8, 9: 11, 10: 13, 11: 16, 12: 9}


def _products(rng: random.Random) -> list[tuple[str, str, Decimal]]:
    products = []
    for number in range(300):
        code = f"{20000 + number * 137 % 80000}{rng.choice(['', '', '', 'A', 'B'])}"
        name = f"{rng.choice(_WORDS_A)} {rng.choice(_WORDS_B)} {rng.choice(_THINGS)}"
        price = Decimal(rng.choice(["0.29", "0.42", "0.85", "1.25", "1.65", "2.10", "2.55", "2.95", "3.75", "4.95"]))
        if number % 10 == 0:
            price = Decimal(rng.choice(["7.95", "8.50", "12.75", "16.95"]))
        if number == 7:
            price = Decimal("0.001")  # the real data has a few 3-place prices
        products.append((code, name, price))
    return products


def generate_csv(*, end: dt.date, invoices: int = INVOICES, seed: int = SEED) -> bytes:
    """The synthetic file: ``invoices`` invoices over the 365 days before ``end``."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    products = _products(rng)
    customers = [str(12346 + 7 * n) for n in range(700)]
    # A few loyal customers buy much more often than the rest.
    customer_weights = [40 if n < 30 else 6 if n < 200 else 1 for n in range(len(customers))]
    customer_country = {cid: rng.choices([c for c, _ in COUNTRIES], [w for _, w in COUNTRIES])[0] for cid in customers}
    days = [end - dt.timedelta(days=offset) for offset in range(365, 0, -1)]
    day_weights = [0 if day.weekday() == 5 else MONTH_WEIGHT[day.month] for day in days]  # closed on Saturdays

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    )
    rows = []
    for number in range(invoices):
        invoice = f"{INVOICE_PREFIX}{number + 1:06d}"
        day = rng.choices(days, day_weights)[0]
        moment = f"{day.month}/{day.day}/{day.year} {rng.choice(range(7, 20))}:{rng.randrange(60):02d}"
        customer = "" if rng.random() < 0.15 else rng.choices(customers, customer_weights)[0]
        country = customer_country.get(customer) or "United Kingdom"
        lines = []
        for code, name, price in rng.sample(products, rng.randint(1, 14)):
            quantity = rng.choice([1, 2, 3, 4, 6, 6, 12, 12, 24, 48])
            lines.append([invoice, code, name, quantity, moment, price, customer, country])
        if country != "United Kingdom" and rng.random() < 0.6:
            lines.append([invoice, "POST", "POSTAGE", 1, moment, Decimal("18.00"), customer, country])
        if rng.random() < 0.01:
            lines.append([invoice, "M", "Manual", 1, moment, Decimal("2.50"), customer, country])
        if rng.random() < 0.01:
            lines.append([invoice, "DOT", "DOTCOM POSTAGE", 1, moment, Decimal("11.23"), "", country])
        if rng.random() < 0.01:  # damaged stock written off: negative quantity, no price (rejected)
            lines.append([invoice, products[0][0], "damaged", -rng.randint(1, 20), moment, Decimal(0), "", country])
        if rng.random() < 0.005:  # a free sample (price 0: rejected)
            lines.append([invoice, products[1][0], products[1][1], 1, moment, Decimal(0), customer, country])
        if rng.random() < 0.03:  # the web shop sometimes writes a line twice: exact duplicates
            lines.append(list(rng.choice(lines)))
        rows.extend(lines)
        if customer and rng.random() < 0.04:  # a cancellation a few days later
            later = min(day + dt.timedelta(days=rng.randint(0, 6)), end - dt.timedelta(days=1))
            when = f"{later.month}/{later.day}/{later.year} {rng.choice(range(9, 18))}:{rng.randrange(60):02d}"
            rows.extend(
                [f"C{invoice}", line[1], line[2], -line[3], when, line[5], customer, country]
                for line in rng.sample(lines, min(len(lines), rng.randint(1, 3)))
                if line[3] > 0 and line[5] > 0
            )
    rows.extend(_adjustments(days[200]))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _adjustments(day: dt.date) -> list[list]:
    """A bad debt written off and back (``A…``: the import excludes them)."""
    when = f"{day.month}/{day.day}/{day.year} 14:41"
    return [
        [f"A{INVOICE_PREFIX}{number:06d}", "B", "Adjust bad debt", 1, when, Decimal(amount), "", "United Kingdom"]
        for number, amount in ((1, "1150.50"), (2, "-1150.50"))
    ]


def load(*, workspace: Workspace, user: User | None, stdout=None) -> str:
    end = timezone.localdate(timezone=workspace.tzinfo)
    data = generate_csv(end=end)
    job = ImportJob.objects.create(workspace=workspace, created_by=user, source_name="demo-orders.csv")
    job = services.import_job_run(job=job, file=io.BytesIO(data))
    if job.status != ImportJob.Status.SUCCEEDED:
        raise RuntimeError(f"The demo import failed: {job.error}")
    report = job.report
    return (
        f"{report['sales_lines_kept']:,} sales lines in {report['orders']:,} orders from {report['customers']:,} "
        f"customers, {report['returns_kept']:,} returns, {report['duplicates_dropped']:,} duplicates dropped "
        f"(import job {job.pk})"
    )
