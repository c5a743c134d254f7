"""Numbers as the dashboards show them: money in the workspace's currency, compact where space is
short (the exact figure beside it for a ``title``), shares precise enough never to read "0 %"
when they are not zero. English grouping (a workspace has a currency, not a locale)."""

import math
from decimal import Decimal
from typing import TypedDict

from config.money import Amount

# Symbols of the currencies people mostly keep their books in; other codes are written out.
SYMBOLS = {
    "USD": "$",
    "GBP": "£",
    "EUR": "€",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "NGN": "₦",
    "PHP": "₱",
    "VND": "₫",
    "UAH": "₴",
    "TRY": "₺",
    "RUB": "₽",
    "THB": "฿",
    "AUD": "A$",
    "CAD": "CA$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "MXN": "MX$",
    "BRL": "R$",
}
_COMPACT = ((Decimal("1e12"), "T"), (Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "k"))
# Below this a compact form saves nothing: "£9,999.99" is as short to read as "£10.0k".
COMPACT_FROM = Decimal(10_000)


def currency_prefix(currency: str) -> str:
    """What goes before an amount: "£", or the code and a space ("CHF ")."""
    return SYMBOLS.get(currency, f"{currency} ")


def format_money(value: Amount | None, currency: str) -> str:
    """The exact amount with its currency, to the cent: "£10,631,048.74", "-$3.50"; "–" for None."""
    if value is None:
        return "–"
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_prefix(currency)}{abs(amount):,.2f}"


def format_compact(value: Amount | None, currency: str | None = None) -> str:
    """Three significant figures with k, M, B or T from 10,000 up ("£10.6M", "12.3k"); smaller
    numbers exactly (money to the cent, counts as integers)."""
    if value is None:
        return "–"
    amount = Decimal(value)
    prefix = currency_prefix(currency) if currency else ""
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if size >= COMPACT_FROM:
        for scale, suffix in _COMPACT:
            if size >= scale:
                scaled = size / scale
                places = 0 if scaled >= 100 else 1
                return f"{sign}{prefix}{scaled:,.{places}f}{suffix}"
    if currency:
        return format_money(amount, currency)
    return f"{sign}{size:,.0f}" if size == size.to_integral_value() else f"{sign}{size:,.2f}"


def format_share(ratio: float | None) -> str:
    """A ratio as a percentage with two significant figures below 10 % ("0.12 %", "0.0040 %"),
    one decimal above ("45.3 %"); never "0 %" for a share that is not zero."""
    if ratio is None:
        return "–"
    pct = ratio * 100
    if pct == 0:
        return "0 %"
    if abs(pct) < 0.0001:
        return "< 0.0001 %"
    places = min(4, max(1, 1 - math.floor(math.log10(abs(pct)))))
    return f"{pct:.{places}f} %"


class KpiCard(TypedDict):
    """One KPI card (``templates/dashboard/_kpi.html``)."""

    key: str
    label: str
    value: str
    exact: str
    pct: float | None
    good: bool | None
    comparable: bool  # False for a figure no comparison applies to ("Stores selling")


def kpi_card(
    key: str,
    label: str,
    value: Amount | None,
    *,
    currency: str | None = None,
    pct: float | None = None,
    up_is_good: bool = True,
    shown: str | None = None,
    comparable: bool = True,
) -> KpiCard:
    """A card: the compact figure (or ``shown``, a ratio already written), the exact one (its
    ``title``), and the change against the comparison period (``pct``, None without one)
    coloured by whether up is good news."""
    if shown is not None:
        compact = exact = shown
    elif value is None:
        compact = exact = "–"
    else:
        compact = format_compact(value, currency)
        exact = format_money(value, currency) if currency else f"{Decimal(value):,}"
    good = None if pct is None or pct == 0 else (pct > 0) == up_is_good
    return KpiCard(key=key, label=label, value=compact, exact=exact, pct=pct, good=good, comparable=comparable)
