"""Plotly figures of the sales dashboard: pure functions of the analytics payloads."""

import plotly.graph_objects as go
from django.utils.safestring import SafeString

from config.charts import figure_html
from sales.etl import EXCELLENT_ROAS, PROFITABLE_ROAS

REVENUE, AD_SPEND, ROAS = "#3b5bdb", "#f08c00", "#2b8a3e"
LAYOUT = {
    "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
    "height": 340,
    "autosize": True,
    "plot_bgcolor": "#fff",
    "paper_bgcolor": "#fff",
    "legend": {"orientation": "h", "y": 1.12, "x": 0},
    "hovermode": "x unified",
}


def _empty(title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(**LAYOUT, title=title)
    figure.add_annotation(text="No sales in this period", showarrow=False, font={"size": 16, "color": "#6b7385"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def revenue_vs_ad_spend_figure(series: dict, currency: str = "") -> go.Figure:
    """Revenue and ad spend per bucket (bars side by side)."""
    buckets = series["buckets"]
    if not any(bucket["records"] for bucket in buckets):
        return _empty("")
    x = [bucket["bucket"] for bucket in buckets]
    figure = go.Figure(
        [
            go.Bar(name="Revenue", x=x, y=[float(b["revenue"]) for b in buckets], marker_color=REVENUE),
            go.Bar(name="Ad spend", x=x, y=[float(b["ad_spend"]) for b in buckets], marker_color=AD_SPEND),
        ]
    )
    figure.update_layout(**LAYOUT, barmode="group", bargap=0.15)
    figure.update_yaxes(title=currency, gridcolor="#eef0f5", tickformat=",.0f")
    return figure


def roas_trend_figure(series: dict) -> go.Figure:
    """ROAS per bucket with the break-even (1) and excellent (3) lines; empty buckets are gaps."""
    buckets = series["buckets"]
    if not any(bucket["roas"] is not None for bucket in buckets):
        return _empty("")
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
    figure.update_layout(**LAYOUT, showlegend=False)
    figure.update_yaxes(title="revenue / ad spend", gridcolor="#eef0f5", rangemode="tozero")
    return figure


def to_html(figure: go.Figure) -> SafeString:
    # Full width of its panel, resized with the window (config.charts draws it without inline script).
    return figure_html(figure)
