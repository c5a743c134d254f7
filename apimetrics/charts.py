"""Plotly figures of API metrics: pure functions of the analytics' rows."""

from collections.abc import Mapping

import plotly.graph_objects as go
from django.utils.safestring import SafeString

from config.charts import bar_figure, empty_figure, figure_html, layout, row_links

COLORS = {"ok": "#3b5bdb", "4xx": "#f08c00", "5xx": "#c92a2a", "p50": "#2b8a3e", "p95": "#f08c00", "p99": "#c92a2a"}


def _layout(fig: go.Figure, *, title: str, yaxis: str) -> go.Figure:
    layout(
        fig,
        title={"text": title, "x": 0, "font": {"size": 15}},
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        height=320,
        legend={"orientation": "h", "y": -0.18},
        yaxis_title=yaxis,
        hovermode="x unified",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(rangemode="tozero")
    return fig


def _no_requests(series: list[dict]) -> bool:
    return not any(row["requests"] for row in series)


EMPTY = "No requests in this range: pick a longer one, or check that the middleware sends events."


def requests_figure(series: list[dict]) -> go.Figure:
    """Requests per bucket stacked by outcome: successes, client errors (4xx), server errors (5xx)."""
    if _no_requests(series):
        return empty_figure(EMPTY)
    x = [row["bucket"] for row in series]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=[row["requests"] - row["errors_4xx"] - row["errors_5xx"] for row in series],
        name="OK (1xx–3xx)",
        marker_color=COLORS["ok"],
    )
    fig.add_bar(x=x, y=[row["errors_4xx"] for row in series], name="4xx", marker_color=COLORS["4xx"])
    fig.add_bar(x=x, y=[row["errors_5xx"] for row in series], name="5xx", marker_color=COLORS["5xx"])
    fig.update_layout(barmode="stack", bargap=0.1)
    return _layout(fig, title="Requests and errors", yaxis="requests")


def latency_figure(series: list[dict]) -> go.Figure:
    """p50, p95 and p99 response time per bucket (gaps where a bucket had no requests)."""
    if _no_requests(series):
        return empty_figure(EMPTY)
    x = [row["bucket"] for row in series]
    fig = go.Figure()
    for name in ("p50", "p95", "p99"):
        fig.add_scatter(
            x=x,
            y=[row[f"{name}_ms"] for row in series],
            name=name,
            mode="lines",
            line={"color": COLORS[name], "width": 2},
            connectgaps=False,
        )
    return _layout(fig, title="Latency percentiles", yaxis="ms")


def error_rate_figure(series: list[dict]) -> go.Figure:
    if _no_requests(series):
        return empty_figure(EMPTY)
    x = [row["bucket"] for row in series]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[row["error_rate_4xx"] for row in series], name="4xx %", line={"color": COLORS["4xx"]})
    fig.add_scatter(x=x, y=[row["error_rate_5xx"] for row in series], name="5xx %", line={"color": COLORS["5xx"]})
    return _layout(fig, title="Error rates", yaxis="% of requests")


def status_codes_figure(series: list[dict]) -> go.Figure:
    """Requests per bucket stacked by status code, coloured by class (one trace per code)."""
    x = [row["bucket"] for row in series]
    codes = sorted({int(code) for row in series for code in row["codes"]})
    fig = go.Figure()
    for code in codes:
        color = COLORS["5xx"] if code >= 500 else COLORS["4xx"] if code >= 400 else COLORS["ok"]
        opacity = 1 - 0.25 * (codes.index(code) % 3)  # codes of one class apart
        fig.add_bar(
            x=x,
            y=[row["codes"].get(str(code), 0) for row in series],
            name=str(code),
            marker_color=color,
            opacity=opacity,
        )
    fig.update_layout(barmode="stack", bargap=0.1)
    return _layout(fig, title="Requests by status code", yaxis="requests")


def apdex_figure(series: list[dict], threshold_ms: int) -> go.Figure:
    """Apdex per bucket (gaps where a bucket had no requests), on its 0–1 scale."""
    fig = go.Figure()
    fig.add_scatter(
        x=[row["bucket"] for row in series],
        y=[row["apdex"] for row in series],
        name="Apdex",
        mode="lines+markers",
        line={"color": COLORS["p50"], "width": 2},
        connectgaps=False,
    )
    fig.update_yaxes(range=[0, 1.05])
    return _layout(fig, title=f"Apdex (T = {threshold_ms} ms)", yaxis="Apdex")


def to_html(fig: go.Figure, links: Mapping[str, str] | None = None) -> SafeString:
    return figure_html(fig, links=links)


def bars_html(rows: list[dict], title: str) -> SafeString:
    """Requests of a table's rows (their ``label``) as bars, each a click away from its filter."""
    label = lambda row: row["label"]  # noqa: E731
    figure = bar_figure([label(row) for row in rows], [row["requests"] for row in rows], title=title)
    return to_html(figure, row_links(rows, label))
