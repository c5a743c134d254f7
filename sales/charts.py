"""Plotly figures of the sales dashboard: pure functions of the analytics payloads."""

from collections.abc import Mapping

import plotly.graph_objects as go
from django.utils.safestring import SafeString

from config.charts import bar_figure, empty_figure, figure_html, layout, money_axis, money_hover, row_links
from sales.etl import EXCELLENT_ROAS, PROFITABLE_ROAS

REVENUE, AD_SPEND, ROAS = "#3b5bdb", "#f08c00", "#2b8a3e"
EMPTY = "No sales in this period: pick a longer range or add records."


def revenue_vs_ad_spend_figure(series: dict, currency: str = "USD") -> go.Figure:
    """Revenue and ad spend per bucket (bars side by side)."""
    buckets = series["buckets"]
    if not any(bucket["records"] for bucket in buckets):
        return empty_figure(EMPTY)
    x = [bucket["bucket"] for bucket in buckets]
    hover = money_hover(currency)  # the trace name follows in the unified hover label
    figure = go.Figure(
        [
            go.Bar(
                name="Revenue", x=x, y=[float(b["revenue"]) for b in buckets], marker_color=REVENUE, hovertemplate=hover
            ),
            go.Bar(
                name="Ad spend",
                x=x,
                y=[float(b["ad_spend"]) for b in buckets],
                marker_color=AD_SPEND,
                hovertemplate=hover,
            ),
        ]
    )
    layout(figure, barmode="group", bargap=0.15, hovermode="x unified")
    return money_axis(figure, currency)


def roas_trend_figure(series: dict) -> go.Figure:
    """ROAS per bucket with the break-even (1) and excellent (3) lines; empty buckets are gaps."""
    buckets = series["buckets"]
    if not any(bucket["roas"] is not None for bucket in buckets):
        return empty_figure("No ROAS in this period: no ad spend was recorded.")
    figure = go.Figure(
        go.Scatter(
            name="ROAS",
            x=[bucket["bucket"] for bucket in buckets],
            y=[bucket["roas"] for bucket in buckets],
            mode="lines+markers",
            line={"color": ROAS, "width": 2},
            marker={"size": 5},
            connectgaps=False,
        )
    )
    figure.add_hline(y=PROFITABLE_ROAS, line_dash="dot", line_color="#c92a2a", annotation_text="break-even")
    figure.add_hline(y=EXCELLENT_ROAS, line_dash="dot", line_color="#2b8a3e", annotation_text="excellent")
    layout(figure, showlegend=False, hovermode="x unified")
    figure.update_yaxes(title="revenue / ad spend", rangemode="tozero")
    return figure


def to_html(figure: go.Figure, links: Mapping[str, str] | None = None) -> SafeString:
    # Full width of its panel, resized with the window (config.charts draws it without inline script).
    return figure_html(figure, links=links)


def stores_html(stores: list[dict], currency: str) -> SafeString:
    """Revenue by store as bars, each a click away from the store's filter (rows with ``filter_url``);
    stores without records in the range are left out (the table still lists them)."""
    label = lambda row: f"{row['name']} (#{row['store_id']})"  # noqa: E731 (names may repeat; ids do not)
    stores = [row for row in stores if row["records"]]
    figure = bar_figure(
        [label(row) for row in stores],
        [row["total_revenue"] for row in stores],
        title="Revenue by store",
        currency=currency,
    )
    return to_html(figure, row_links(stores, label))
