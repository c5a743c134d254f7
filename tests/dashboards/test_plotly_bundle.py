"""The small plotly.js bundle the pages load matches the installed plotly and draws every trace
type Pulse's charts use (the map's aside, which loads the whole plotly.js)."""

import re
from pathlib import Path

import plotly

from config import charts

STATIC = Path(__file__).resolve().parents[2] / "static"
CARTESIAN = STATIC / "vendor/plotly/plotly-cartesian.min.js"
# The trace modules the cartesian bundle contains (its package's README).
CARTESIAN_TRACES = {"bar", "box", "contour", "heatmap", "histogram", "image", "pie", "scatter", "violin"}


def _version(path: Path) -> str:
    return re.search(r"plotly\.js (?:\(cartesian - minified\) )?v(\S+)", path.read_text()[:300]).group(1)


def test_the_cartesian_bundle_is_the_installed_plotly_version():
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert _version(CARTESIAN) == _version(full) == "4.1.1"


def test_every_chart_but_the_map_draws_with_the_cartesian_bundle():
    from apimetrics import charts as apimetrics_charts
    from ecommerce import charts as ecommerce_charts
    from sales import charts as sales_charts

    row = {"start": "2011-01-03", "revenue": "10.00", "orders": 1, "units": 2}
    bucket = {"bucket": "2026-03-01", "revenue": "10", "ad_spend": "5", "roas": 2.0, "records": 1}
    api = {
        "bucket": "2026-03-01T00:00:00Z",
        "requests": 3,
        "errors_4xx": 1,
        "errors_5xx": 0,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
        "p99_ms": 30.0,
        "error_rate_4xx": 33.3,
        "error_rate_5xx": 0.0,
    }
    figures = [
        sales_charts.revenue_vs_ad_spend_figure({"buckets": [bucket]}),
        sales_charts.roas_trend_figure({"buckets": [bucket]}),
        ecommerce_charts.revenue_series_figure([row], [row]),
        ecommerce_charts.weekday_hour_heatmap_figure([{"name": "Monday", "hour": 9, "revenue": "1"}]),
        ecommerce_charts.top_products_figure([{"description": "A", "stock_code": "1", "revenue": "2"}]),
        apimetrics_charts.requests_figure([api]),
        apimetrics_charts.latency_figure([api]),
        apimetrics_charts.error_rate_figure([api]),
    ]
    assert {trace.type for figure in figures for trace in figure.data} <= CARTESIAN_TRACES
    world = ecommerce_charts.countries_map_figure([{"label": "France", "revenue": "2"}])
    assert "data-geo" in charts.figure_html(world)
    assert "data-geo" not in charts.figure_html(figures[0])
