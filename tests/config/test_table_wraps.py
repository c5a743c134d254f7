"""Every table sits in a scroll box that a keyboard can reach: on a phone a long row scrolls
sideways, and a box that takes no focus cannot be scrolled without a pointer (axe's
scrollable-region-focusable)."""

import re
from pathlib import Path

from django.conf import settings

WRAP = re.compile(r"<div\b[^>]*\bclass=\"table-wrap\"[^>]*>")


def test_every_table_wrap_takes_focus():
    root = Path(settings.BASE_DIR)
    templates = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]
    wraps = [(path.name, tag) for path in templates for tag in WRAP.findall(path.read_text(encoding="utf-8"))]
    assert len(wraps) >= 30  # the dashboards', the settings pages' and the reports' tables
    assert [(name, tag) for name, tag in wraps if 'tabindex="0"' not in tag] == []
