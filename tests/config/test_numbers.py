"""Numbers as the dashboards show them (config.numbers) and their template filters, in the
default locale (en_US: Pulse's figures as they read before workspaces had a locale) and in the
locales the workspace may choose."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from config.numbers import (
    activate_locale,
    currency_affixes,
    format_compact,
    format_fixed,
    format_metric,
    format_money,
    format_number,
    format_share,
    kpi_card,
    reset_locale,
    separators,
)

NBSP, NNBSP = "\xa0", "\u202f"  # CLDR's no-break space, and French's narrow one between digit groups


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("10631048.74", "GBP", "£10,631,048.74"),
        (Decimal("-3.5"), "USD", "-$3.50"),
        ("0", "EUR", "€0.00"),
        ("1234.5", "CHF", f"CHF{NBSP}1,234.50"),  # a code, not a symbol: spaced from the digits
        ("2500.4", "JPY", "¥2,500"),  # the yen has no minor unit
        (None, "GBP", "–"),
    ],
)
def test_money_is_exact_with_its_currency(value, currency, shown):
    assert format_money(value, currency) == shown


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("10631048.74", "GBP", "£10.6M"),
        ("9999.99", "GBP", "£9,999.99"),  # below 10,000 the exact figure is as short
        ("10000", "USD", "$10K"),
        ("123456", None, "123K"),  # three significant figures at most
        ("2500000000", "JPY", "¥2.5B"),
        ("-12345", "EUR", "-€12.3K"),
        (512, None, "512"),
        ("0.5", None, "0.50"),
    ],
)
def test_compact_forms(value, currency, shown):
    assert format_compact(value, currency) == shown


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (0.8312, "83.1%"),
        (0.0012, "0.12%"),  # the real file's small countries read "0 %" before
        (0.00004, "0.0040%"),
        (0.0, "0%"),
        (1e-9, "< 0.0001%"),
        (None, "–"),
    ],
)
def test_shares_are_never_rounded_to_zero(ratio, shown):
    assert format_share(ratio) == shown


# Per locale: the exact amount, a negative one, zero, the compact form, a count, a share.
LOCALES = {
    ("en_GB", "GBP"): ("£10,631,048.74", "-£3.50", "£0.00", "£10.6M", "25,900", "0.12%"),
    ("de_DE", "EUR"): (
        f"10.631.048,74{NBSP}€",
        f"-3,50{NBSP}€",
        f"0,00{NBSP}€",
        f"10,6{NBSP}Mio.{NBSP}€",
        "25.900",
        f"0,12{NBSP}%",
    ),
    ("fr_FR", "EUR"): (
        f"10{NNBSP}631{NNBSP}048,74{NBSP}€",
        f"-3,50{NBSP}€",
        f"0,00{NBSP}€",
        f"10,6{NBSP}M{NBSP}€",
        f"25{NNBSP}900",
        f"0,12{NBSP}%",
    ),
    ("en_US", "USD"): ("$10,631,048.74", "-$3.50", "$0.00", "$10.6M", "25,900", "0.12%"),
    # The yen rounds to whole units (half to even: 3.5 is 4); ten thousands (万) are its unit.
    ("ja_JP", "JPY"): ("￥10,631,049", "-￥4", "￥0", "￥1063万", "25,900", "0.12%"),
}


@pytest.mark.parametrize(("locale", "currency"), list(LOCALES))
def test_each_locale_writes_money_counts_and_shares_its_own_way(locale, currency):
    shown = (
        format_money("10631048.74", currency, locale),
        format_money("-3.5", currency, locale),
        format_money(0, currency, locale),
        format_compact("10631048.74", currency, locale),
        format_number(25900, locale),
        format_share(0.0012, locale),
    )
    assert shown == LOCALES[locale, currency]


@pytest.mark.parametrize(
    ("locale", "value", "currency", "shown"),
    [
        ("de_DE", "-123456", "EUR", f"-123.456,00{NBSP}€"),  # German does not shorten thousands
        ("de_DE", "2500000000", "EUR", f"2,5{NBSP}Mrd.{NBSP}€"),
        ("fr_FR", "-12345", None, f"-12,3{NBSP}k"),
        ("ja_JP", "123456", None, "12.3万"),
        ("en_GB", "0", None, "0"),
        ("en_US", "-10631048.74", "USD", "-$10.6M"),
    ],
)
def test_compact_forms_in_other_locales(locale, value, currency, shown):
    assert format_compact(value, currency, locale) == shown


@pytest.mark.parametrize(
    ("locale", "currency", "affixes", "symbols"),
    [
        ("en_GB", "GBP", ("£", ""), ".,"),
        ("de_DE", "EUR", ("", f"{NBSP}€"), ",."),
        ("fr_FR", "EUR", ("", f"{NBSP}€"), f",{NNBSP}"),
        ("ja_JP", "JPY", ("￥", ""), ".,"),
    ],
)
def test_charts_take_the_currency_and_the_separators_of_the_locale(locale, currency, affixes, symbols):
    assert (currency_affixes(currency, locale), separators(locale)) == (affixes, symbols)


def test_a_kpi_card_holds_the_compact_and_the_exact_figure_and_whether_the_change_is_good():
    assert kpi_card("revenue", "Revenue", "10631048.74", currency="GBP", pct=-3.2) == {
        "key": "revenue",
        "label": "Revenue",
        "value": "£10.6M",
        "exact": "£10,631,048.74",
        "pct": -3.2,
        "change": "-3.2%",
        "good": False,
        "comparable": True,
    }
    returns = kpi_card("returns_value", "Returns", "25.5", currency="USD", pct=10.0, up_is_good=False)
    assert (returns["value"], returns["change"], returns["good"]) == ("$25.50", "+10.0%", False)
    assert kpi_card("orders", "Orders", 25900, pct=None)["value"] == "25.9K"
    assert kpi_card("roas", "ROAS", None, shown="—")["exact"] == "—"


def test_a_kpi_card_in_the_active_locale():
    token = activate_locale("de_DE")
    try:
        card = kpi_card("revenue", "Revenue", "10631048.74", currency="EUR", pct=12.5)
    finally:
        reset_locale(token)
    assert (card["value"], card["exact"], card["change"]) == (
        f"10,6{NBSP}Mio.{NBSP}€", f"10.631.048,74{NBSP}€", f"+12,5{NBSP}%"
    )  # fmt: skip


def test_template_filters():
    template = Template(
        "{% load numbers %}{{ a|money:'GBP' }}|{{ a|compact:'GBP' }}|{{ r|share }}|{{ n|compact }}|{{ n|number }}"
    )
    rendered = template.render(Context({"a": "9338943.04", "r": 0.0021, "n": 40000}))
    assert (
        rendered
        == '£9,338,943.04|<span title="£9,338,943.04">£9.3M</span>|0.21%|<span title="40,000">40K</span>|40,000'
    )


@pytest.mark.parametrize(
    ("value", "places", "locale", "shown"),
    [
        (4.66667, 2, "de_DE", "4,67"),
        (1234.5, 2, "en_US", "1,234.50"),
        ("12.345", 2, "en_US", "12.35"),  # half up, as money and floatformat round
        (-3.25, 1, "fr_FR", "-3,3"),
        (1234567.891, 1, "de_CH", "1’234’567.9"),
        (5, 0, "en_US", "5"),
        (None, 2, "en_US", "–"),
    ],
)
def test_rates_are_written_to_a_set_number_of_decimals(value, places, locale, shown):
    assert format_fixed(value, places, locale) == shown


@pytest.mark.parametrize(
    ("value", "unit", "en", "de"),
    [
        ("1234.5", "money", "$1,234.50", "1.234,50\xa0$"),
        (25900, "count", "25,900", "25.900"),
        ("12.345", "percent", "12.35 %", "12,35 %"),
        ("4.66666", "ratio", "4.67", "4,67"),
        ("0.8", "score", "0.80", "0,80"),
        ("515", "ms", "515.0 ms", "515,0 ms"),
        ("1.25", "hours", "1.3 h", "1,3 h"),
        (None, "money", "–", "–"),
    ],
)
def test_a_metric_is_written_by_its_unit(value, unit, en, de):
    assert format_metric(value, unit, "USD", "en_US") == en
    assert format_metric(value, unit, "USD", "de_DE") == de
