"""Numbers as the dashboards show them, in the workspace's locale (CLDR data through Babel):
money in the workspace's currency, compact where space is short (the exact figure beside it for
a ``title``), shares precise enough never to read "0 %" when they are not zero.

The locale is the page's: :func:`accounts.tenancy.page_membership` activates the workspace's
when it resolves it, and :class:`config.middleware.NumberLocaleMiddleware` puts the default back
after each request. Every formatter also takes a ``locale`` for work outside a request.
"""

import contextvars
import functools
import math
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import TypedDict

from babel import Locale
from babel.numbers import (
    format_compact_currency,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
)

from config.locales import DEFAULT_LOCALE
from config.money import Amount

# Below this a compact form saves nothing: "£9,999.99" is as short to read as "£10K".
COMPACT_FROM = Decimal(10_000)
_ACTIVE = contextvars.ContextVar("pulse_number_locale", default=DEFAULT_LOCALE)


def activate_locale(locale: str) -> contextvars.Token[str]:
    """Write numbers in ``locale`` from now on in this request (or task); the token undoes it."""
    return _ACTIVE.set(locale)


def reset_locale(token: contextvars.Token[str]) -> None:
    _ACTIVE.reset(token)


@functools.cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def _locale(locale: str | None) -> Locale:
    return _babel_locale(locale or _ACTIVE.get())


def _spaced(written: str) -> str:
    # CLDR's currency spacing, which Babel leaves out: a currency written in letters before the
    # digits is kept apart from them ("CHF 1,234.50"), a symbol is not ("$3.50").
    first = next((i for i, char in enumerate(written) if char.isdigit()), 0)
    if first and unicodedata.category(written[first - 1]).startswith("L"):
        return f"{written[:first]}\xa0{written[first:]}"
    return written


def format_money(value: Amount | None, currency: str, locale: str | None = None) -> str:
    """The exact amount with its currency, to the currency's minor unit: "£10,631,048.74",
    "-$3.50", "10.631.048,74 €" in de_DE; "–" for None."""
    if value is None:
        return "–"
    return _spaced(format_currency(Decimal(value), currency, locale=_locale(locale)))


def currency_affixes(currency: str, locale: str | None = None) -> tuple[str, str]:
    """What the locale writes before and after an amount: ("£", ""), ("", "\xa0€"), ("CHF\xa0", "")."""
    written = format_money(1, currency, locale)
    digits = [i for i, char in enumerate(written) if char.isdigit()]
    return written[: digits[0]], written[digits[-1] + 1 :]


def currency_places(currency: str) -> int:
    """The currency's minor unit: 2 for the pound, 0 for the yen."""
    return get_currency_precision(currency)


def separators(locale: str | None = None) -> str:
    """The decimal and the group symbols, as plotly's ``separators`` takes them (".,", ",.")."""
    where = _locale(locale)
    return get_decimal_symbol(where) + get_group_symbol(where)


def format_number(value: Amount | None, locale: str | None = None) -> str:
    """A count or a plain figure with every digit it has, grouped: "25,900", "25.900"."""
    if value is None:
        return "–"
    return format_decimal(Decimal(value), locale=_locale(locale), decimal_quantization=False)


def format_fixed(value: Amount | None, places: int, locale: str | None = None) -> str:
    """A rate or a ratio to ``places`` decimals, grouped: "1,234.50", "1.234,50"; "–" for None."""
    if value is None:
        return "–"
    # Half up, as money and Django's floatformat round ("12.345" is 12.35), before Babel writes it.
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern, locale=_locale(locale))


def format_exact(value: Amount | None, currency: str | None = None, locale: str | None = None) -> str:
    """What a compact figure's ``title`` says: the money to the cent, or the whole number."""
    return format_money(value, currency, locale) if currency else format_number(value, locale)


def _compact_places(size: Decimal, locale: Locale, currency: str | None) -> int | None:
    # The locale's pattern for this magnitude ("000K", "0 Mio. ¤", "0万") has as many zeros as
    # the scaled figure has whole digits: a decimal place only below three, for three
    # significant figures at most ("£10.6M", "£123M"). None where the locale does not shorten
    # this magnitude (de_DE writes thousands in full).
    formats = (locale.compact_currency_formats if currency else locale.compact_decimal_formats)["short"]["other"]
    magnitude = min(10 ** math.floor(math.log10(size)), max(int(key) for key in formats))
    pattern = formats[str(magnitude)].pattern
    if not pattern.strip("0¤' \xa0\u202f"):
        return None
    return 0 if pattern.count("0") >= 3 else 1


def format_compact(value: Amount | None, currency: str | None = None, locale: str | None = None) -> str:
    """The locale's short form from 10,000 up ("£10.6M", "12.3K", "10,6 Mio. €"); smaller
    numbers, and those the locale does not shorten, exactly (money to its minor unit, counts
    to two places when they have decimals)."""
    if value is None:
        return "–"
    amount, where = Decimal(value), _locale(locale)
    places = _compact_places(abs(amount), where, currency) if abs(amount) >= COMPACT_FROM else None
    if places is not None:
        if currency:
            return _spaced(format_compact_currency(amount, currency, locale=where, fraction_digits=places))
        return format_compact_decimal(amount, locale=where, fraction_digits=places)
    if currency:
        return format_money(amount, currency, locale)
    return format_decimal(amount, format="#,##0" if amount == amount.to_integral_value() else "#,##0.00", locale=where)


def _percent(ratio: float, places: int, locale: Locale) -> str:
    # The locale's own percent pattern ("#,##0%", "#,##0 %") with ``places`` decimals.
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    last = pattern.rindex("0") + 1
    return format_percent(ratio, format=f"{pattern[:last]}.{'0' * places}{pattern[last:]}", locale=locale)


def format_share(ratio: float | None, locale: str | None = None) -> str:
    """A ratio as a percentage with two significant figures below 10 % ("0.12%", "0.0040%"),
    one decimal above ("45.3%"); never "0%" for a share that is not zero."""
    if ratio is None:
        return "–"
    where = _locale(locale)
    pct = ratio * 100
    if pct == 0:
        return format_percent(0, locale=where)
    if abs(pct) < 0.0001:
        return f"< {_percent(0.000001, 4, where)}"
    places = min(4, max(1, 1 - math.floor(math.log10(abs(pct)))))
    return _percent(ratio, places, where)


def format_change(pct: float, locale: str | None = None) -> str:
    """A change in percent to one decimal: "-3.2%", "+12,5 %"."""
    shown = _percent(pct / 100, 1, _locale(locale))
    return f"+{shown}" if pct > 0 else shown


# The decimals and the suffix of each unit of a metric (config.insights.MetricUnit) but money.
_METRIC_FORMS = {
    "percent": (2, " %"),
    "ratio": (2, ""),
    "score": (2, ""),
    "ms": (1, " ms"),
    "seconds": (1, " s"),
    "hours": (1, " h"),
}


def format_metric(value: Amount | None, unit: str, currency: str, locale: str | None = None) -> str:
    """A metric's value by its unit: money with ``currency``, a count in full, a rate or a
    duration to its decimals with its unit ("12.50 %", "515.0 ms"); "–" for None."""
    if value is None:
        return "–"
    if unit == "money":
        return format_money(value, currency, locale)
    if unit not in _METRIC_FORMS:
        return format_number(value, locale)
    places, suffix = _METRIC_FORMS[unit]
    return format_fixed(value, places, locale) + suffix


class KpiCard(TypedDict):
    """One KPI card (``templates/dashboard/_kpi.html``)."""

    key: str
    label: str
    value: str
    exact: str
    pct: float | None
    change: str  # ``pct`` as the locale writes it ("" without one)
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
        compact, exact = format_compact(value, currency), format_exact(value, currency)
    good = None if pct is None or pct == 0 else (pct > 0) == up_is_good
    change = "" if pct is None else format_change(pct)
    return KpiCard(
        key=key, label=label, value=compact, exact=exact, pct=pct, change=change, good=good, comparable=comparable
    )
