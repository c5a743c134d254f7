"""Numbers as the dashboards show them (config.numbers) and their template filters."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from config.numbers import format_compact, format_money, format_share, kpi_card


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("10631048.74", "GBP", "£10,631,048.74"),
        (Decimal("-3.5"), "USD", "-$3.50"),
        ("0", "EUR", "€0.00"),
        ("1234.5", "CHF", "CHF 1,234.50"),
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
        ("10000", "USD", "$10.0k"),
        ("123456", None, "123k"),
        ("2500000000", "JPY", "¥2.5B"),
        ("-12345", "EUR", "-€12.3k"),
        (512, None, "512"),
        ("0.5", None, "0.50"),
    ],
)
def test_compact_forms(value, currency, shown):
    assert format_compact(value, currency) == shown


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (0.8312, "83.1 %"),
        (0.0012, "0.12 %"),  # the real file's small countries read "0 %" before
        (0.00004, "0.0040 %"),
        (0.0, "0 %"),
        (1e-9, "< 0.0001 %"),
        (None, "–"),
    ],
)
def test_shares_are_never_rounded_to_zero(ratio, shown):
    assert format_share(ratio) == shown


def test_a_kpi_card_holds_the_compact_and_the_exact_figure_and_whether_the_change_is_good():
    assert kpi_card("revenue", "Revenue", "10631048.74", currency="GBP", pct=-3.2) == {
        "key": "revenue",
        "label": "Revenue",
        "value": "£10.6M",
        "exact": "£10,631,048.74",
        "pct": -3.2,
        "good": False,
        "comparable": True,
    }
    returns = kpi_card("returns_value", "Returns", "25.5", currency="USD", pct=10.0, up_is_good=False)
    assert (returns["value"], returns["good"]) == ("$25.50", False)
    assert kpi_card("orders", "Orders", 25900, pct=None)["value"] == "25.9k"
    assert kpi_card("roas", "ROAS", None, shown="—")["exact"] == "—"


def test_template_filters():
    template = Template("{% load numbers %}{{ a|money:'GBP' }}|{{ a|compact:'GBP' }}|{{ r|share }}|{{ n|compact }}")
    rendered = template.render(Context({"a": "9338943.04", "r": 0.0021, "n": 40000}))
    assert rendered == '£9,338,943.04|<span title="£9,338,943.04">£9.3M</span>|0.21 %|<span title="40,000">40.0k</span>'
