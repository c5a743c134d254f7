"""E-commerce dashboards: overview, customers, products, forecast.

Every figure and table comes from the registered insights (:mod:`ecommerce.insights`), the same
cached results the API serves, so a page after an import's cache warming reads only the cache.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from django.urls import reverse
from django.utils.safestring import SafeString

from accounts.dashboards import WorkspaceDashboardView
from accounts.models import Workspace
from config.charts import bar_figure, row_links
from config.filters import PageFilter
from config.numbers import KpiCard, format_share, kpi_card
from config.periods import Period
from ecommerce import analytics, charts
from ecommerce.api.serializers import scope_field

TABS = (
    ("dashboard", "Overview"),
    ("customers", "Customers"),
    ("products", "Products"),
    ("forecast", "Forecast"),
)


def _country(workspace: Workspace, value: str) -> tuple[str, str]:
    country = analytics.resolve_scope(workspace, analytics.Scope(country=value)).country
    return country, analytics.country_label(country)


def _line_value(name: str, workspace: Workspace, value: str) -> tuple[str, str]:
    analytics.resolve_scope(workspace, analytics.Scope(**{name: value}))
    return value, value


# The dashboards' filters: the API's ``country``, ``customer`` and ``product`` parameters, validated
# and resolved as the API does (a value the workspace has no line of is its 404).
SCOPE_FILTERS = (
    PageFilter("country", "Country", partial(scope_field, "country"), _country),
    PageFilter("customer", "Customer", partial(scope_field, "customer"), partial(_line_value, "customer")),
    PageFilter("product", "Product", partial(scope_field, "product"), partial(_line_value, "product")),
)


# with_links' arguments for a table of products: the product filter and page by stock code.
PRODUCT_LINKS = ("product", "stock_code", "product")


def _label(row: dict) -> str:
    """A country as the map and the bars draw it (EIRE as Ireland)."""
    return row["label"]


def _customer(row: dict) -> str:
    return f"Customer {row['customer_id']}"


class EcommercePage(WorkspaceDashboardView):
    tab = "dashboard"
    filters = SCOPE_FILTERS

    def insight(self, name: str, /, **params: Any) -> Any:
        """The e-commerce insight ``name`` (``kpis`` is ``ecommerce.kpis``)."""
        return super().insight(f"ecommerce.{name}", **params)

    def last_data_day(self) -> dt.date | None:
        # The whole history's KPIs (cached, warmed after every import) end on the last line's day.
        last = self.insight("kpis", period=Period(), compare="previous")["date_to"]
        return dt.date.fromisoformat(last) if last else None

    def model_period(self) -> Period:
        """What the fitted models (lifetime value, forecast) learn from: the whole history, unless
        dates were picked by hand; fitted after each import, they are never fitted on a page."""
        return self.period if self.time.preset == "custom" else Period()

    @property
    def scope(self) -> analytics.Scope:
        """The lines the filters in use leave (their values as resolved: the country as stored)."""
        return analytics.Scope(**{name: item.value for name, item in self.active_filters.items()})

    def filter_link(self, name: str, value: str, path: str | None = None) -> str:
        """The overview, where the figures of the filter's lines are, with the filter ``name`` set to
        ``value`` beside the time controls and the other filters."""
        return super().filter_link(name, value, reverse("ecommerce:dashboard"))

    def with_links(self, rows: list[dict], name: str, key: str, page: str) -> list[dict]:
        """``rows`` with the link that applies their filter ``name`` (their ``key``) and the one to
        their detail ``page``."""
        return [
            {**row, "filter_url": self.filter_link(name, row[key]), "detail_url": self.detail_link(page, row[key])}
            for row in rows
        ]

    def scoped_csv(self, path: str, period: Period | None = None, **params) -> str:
        """:meth:`api_csv` of a table the filters narrow, carrying them."""
        return self.api_csv(path, period, **self.filter_query, **params)

    def api_csv(self, path: str, period: Period | None = None, **params) -> str:
        """The API endpoint of a table, as CSV, for the page's dates or ``period`` (session auth
        works)."""
        period = period or self.period
        ends = (("date_from", period.date_from), ("date_to", period.date_to))
        query = {name: day.isoformat() for name, day in ends if day}
        return f"/api/v1/ecommerce/{path}?{urlencode({**query, **params, 'format': 'csv'})}"

    def detail_link(self, page: str, key: str) -> str:
        """The detail page (country, customer, product) of ``key``, with the page's time controls and
        filters (kept for the way back)."""
        return reverse(f"ecommerce:{page}", args=[key]) + self.page_query

    def linked_chart(self, figure: go.Figure, rows: list[dict], label: Callable[[dict], str], url: str) -> SafeString:
        """``figure`` whose bars or regions (``label(row)``) open the ``url`` of their rows: their
        filter (``filter_url``) or their page (``detail_url``), as :meth:`with_links` gave them."""
        return charts.to_html(figure, row_links(rows, label, url))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query_suffix"] = self.page_query  # the time controls and filters, carried to the detail pages
        context["tabs"] = [
            {"name": label, "url": reverse(f"ecommerce:{name}") + self.page_query, "active": name == self.tab}
            for name, label in TABS
        ]
        if self.workspace is not None:
            with analytics.shared_reads():
                context.update(self.page_context())
        context["data_as_of"] = self.data_as_of
        return context

    def page_context(self) -> dict:
        raise NotImplementedError


KPI_CARDS = (
    ("revenue", "Revenue", True),
    ("net_revenue", "Net revenue", True),
    ("orders", "Orders", False),
    ("average_order_value", "Average order value", True),
    ("customers", "Customers", False),
    ("products", "Products", False),
    ("units", "Units", False),
    ("returns_value", "Returns", True),
    ("return_rate", "Return rate", False),
)


def kpi_cards(kpis: dict, currency: str) -> list[KpiCard]:
    cards = []
    deltas = kpis.get("deltas") or {}
    for key, label, is_money in KPI_CARDS:
        value = kpis[key]
        pct = (deltas.get(key) or {}).get("pct")
        # Returns and the return rate going up is bad news.
        up_is_good = key not in ("returns_value", "return_rate")
        shown = format_share(value) if key == "return_rate" else None
        money_in = currency if is_money else None
        cards.append(kpi_card(key, label, value, currency=money_in, pct=pct, up_is_good=up_is_good, shown=shown))
    return cards


class DashboardView(EcommercePage):
    template_name = "ecommerce/dashboard.html"
    tab = "dashboard"

    def page_context(self) -> dict:
        scope = self.scope
        kpis = self.insight("kpis", compare=self.compare, scope=scope)
        series = self.insight("series_compare", compare=self.compare, scope=scope)
        interval = series["interval"]
        previous = series["previous"]["rows"] if series["previous"] else None
        countries = self.insight("countries", order_by="revenue", limit=250, scope=scope)
        linked = self.with_links(countries["rows"], "country", "country", "country")
        heat = self.insight("weekday_hour", scope=scope)
        currency = self.workspace.currency
        growth = self.insight("revenue_growth", scope=scope)
        return {
            "kpis": kpis,
            "cards": kpi_cards(kpis, self.workspace.currency),
            "interval": interval,
            "series_chart": charts.to_html(charts.revenue_series_figure(series["rows"], previous, currency)),
            "map_chart": self.linked_chart(charts.countries_map_figure(linked, currency), linked, _label, "filter_url"),
            "bars_chart": self.linked_chart(
                bar_figure(
                    [_label(row) for row in linked[:10]],
                    [row["revenue"] for row in linked[:10]],
                    title="Top countries by revenue",
                    currency=currency,
                ),
                linked[:10],
                _label,
                "filter_url",
            ),
            "countries": linked[:15],
            "countries_total": countries["countries_total"],
            "heat_chart": charts.to_html(charts.weekday_hour_heatmap_figure(heat["rows"], currency)),
            "growth": growth["rows"],
            "csv": {
                "kpis": self.scoped_csv("kpis", compare=self.compare),
                "series": self.scoped_csv("series", interval=interval),
                "countries": self.scoped_csv("countries", limit=250),
                "monthly": self.scoped_csv("revenue/growth"),
                "by_hour": self.scoped_csv("revenue/by-hour"),
                "by_weekday": self.scoped_csv("revenue/by-weekday"),
                "transactions": self.scoped_csv("transactions"),
            },
        }


class CustomersView(EcommercePage):
    template_name = "ecommerce/customers.html"
    tab = "customers"

    def page_context(self) -> dict:
        segments = self.insight("segments", scope=self.scope)
        ltv = self.insight("lifetime_value", period=self.model_period(), scope=self.scope)
        cohorts = self.insight("cohorts", scope=self.scope)
        top = self.insight("customers_top", order_by="net", limit=10, scope=self.scope)
        top_customers = self.with_links(top["rows"], "customer", "customer_id", "customer")
        return {
            "segments": segments,
            "segments_chart": charts.to_html(charts.segments_figure(segments["rows"])),
            "ltv": ltv,
            "ltv_chart": charts.to_html(
                charts.lifetime_value_figure(ltv["historical"], ltv["predicted"], self.workspace.currency)
            ),
            "cohorts_chart": charts.to_html(charts.cohort_heatmap_figure(cohorts["cohorts"])),
            "top_customers": top_customers,
            "top_chart": self.linked_chart(
                bar_figure(
                    [_customer(row) for row in top_customers],
                    [row["net_revenue"] for row in top_customers],
                    title="Top customers by net value",
                    currency=self.workspace.currency,
                ),
                top_customers,
                _customer,
                "detail_url",
            ),
            "csv": {
                "segments": self.scoped_csv("customers/segments"),
                "ltv": self.scoped_csv("customers/lifetime-value", self.model_period()),
                "ltv_predicted": self.scoped_csv(
                    "customers/lifetime-value", self.model_period(), table="predicted.by_segment"
                ),
                "cohorts": self.scoped_csv("customers/cohorts"),
                "top": self.scoped_csv("customers/top", limit=250),
            },
        }


class ProductsView(EcommercePage):
    template_name = "ecommerce/products.html"
    tab = "products"

    def page_context(self) -> dict:
        by_net = self.with_links(
            self.insight("products_top", order_by="net", limit=10, scope=self.scope)["rows"], *PRODUCT_LINKS
        )
        returned = self.with_links(
            self.insight("products_returned", limit=10, scope=self.scope)["rows"], *PRODUCT_LINKS
        )
        currency = self.workspace.currency
        return {
            "by_net": by_net,
            "returned": returned,
            "net_chart": self.linked_chart(
                charts.top_products_figure(by_net, "net_revenue", currency), by_net, charts.product_label, "detail_url"
            ),
            "returned_chart": self.linked_chart(
                charts.top_products_figure(returned, "returns_value", currency),
                returned,
                charts.product_label,
                "detail_url",
            ),
            "csv": {
                "net": self.scoped_csv("products/top", order_by="net", limit=250),
                "returned": self.scoped_csv("products/returned", limit=250),
                "returns": self.scoped_csv("returns"),
            },
        }


class ForecastView(EcommercePage):
    template_name = "ecommerce/forecast.html"
    tab = "forecast"
    filters_note = "The forecast is the whole shop's: the filters do not narrow it."
    periods = 30

    def page_context(self) -> dict:
        payload = self.insight("forecast", period=self.model_period(), periods=90)
        return {
            "fit": payload,
            "fit_source": payload["fit"]["source"],
            "forecast_chart": charts.to_html(charts.forecast_figure(payload, 90, self.workspace.currency)),
            "next_days": payload["forecast"][: self.periods],
            "csv": {
                "forecast": self.api_csv("forecast", self.model_period(), periods=90),
                "backtest": self.api_csv("forecast", self.model_period(), periods=90, table="backtest"),
                "candidates": self.api_csv("forecast", self.model_period(), periods=90, table="backtest.candidates"),
                "holdout": self.api_csv("forecast", self.model_period(), periods=90, table="holdout"),
            },
        }
