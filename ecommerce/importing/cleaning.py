"""The cleaning steps of DESIGN §4, applied in order to every row of a :class:`Source`.

:class:`Cleaner` hands each kept line to a *sink* (a database loader):

1. exact duplicates (the eight raw fields equal) are dropped, the first kept;
2. invoices starting with ``A`` (bad-debt adjustments) are excluded;
3. invoices starting with ``C`` are returns, kept apart (amount = |quantity| × unit price);
4. any other row with quantity ≤ 0 (reason ``quantity_le_0``, checked first) or unit price ≤ 0
   (``price_le_0``) is rejected;
5. the rest are sales lines (amount = quantity × unit price).

Every row is parsed before it is classified: a row that cannot be parsed (missing field, bad
date, non-numeric quantity or price, date in the future or before 1970…) fails the whole
import, whatever step would have dropped it, and the first :data:`MAX_LISTED_ERRORS` bad rows
are listed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from config.periods import MIN_DATE
from ecommerce.importing.errors import ImportFailed, RowError
from ecommerce.importing.sources import Source
from ecommerce.models import is_product_code

MAX_LISTED_ERRORS = 20
# Rows per import (the real file has 541,909). The upload limit caps the compressed size only: a
# gzip or XLSX of 100 MB can unpack to billions of rows, and the duplicate check keeps a digest
# of each one.
MAX_ROWS = 10_000_000
FUTURE_GRACE = dt.timedelta(minutes=10)
# Column sizes of LineBase: longer identifiers are errors, longer descriptions are cut.
MAX_LENGTHS = {"InvoiceNo": 20, "StockCode": 32, "CustomerID": 32, "Country": 64}
MAX_DESCRIPTION = 255
MAX_PRICE = Decimal("1e9")  # unit_price: max_digits=12, decimal_places=3
MAX_AMOUNT = Decimal("1e13")  # amount: max_digits=16, decimal_places=3
MAX_QUANTITY = 2**31 - 1
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
UTC = dt.UTC


# --- Parsing one value -----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # XLSX stores whole-number ids as floats
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _identifier(column: str, value: Any) -> str:
    text = value.strip() if value.__class__ is str else _text(value)
    if not text:
        raise RowError(column, value, "missing")
    if len(text) > MAX_LENGTHS[column]:
        raise RowError(column, value, f"longer than {MAX_LENGTHS[column]} characters")
    return text


def _customer(value: Any) -> str:
    """``"17850.0"``, ``"17850"`` and ``17850.0`` are the same customer ``"17850"``."""
    text = value.strip() if value.__class__ is str else _text(value)
    if text.isdigit() and len(text) <= MAX_LENGTHS["CustomerID"]:
        return text
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) > MAX_LENGTHS["CustomerID"]:
        raise RowError("CustomerID", value, f"longer than {MAX_LENGTHS['CustomerID']} characters")
    return text


def _quantity(value: Any) -> int:
    if value.__class__ is int:
        quantity = value
    else:
        text = _text(value)
        if not text:
            raise RowError("Quantity", value, "missing")
        try:
            quantity = int(text)
        except ValueError:
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise RowError("Quantity", value, "not a number") from None
            if not number.is_finite() or number != number.to_integral_value():
                raise RowError("Quantity", value, "not a whole number") from None
            quantity = int(number)
    if abs(quantity) > MAX_QUANTITY:
        raise RowError("Quantity", value, "out of range")
    return quantity


class CleanLine(NamedTuple):
    """A kept line, cleaned: what the sinks write, in the order of the line tables' columns."""

    invoice_no: str
    stock_code: str
    description: str
    quantity: int
    invoice_date: dt.datetime
    unit_price: Decimal
    amount: Decimal
    customer_id: str
    country: str
    product: bool


_new_tuple = tuple.__new__


class _Tally:
    """What one run counts besides the report's first figures."""

    __slots__ = (
        "adjustments",
        "customers",
        "duplicates",
        "first",
        "last",
        "non_product",
        "orders",
        "previous_date",
        "price_le_0",
        "quantity_le_0",
        "returns",
        "returns_value",
        "revenue",
        "sales",
        "without_customer",
    )

    def __init__(self) -> None:
        self.duplicates = self.adjustments = self.returns = self.sales = 0
        self.quantity_le_0 = self.price_le_0 = self.without_customer = self.non_product = 0
        self.revenue = self.returns_value = Decimal(0)
        self.first = self.last = self.previous_date = None
        self.orders: set[str] = set()
        self.customers: set[str] = set()


class Cleaner:
    """Runs the cleaning steps over a :class:`Source` and feeds a sink.

    The sink has ``sale(line)`` and ``ret(line)``; a line is the tuple
    ``(invoice_no, stock_code, description, quantity, invoice_date_utc, unit_price, amount,
    customer_id, country, is_product)``. Once a row has failed to parse, nothing more is sent to
    the sink (the import will fail), but every row is still parsed to list the bad ones.
    """

    def __init__(self, *, tz: dt.tzinfo, now: dt.datetime):
        self.tz = tz
        # The API's date ranges start at MIN_DATE (local): earlier lines could never be asked for,
        # and a period before them would reach year 1 (Period.previous overflows).
        self.earliest = dt.datetime.combine(MIN_DATE, dt.time.min, tzinfo=tz).astimezone(UTC)
        self.latest = now + FUTURE_GRACE
        self.report: dict[str, Any] = {
            "rows_read": 0,
            "duplicates_dropped": 0,
            "adjustments_excluded": 0,
            "returns_kept": 0,
            "rejected": {"quantity_le_0": 0, "price_le_0": 0},
            "rejected_total": 0,
            "sales_lines_kept": 0,
        }
        self.invoices: set[str] = set()
        self.errors: list[dict] = []
        self.error_rows = 0
        self.rows_read = 0  # so far: up to date whenever ``progress`` is called
        self.descriptions_cut = 0

    @staticmethod
    def _remember(cache: dict, raw: Any, value: Any) -> Any:
        # The real file has 23,260 distinct timestamps, 4,070 stock codes and 38 countries in
        # 541,909 rows: caches of parsed values pay, and are bounded.
        if len(cache) > 100_000:
            cache.clear()
        cache[raw] = value
        return value

    def _parse_date(self, value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 (local time, zoned below)
        else:
            text = _text(value)
            if not text:
                raise RowError("InvoiceDate", value, "missing")
            match = _US_DATE.fullmatch(text)
            try:
                if match:
                    month, day, year, hour, minute, second = match.groups()
                    moment = dt.datetime(  # noqa: DTZ001 (local time, zoned below)
                        int(year), int(month), int(day), int(hour), int(minute), int(second or 0)
                    )
                else:
                    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise RowError("InvoiceDate", value, "not a date (expected M/D/YYYY H:MM or ISO 8601)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)  # the file's local time, in the workspace time zone
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # year 1 east of UTC, or year 9999 west of it
            too_early = moment.year == dt.MINYEAR
            raise RowError("InvoiceDate", value, f"before {MIN_DATE}" if too_early else "in the future") from None
        if moment < self.earliest:
            raise RowError("InvoiceDate", value, f"before {MIN_DATE}")
        if moment > self.latest:
            raise RowError("InvoiceDate", value, "in the future")
        return moment

    @staticmethod
    def _parse_price(value: Any) -> Decimal:
        # repr of a float is the shortest text that reads back as it: 2.55, not 2.5499…
        text = repr(value) if isinstance(value, float) else _text(value)
        if not text:
            raise RowError("UnitPrice", value, "missing")
        try:
            price = Decimal(text)
        except InvalidOperation:
            raise RowError("UnitPrice", value, "not a number") from None
        if not price.is_finite():
            raise RowError("UnitPrice", value, "not a number")
        if price != price.quantize(Decimal("0.001"), rounding="ROUND_HALF_EVEN"):
            raise RowError("UnitPrice", value, "more than 3 decimal places")
        if abs(price) >= MAX_PRICE:
            raise RowError("UnitPrice", value, "out of range")
        return price

    def _fail(self, row_number: int, error: RowError) -> None:
        self.error_rows += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            value = (
                error.value if isinstance(error.value, str | int | float) or error.value is None else str(error.value)
            )
            self.errors.append({"row": row_number, "column": error.column, "value": value, "reason": error.reason})

    def run(self, source: Source, sink, *, progress: Callable[[int], None] | None = None) -> None:
        tally = _Tally()
        seen: set[bytes] = set()
        invoices = self.invoices
        blake2b = hashlib.blake2b
        parse, classify, fail = self._parser(), self._classify, self._fail
        rows_read = 0
        for row_number, values, key in source.rows:
            rows_read += 1
            if rows_read > MAX_ROWS:  # what a small compressed file can hold is not: memory is bounded
                raise ImportFailed(
                    "too_many_rows",
                    f"The file has more than {MAX_ROWS:,} rows: split it into several imports.",
                    max_rows=MAX_ROWS,
                )
            if progress is not None and not rows_read & 0x3FFF:
                self.rows_read = rows_read
                progress(source.position())
            if values.__class__ is RowError:
                fail(row_number, values)
                continue
            try:
                line = parse(values)
            except RowError as error:
                fail(row_number, error)
                continue
            invoices.add(line[0])
            # 1. exact duplicates: the eight raw fields as read from the file, the first kept.
            digest = blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if digest in seen:
                tally.duplicates += 1
                continue
            seen.add(digest)
            if not self.error_rows:  # else the import fails: the rest is only parsed, to list the bad rows
                classify(row_number, line, values[3], sink, tally)
        self.rows_read = rows_read
        if progress is not None:
            progress(source.position())
        self._finish(tally)

    def _parser(self) -> Callable[[list], tuple]:
        """``parse(values)``: the row's values parsed, as a line without its amount. Each distinct
        value is parsed once; the caches are bound to the closure, the cheapest lookup per row."""
        invoices, codes, quantities, dates, prices, customers, countries = ({} for _ in range(7))
        remember, parse_date, parse_price = self._remember, self._parse_date, self._parse_price

        def parse(values: list) -> tuple:
            raw_invoice, raw_code, raw_description, raw_quantity, raw_date, raw_price, raw_customer, raw_country = (
                values
            )
            invoice_no = invoices.get(raw_invoice)
            if invoice_no is None:
                invoice_no = remember(invoices, raw_invoice, _identifier("InvoiceNo", raw_invoice))
            code = codes.get(raw_code)
            if code is None:
                stock_code = _identifier("StockCode", raw_code)
                code = remember(codes, raw_code, (stock_code, is_product_code(stock_code)))
            quantity = quantities.get(raw_quantity)
            if quantity is None:
                quantity = remember(quantities, raw_quantity, _quantity(raw_quantity))
            invoice_date = dates.get(raw_date)
            if invoice_date is None:
                invoice_date = remember(dates, raw_date, parse_date(raw_date))
            unit_price = prices.get(raw_price)
            if unit_price is None:
                unit_price = remember(prices, raw_price, parse_price(raw_price))
            customer_id = customers.get(raw_customer)
            if customer_id is None:
                customer_id = remember(customers, raw_customer, _customer(raw_customer))
            country = countries.get(raw_country)
            if country is None:
                country = remember(countries, raw_country, _identifier("Country", raw_country))
            description = raw_description.strip() if raw_description.__class__ is str else _text(raw_description)
            if len(description) > MAX_DESCRIPTION:
                description = description[:MAX_DESCRIPTION]
                self.descriptions_cut += 1
            stock_code, product = code
            return (
                invoice_no,
                stock_code,
                description,
                quantity,
                invoice_date,
                unit_price,
                customer_id,
                country,
                product,
            )

        return parse

    # One call per row of the file: its cleaning rules stay in one frame rather than in helpers.
    def _classify(self, row_number: int, line: tuple, raw_quantity: Any, sink, tally: _Tally) -> None:  # noqa: C901
        """Steps 2 to 5 for a parsed, first-seen row: hand it to the sink or count why not."""
        invoice_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country, product = line
        prefix = invoice_no[0]
        if prefix in "Aa":  # 2. bad-debt adjustments: excluded from everything
            tally.adjustments += 1
            return
        returned = prefix in "Cc"  # 3. cancellations: kept apart as returns
        if not returned:
            # 4. rejected from sales, by the first reason that applies
            if quantity <= 0:
                tally.quantity_le_0 += 1
                return
            if unit_price <= 0:
                tally.price_le_0 += 1
                return
        amount = abs(quantity) * unit_price if returned else quantity * unit_price
        if amount >= MAX_AMOUNT:
            self._fail(row_number, RowError("Quantity", raw_quantity, "quantity × unit price out of range"))
            return
        # tuple.__new__ skips the generated __new__'s frame: one call fewer per kept row.
        kept = _new_tuple(
            CleanLine,
            (
                invoice_no,
                stock_code,
                description,
                quantity,
                invoice_date,
                unit_price,
                amount,
                customer_id,
                country,
                product,
            ),
        )
        if returned:
            tally.returns += 1
            tally.returns_value += amount
            sink.ret(kept)
            return
        # 5. sales lines
        tally.sales += 1
        tally.revenue += amount
        tally.orders.add(invoice_no)
        if customer_id:
            tally.customers.add(customer_id)
        else:
            tally.without_customer += 1
        if not product:
            tally.non_product += 1
        if invoice_date is not tally.previous_date:  # consecutive lines mostly share their timestamp
            tally.previous_date = invoice_date
            if tally.first is None or invoice_date < tally.first:
                tally.first = invoice_date
            if tally.last is None or invoice_date > tally.last:
                tally.last = invoice_date
        sink.sale(kept)

    def _finish(self, tally: _Tally) -> None:
        """The report of the run; raises when a row could not be read or there was none."""
        self.report.update(
            rows_read=self.rows_read,
            duplicates_dropped=tally.duplicates,
            adjustments_excluded=tally.adjustments,
            returns_kept=tally.returns,
            rejected={"quantity_le_0": tally.quantity_le_0, "price_le_0": tally.price_le_0},
            rejected_total=tally.quantity_le_0 + tally.price_le_0,
            sales_lines_kept=tally.sales,
            descriptions_truncated=self.descriptions_cut,
            invoices_in_file=len(self.invoices),
            orders=len(tally.orders),
            customers=len(tally.customers),
            sales_lines_without_customer=tally.without_customer,
            non_product_sales_lines=tally.non_product,
            revenue=f"{tally.revenue:.3f}",
            returns_value=f"{tally.returns_value:.3f}",
            first_sale=tally.first.isoformat() if tally.first else None,
            last_sale=tally.last.isoformat() if tally.last else None,
        )
        if self.error_rows:
            listed = ", ".join(str(error["row"]) for error in self.errors)
            more = f" (first {len(self.errors)} listed)" if self.error_rows > len(self.errors) else ""
            raise ImportFailed(
                "unparseable_rows",
                f"{self.error_rows} row(s) cannot be read, so nothing was imported: rows {listed}{more}.",
                rows=self.errors,
                rows_total=self.error_rows,
            )
        if self.rows_read == 0:
            raise ImportFailed("no_rows", "The file has a header but no data rows.")
