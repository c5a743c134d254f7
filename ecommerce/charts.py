"""Plotly figures of the e-commerce dashboards: pure functions of analytics payloads.

Each takes the rows an :mod:`ecommerce.analytics` function returned (money as strings) and
returns a ``go.Figure``; :func:`to_html` renders one for a template (plotly.js is loaded once by
the base template; the world map reads its TopoJSON from our static files, not a CDN).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from django.templatetags.static import static
from django.utils.safestring import SafeString

from config.charts import empty_figure, figure_html, layout, money_axis, money_hover
from config.numbers import currency_affixes, format_compact

ACCENT = "#3b5bdb"
MUTED = "#adb5bd"
EMPTY = "No orders in this range: pick a longer one."


def _f(value) -> float:
    return float(value) if value is not None else 0.0


def to_html(fig: go.Figure, links: Mapping[str, str] | None = None) -> SafeString:
    """The figure for a page; ``links`` maps a point's label to the page its click opens."""
    return figure_html(fig, {"topojsonURL": static("ecommerce/topojson/")}, links)


def product_label(row: Mapping[str, Any]) -> str:
    """A product as a bar's category: its description, shortened, and its code."""
    return f"{(row['description'] or row['stock_code'])[:32]} ({row['stock_code']})"


def revenue_series_figure(
    rows: list[dict], previous_rows: list[dict] | None = None, currency: str = "USD"
) -> go.Figure:
    """Revenue per bucket with the comparison period drawn on the same positions; a bucket the
    series marks ``partial`` (the range cuts it) is drawn paler and named so in its hover label."""
    if not rows:
        return empty_figure(EMPTY)
    x = [row["start"] for row in rows]
    partial = [" (partial)" if row.get("partial") else "" for row in rows]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=[_f(row["revenue"]) for row in rows],
        name="Revenue",
        marker={"color": ACCENT, "opacity": [0.45 if mark else 1 for mark in partial]},
        customdata=[[row["orders"], row["units"], mark] for row, mark in zip(rows, partial, strict=True)],
        hovertemplate=f"%{{x}}%{{customdata[2]}}<br>Revenue {money_hover(currency)}"
        "<br>Orders %{customdata[0]}<br>Units %{customdata[1]}<extra></extra>",
    )
    previous = (previous_rows or [])[: len(rows)]
    if any(_f(row["revenue"]) for row in previous):  # no line for a comparison period without sales
        fig.add_scatter(
            x=x[: len(previous)],
            y=[_f(row["revenue"]) for row in previous],
            name="Comparison period",
            mode="lines",
            line={"color": "#c25e00", "width": 2, "dash": "dot"},
            customdata=[row["start"] for row in previous],
            hovertemplate=f"%{{customdata}}<br>Revenue {money_hover(currency)}<extra>comparison</extra>",
        )
    layout(fig, yaxis_title="Revenue", bargap=0.1)
    return money_axis(fig, currency)


def countries_map_figure(rows: list[dict], currency: str = "USD") -> go.Figure:
    """Choropleth of revenue by country (labels: EIRE shown as Ireland). Colours follow log10 of
    revenue: one home market usually dwarfs the rest, which a linear scale would leave blank."""
    rows = [row for row in rows if _f(row["revenue"]) > 0]
    if not rows:
        return empty_figure(EMPTY)
    values = [_f(row["revenue"]) for row in rows]
    low, high = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    ticks = list(range(low, high + 1))
    fig = go.Figure(
        go.Choropleth(
            locations=[row["label"] for row in rows],
            locationmode="country names",
            z=[math.log10(value) for value in values],
            customdata=values,
            zmin=low,
            zmax=high,
            colorscale="Blues",
            marker_line_color="#ffffff",
            marker_line_width=0.5,
            colorbar={
                "title": "Revenue",
                "thickness": 12,
                "tickvals": ticks,
                "ticktext": [format_compact(10**tick, currency) for tick in ticks],
            },
            hovertemplate=f"%{{location}}<br>Revenue {money_hover(currency, 'customdata')}<extra></extra>",
        )
    )
    return layout(
        fig,
        height=420,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        geo={
            "showframe": False,
            "showcoastlines": False,
            "showcountries": True,
            "countrycolor": "#dee2e6",
            "projection_type": "natural earth",
            "resolution": 110,
        },
    )


def weekday_hour_heatmap_figure(rows: list[dict], currency: str = "USD") -> go.Figure:
    """Revenue by weekday (rows, Monday on top) and local hour (columns)."""
    if not any(_f(row["revenue"]) for row in rows):
        return empty_figure(EMPTY)
    names = []
    grid: dict[str, list[float]] = {}
    for row in rows:
        if row["name"] not in grid:
            names.append(row["name"])
            grid[row["name"]] = [0.0] * 24
        grid[row["name"]][row["hour"]] = _f(row["revenue"])
    prefix, suffix = currency_affixes(currency)
    fig = go.Figure(
        go.Heatmap(
            z=[grid[name] for name in names],
            x=[f"{hour:02d}:00" for hour in range(24)],
            y=names,
            colorscale="Blues",
            hovertemplate=f"%{{y}} %{{x}}<br>Revenue {money_hover(currency, 'z')}<extra></extra>",
            colorbar={"thickness": 12, "tickprefix": prefix, "ticksuffix": suffix, "tickformat": "~s"},
        )
    )
    return layout(fig, yaxis={"autorange": "reversed"})


def segments_figure(rows: list[dict]) -> go.Figure:
    """Customers and revenue share per RFM segment."""
    if not rows:
        return empty_figure("No segments in this range: no customer with a known id bought in it.")
    names = [row["segment"] for row in rows]
    fig = go.Figure()
    fig.add_bar(x=names, y=[row["customers"] for row in rows], name="Customers", marker_color=ACCENT)
    fig.add_scatter(
        x=names,
        y=[(row["revenue_share"] or 0) * 100 for row in rows],
        name="Revenue share %",
        yaxis="y2",
        mode="markers+lines",
        line={"color": "#e67700"},
    )
    return layout(
        fig,
        yaxis_title="Customers",
        yaxis2={"overlaying": "y", "side": "right", "title": "Revenue share %", "rangemode": "tozero"},
    )
    return fig


def lifetime_value_figure(historical: list[dict], predicted: dict | None, currency: str = "USD") -> go.Figure:
    """Average historical CLV and average predicted 12-month CLV per segment."""
    names = [row["segment"] for row in historical]
    fig = go.Figure()
    fig.add_bar(x=names, y=[_f(row["avg_clv"]) for row in historical], name="Historical CLV", marker_color=ACCENT)
    if predicted and predicted.get("available"):
        fig.add_bar(
            x=[row["segment"] for row in predicted["by_segment"]],
            y=[_f(row["avg_predicted_clv"]) for row in predicted["by_segment"]],
            name="Predicted next 12 months",
            marker_color="#74c0fc",
        )
    if not fig.data or not historical:
        return empty_figure("No customers with known ids in this range.")
    layout(fig, barmode="group", yaxis_title="Average per customer")
    return money_axis(fig, currency)


def cohort_heatmap_figure(cohorts: list[dict]) -> go.Figure:
    """Retention % of each monthly cohort by months since first purchase."""
    if not cohorts:
        return empty_figure("No cohorts in this range: no customer with a known id bought in it.")
    width = max(len(row["retention_pct"]) for row in cohorts)
    z = [row["retention_pct"] + [None] * (width - len(row["retention_pct"])) for row in cohorts]
    text = [[f"{value:.0f}%" if value is not None else "" for value in line] for line in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(age) for age in range(width)],
            y=[f"{row['cohort']} ({row['customers']})" for row in cohorts],
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=100,
            hovertemplate="Cohort %{y}<br>Month %{x}<br>Retention %{z:.1f}%<extra></extra>",
            colorbar={"thickness": 12, "title": "%"},
        )
    )
    return layout(
        fig,
        height=max(340, 28 * len(cohorts) + 80),
        xaxis_title="Months since first purchase",
        yaxis={"autorange": "reversed"},
    )


def top_products_figure(rows: list[dict], metric: str = "revenue", currency: str = "USD") -> go.Figure:
    if not rows:
        return empty_figure(EMPTY)
    rows = list(reversed(rows))
    fig = go.Figure(
        go.Bar(
            x=[_f(row[metric]) for row in rows],
            y=[product_label(row) for row in rows],
            orientation="h",
            marker_color=ACCENT,
            name=metric.title(),
        )
    )
    # Labels inside the plot on narrow screens would hide the bars: the margin holds them.
    layout(fig, height=max(340, 26 * len(rows) + 60), margin={"l": 280, "r": 20, "t": 20, "b": 40}, showlegend=False)
    return money_axis(fig, currency, axis="x") if metric != "units" else fig


def forecast_figure(fit: dict, periods: int, currency: str = "USD") -> go.Figure:
    """Recent daily revenue, the forecast and its 80 % and 95 % intervals."""
    history = fit.get("history") or []
    forecast = (fit.get("forecast") or [])[:periods]
    if not history and not forecast:
        return empty_figure("No forecast: the range holds too few days of sales to learn from.")
    fig = go.Figure()
    fig.add_scatter(
        x=[row["date"] for row in history],
        y=[_f(row["revenue"]) for row in history],
        name="Actual",
        mode="lines",
        line={"color": "#495057"},
    )
    if forecast:
        x = [row["date"] for row in forecast]
        for level, color in (("95", "rgba(59,91,219,0.15)"), ("80", "rgba(59,91,219,0.3)")):
            fig.add_scatter(
                x=x + x[::-1],
                y=[_f(row[f"upper_{level}"]) for row in forecast]
                + [_f(row[f"lower_{level}"]) for row in forecast][::-1],
                fill="toself",
                fillcolor=color,
                line={"width": 0},
                name=f"{level} % interval",
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=x, y=[_f(row["revenue"]) for row in forecast], name="Forecast", mode="lines", line={"color": ACCENT}
        )
    layout(fig, height=400, yaxis_title="Revenue per day")
    return money_axis(fig, currency)
