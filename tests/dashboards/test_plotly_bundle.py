"""The plotly.js bundle the pages load (static/vendor/plotly/, built from vendor/plotly/) matches
the installed plotly and holds exactly the trace types Pulse's charts draw."""

import json
import re
from pathlib import Path

import plotly
import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static/vendor/plotly/plotly.min.js"
RECIPE = ROOT / "vendor/plotly"


def _version(path: Path) -> str:
    return re.search(r"plotly\.js (?:\(pulse - minified\) )?v(\S+)", path.read_text()[:300]).group(1)


def _bundled_traces() -> set[str]:
    """The trace modules the bundle's entry registers with the core; the core holds scatter."""
    modules = re.findall(r"require\('plotly\.js/lib/(\w+)'\)", (RECIPE / "index.js").read_text())
    return {"scatter", *modules} - {"core"}


def _drawn_traces() -> set[str]:
    """The trace types the apps' charts.py build (``go.Bar(...)``) or add (``fig.add_scatter(...)``)."""
    classes = (getattr(go, name) for name in dir(go))
    types = {cls.__name__.lower() for cls in classes if isinstance(cls, type) and issubclass(cls, BaseTraceType)}
    source = "".join(path.read_text() for path in ROOT.glob("*/charts.py"))
    names = re.findall(r"go\.([A-Z]\w*)\(", source) + re.findall(r"\.add_(\w+)\(", source)
    return {name.lower() for name in names} & types


def test_the_bundle_is_the_installed_plotly_version():
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    lock = json.loads((RECIPE / "package-lock.json").read_text())
    assert _version(BUNDLE) == _version(full) == "4.1.1"
    assert lock["packages"]["node_modules/plotly.js"]["version"] == "4.1.1"
    assert json.loads((RECIPE / "package.json").read_text())["dependencies"]["plotly.js"] == "4.1.1"


def test_the_bundle_holds_exactly_the_traces_the_charts_draw():
    assert _drawn_traces() == _bundled_traces() == {"bar", "choropleth", "heatmap", "scatter"}
