"""The locales a workspace may write its numbers in: any that Babel knows (CLDR identifiers such
as "de_DE", "fr_CA", "zh_Hans_CN"), with a short list for the settings form."""

import functools

from babel import Locale
from babel.localedata import locale_identifiers

# en_US writes money as Pulse always has ("£10,631,048.74", "-$3.50", "¥2,500"; en_GB would
# write "US$" and "JP¥"): existing workspaces read the same amounts after the column is added.
DEFAULT_LOCALE = "en_US"
COMMON_LOCALES = (
    "en_US",
    "en_GB",
    "en_AU",
    "en_CA",
    "en_IN",
    "de_DE",
    "de_CH",
    "fr_FR",
    "fr_CA",
    "es_ES",
    "es_MX",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "pl_PL",
    "sv_SE",
    "ja_JP",
    "zh_Hans_CN",
)


@functools.cache
def known_locales() -> frozenset[str]:
    return frozenset(locale_identifiers())


def normalize_locale(value: str) -> str:
    """``value`` as Babel spells its identifiers ("de-DE" becomes "de_DE")."""
    return value.strip().replace("-", "_")


def is_known_locale(value: str) -> bool:
    return value in known_locales()


def locale_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The form's choices: the common locales, and ``current`` when the API set another one."""
    codes = [*COMMON_LOCALES, *([current] if current and current not in COMMON_LOCALES else [])]
    return [(code, f"{code} · {Locale.parse(code).get_display_name('en')}") for code in codes]
