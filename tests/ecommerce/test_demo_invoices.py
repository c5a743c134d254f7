"""The synthetic demo orders never share an invoice number with the UCI Online Retail file, so
the real file imported next to them replaces nothing and mixes with nothing."""

import csv
import datetime as dt
import gzip
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from ecommerce import demo

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "online-retail.csv.gz"
# The real file's scheme: six digits, ``C`` before a cancellation's, ``A`` before an adjustment's,
# from 536365 to 581587.
REAL_INVOICE = re.compile(r"[AC]?(\d{6})")
REAL_RANGE = (536_365, 581_587)


def demo_invoices() -> set[str]:
    rows = csv.DictReader(io.StringIO(demo.generate_csv(end=dt.date(2026, 12, 7)).decode("utf-8")))
    return {row["InvoiceNo"] for row in rows}


def test_demo_invoice_numbers_follow_their_own_scheme_outside_the_real_files():
    invoices = demo_invoices()

    assert len(invoices) > demo.INVOICES  # sales, some returns, two adjustments
    assert all(re.fullmatch(r"[AC]?D\d{6}", number) for number in invoices)
    assert not any(REAL_INVOICE.fullmatch(number) for number in invoices)
    # Every kind the importer tells apart by the first letter is still there.
    assert {"D000001", "AD000001", "AD000002"} <= invoices
    assert any(number.startswith("CD") for number in invoices)


@pytest.mark.realdata
@pytest.mark.skipif(not DATA.exists(), reason=f"the real data file is absent ({DATA})")
def test_the_real_files_invoice_numbers_are_disjoint_from_the_demos():
    with gzip.open(DATA, "rt", encoding="iso-8859-1", newline="") as file:
        real = {row["InvoiceNo"] for row in csv.DictReader(file)}

    assert len(real) == 25_900
    numbers = [REAL_INVOICE.fullmatch(number) for number in real]
    assert all(numbers)  # the scheme above describes the real file exactly
    assert (min(int(m.group(1)) for m in numbers), max(int(m.group(1)) for m in numbers)) == REAL_RANGE
    assert real.isdisjoint(demo_invoices())
