"""Plotly figures in the HTML pages: one layout for every chart, drawn without inline scripts.

The pages' Content-Security-Policy runs scripts from our own origin only, and
``fig.to_html()`` writes an inline ``<script>`` calling ``Plotly.newPlot`` for each figure.
Instead a figure becomes a ``<div class="pulse-chart">`` holding its JSON in a
``<script type="application/json">`` (data: the browser never runs it), and
``static/js/charts.js``, loaded by the dashboards' base template, draws every such div (loading
plotly.js only then).

Every app's figures start from :func:`layout`, the one place to change how charts look or to
add what every time chart shows. A figure without data is :func:`empty_figure`: the page shows
its sentence instead of an empty frame.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from config.numbers import currency_affixes, currency_places, separators

# What Django's json_script escapes: the JSON can then never end its <script> element early.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
DEFAULT_CONFIG = {"displaylogo": False, "responsive": True}
GRID, ZERO_LINE = "#eef0f5", "#dee2e6"
LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
    "height": 340,
    "autosize": True,
    # Not template="plotly_white": validating a whole template costs ~0.3 s per figure.
    "plot_bgcolor": "#ffffff",
    "paper_bgcolor": "#ffffff",
    "legend": {"orientation": "h", "y": 1.12, "x": 0},
    "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1d2330"},
}
_GEO_TRACES = {"choropleth", "scattergeo"}


def layout(figure: go.Figure, **overrides: Any) -> go.Figure:
    """``figure`` with the shared layout (``overrides`` replace its keys) and light grid lines."""
    figure.update_layout(**{**LAYOUT, **overrides})
    figure.update_xaxes(gridcolor=GRID, zerolinecolor=ZERO_LINE)
    figure.update_yaxes(gridcolor=GRID, zerolinecolor=ZERO_LINE)
    return figure


def money_axis(figure: go.Figure, currency: str, axis: str = "y", locale: str | None = None) -> go.Figure:
    """The ``axis`` of a money figure: ticks with the currency where the locale writes it ("£10M",
    "10M €") and grouped hover values to the currency's minor unit."""
    prefix, suffix = currency_affixes(currency, locale)
    update = figure.update_yaxes if axis == "y" else figure.update_xaxes
    update(tickprefix=prefix, ticksuffix=suffix, tickformat="~s", hoverformat=f",.{currency_places(currency)}f")
    return figure


def money_hover(currency: str, value: str = "y", locale: str | None = None) -> str:
    """A hover template's amount: "£%{y:,.2f}", "%{y:,.2f} €" (the figure's ``separators``
    write the digits the locale's way)."""
    prefix, suffix = currency_affixes(currency, locale)
    return f"{prefix}%{{{value}:,.{currency_places(currency)}f}}{suffix}"


def empty_figure(sentence: str) -> go.Figure:
    """A chart with nothing to draw: the page shows ``sentence`` in its place."""
    return go.Figure(layout={"meta": {"empty": sentence}})


def bar_figure(labels: Sequence[str], values: Sequence[float], *, title: str, currency: str | None = None) -> go.Figure:
    """A table's first rows as horizontal bars, the first on top (a ranking reads downwards),
    each labelled as :func:`row_links` names it so that a click can open its page."""
    if not labels:
        return empty_figure("Nothing to rank in this range.")
    figure = go.Figure(
        go.Bar(
            x=[float(value) for value in values][::-1],
            y=list(labels)[::-1],
            orientation="h",
            name=title,
            marker_color="#3b5bdb",
        )
    )
    layout(
        figure,
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=max(220, 26 * len(labels) + 90),
        margin={"l": 10, "r": 20, "t": 40, "b": 40},
        showlegend=False,
    )
    figure.update_yaxes(automargin=True, type="category")
    if currency:
        money_axis(figure, currency, axis="x")
    return figure


def row_links(
    rows: Sequence[Mapping[str, Any]], label: Callable[[Mapping[str, Any]], str], url: str = "filter_url"
) -> dict[str, str]:
    """The ``links`` of :func:`figure_html` from a table's rows that already carry their URLs:
    each row's category as the chart draws it (``label(row)``) to its ``url`` (the link that
    applies its filter, or ``detail_url``: its page). Rows without that URL get no link."""
    return {label(row): row[url] for row in rows if row.get(url)}


def summary(figure: go.Figure) -> str:
    """What a screen reader hears of a chart: its traces and the span of their points."""
    names = [trace.name for trace in figure.data if getattr(trace, "name", None)]
    xs: Sequence[Any] = next((trace.x for trace in figure.data if getattr(trace, "x", None) is not None), ())
    text = f"Chart of {', '.join(names)}" if names else "Chart"
    if xs is not None and len(xs):
        text += f", {len(xs)} points from {xs[0]} to {xs[-1]}"
    locations = next((trace.locations for trace in figure.data if trace.type in _GEO_TRACES), None)
    if locations is not None:
        text += f", {len(locations)} countries"
    return text + "."


def figure_html(
    figure: go.Figure, config: Mapping[str, object] | None = None, links: Mapping[str, str] | None = None
) -> SafeString:
    """The figure as a container that ``static/js/charts.js`` draws, with Plotly's ``config``
    (``DEFAULT_CONFIG`` and what is given); an empty figure's sentence instead. ``links`` maps a
    point's label (a bar's category, a map region's location) to the page a click on it opens."""
    meta = figure.layout.meta
    if not figure.data and isinstance(meta, dict) and meta.get("empty"):
        return format_html('<p class="chart-empty">{}</p>', meta["empty"])
    # Clicks are for pointers: the table beside a linked chart has the same links as keyboard stops.
    told = " Its bars and regions open the same pages as the table's links." if links else ""
    label = f"{summary(figure)} The table or CSV beside it holds the figures.{told}"
    # Every figure reaches the page here: its numbers take the page's decimal and group symbols.
    figure.update_layout(separators=separators())
    spec = '{"figure": %s, "config": %s, "links": %s}' % (  # noqa: UP031 (JSON documents, already encoded)
        pio.to_json(figure),
        json.dumps({**DEFAULT_CONFIG, **(config or {})}),
        json.dumps(dict(links or {})),
    )
    return format_html(
        '<div class="pulse-chart" role="figure" aria-label="{}"><script type="application/json">{}</script></div>',
        label,
        mark_safe(spec.translate(_ESCAPES)),
    )
