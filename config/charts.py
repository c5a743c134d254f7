"""Plotly figures in the HTML pages without inline scripts.

The pages' Content-Security-Policy runs scripts from our own origin only, and
``fig.to_html()`` writes an inline ``<script>`` calling ``Plotly.newPlot`` for each figure.
Instead a figure becomes a ``<div class="pulse-chart">`` holding its JSON in a
``<script type="application/json">`` (data: the browser never runs it), and
``static/js/charts.js``, loaded by the dashboards' base template, draws every such div.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# What Django's json_script escapes: the JSON can then never end its <script> element early.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
DEFAULT_CONFIG = {"displaylogo": False, "responsive": True}


def figure_html(figure: go.Figure, config: Mapping[str, object] | None = None) -> SafeString:
    """The figure as a container that ``static/js/charts.js`` draws, with Plotly's ``config``
    (``DEFAULT_CONFIG`` and what is given)."""
    spec = '{"figure": %s, "config": %s}' % (  # noqa: UP031 (two JSON documents, already encoded)
        pio.to_json(figure),
        json.dumps({**DEFAULT_CONFIG, **(config or {})}),
    )
    return format_html(
        '<div class="pulse-chart"><script type="application/json">{}</script></div>',
        mark_safe(spec.translate(_ESCAPES)),
    )
