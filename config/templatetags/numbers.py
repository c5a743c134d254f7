"""Template filters of :mod:`config.numbers`, in the page's locale: ``{{ value|money:currency }}``
(exact), ``{{ value|compact:currency }}`` (short, the exact figure in its ``title``),
``{{ ratio|share }}``, ``{{ count|number }}``, ``{{ rate|fixed:2 }}`` (a set number of decimals)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config import numbers

register = template.Library()


@register.filter
def money(value: Any, currency: str) -> str:
    return numbers.format_money(None if value in (None, "") else value, currency)


@register.filter
def compact(value: Any, currency: str = "") -> SafeString:
    if value in (None, ""):
        return format_html("{}", "–")
    exact = numbers.format_exact(value, currency or None)
    return format_html('<span title="{}">{}</span>', exact, numbers.format_compact(value, currency or None))


@register.filter
def share(ratio: Any) -> str:
    return numbers.format_share(None if ratio in (None, "") else float(ratio))


@register.filter
def number(value: Any) -> str:
    return numbers.format_number(None if value in (None, "") else value)


@register.filter
def fixed(value: Any, places: int) -> str:
    return numbers.format_fixed(None if value in (None, "") else value, int(places))
