"""Reading the figures a page embeds (config.charts.figure_html) in tests of its HTML."""

import json
import re


def chart_specs(html: str) -> list[dict]:
    """Every embedded chart of the page, in order: its ``figure``, ``config`` and ``links``."""
    found = re.findall(r'<div class="pulse-chart"[^>]*><script type="application/json">(.*?)</script>', html, re.S)
    return [json.loads(spec) for spec in found]


def chart_spec(html: str, title: str) -> dict:
    """The embedded chart titled ``title``."""
    for spec in chart_specs(html):
        if (spec["figure"]["layout"].get("title") or {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")
