"""The e-commerce insights, registered once (:mod:`config.insights`): the API, the dashboards, the
CSV exports and the cache-warming tasks read them from the registry.

Every result buckets lines by local time, so the workspace's time zone is part of every cache
key; series by week also depend on the first day of the week. Each computation runs in a
:func:`~ecommerce.analytics.shared_reads` block (the caller's, when it opened one: a page, the
warming task), so the insights of one page read each of the database's reductions once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from rest_framework import serializers

from accounts.models import Workspace
from config.cache import Cached
from config.insights import (
    Insight,
    Metric,
    SeriesMarks,
    register,
    register_health,
    register_shared_reads,
    workspace_settings,
)
from config.periods import PeriodQuerySerializer
from ecommerce import analytics
from ecommerce.api import forecast_responses
from ecommerce.api import responses as r
from ecommerce.api import serializers as q

Compute = Callable[..., dict[str, Any]]
# The monthly series (rows starting on their month's first day) whose CSVs carry annotations.
_MONTHS = SeriesMarks(start="start", interval="month")


def time_zone_settings(workspace: Workspace, params: Mapping[str, Any]) -> dict[str, Any]:
    """Lines keep their instants; the hours, days and months they fall in follow the time zone."""
    return {"timezone": workspace.timezone}


def _scope(workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """The filters' scope checked against the workspace (404 for a value it has no line of), its
    country as stored, before it enters the cache key. Every line's scope is left out, so an
    unfiltered request shares the entry the warming task fills (it passes none)."""
    scope = params.pop("scope", analytics.EVERY_LINE)
    if scope == analytics.EVERY_LINE:
        return params
    with analytics.shared_reads():
        return {**params, "scope": analytics.resolve_scope(workspace, scope)}


def _shared(compute: Compute) -> Compute:
    """``compute`` in a :func:`~ecommerce.analytics.shared_reads` block."""

    def run(workspace: Workspace, **params: Any) -> dict[str, Any]:
        with analytics.shared_reads():
            return compute(workspace, **params)

    return run


register_shared_reads(analytics.shared_reads)


def _insight(
    name: str, compute: Compute, response: type[serializers.Serializer[Any]], summary: str, **kwargs: Any
) -> Insight:
    kwargs.setdefault("query", PeriodQuerySerializer)
    kwargs.setdefault("key_settings", time_zone_settings)
    kwargs.setdefault("csv_rows_key", "rows")
    return register(
        Insight(
            name=f"ecommerce.{name}",
            compute=_shared(compute),
            response=response,
            namespace=analytics.CACHE_NAMESPACE,
            summary=summary,
            **kwargs,
        )
    )


def _forecast(workspace: Workspace, **params: Any) -> dict[str, Any]:
    """The whole fit; ``periods`` (left out of the cache key) only slices what is answered."""
    return analytics.forecast_fit(workspace, params["period"])


def _forecast_answer(result: Cached, params: Mapping[str, Any]) -> dict[str, Any]:
    """The fit's first ``periods`` days, with where its model came from for this request."""
    fit: dict[str, Any] = result.value
    if result.hit:  # answered from the cache: this request fitted nothing
        fit = {**fit, "fit": {**fit["fit"], "source": "stored"}}
    return analytics.forecast_days(fit, params["periods"])


KPIS = _insight(
    "kpis",
    analytics.kpis,
    r.EcommerceKpisSerializer,
    "Revenue, orders, customers, products, units, AOV, returns; with the comparison period",
    query=q.KpisQuerySerializer,
    csv_rows_key=None,
    csv_filename="kpis",
    scalar_defaults={"compare": "none"},
    metrics=(
        Metric("revenue", "Revenue", "money"),
        Metric("net_revenue", "Net revenue", "money"),
        Metric("orders", "Orders", "count"),
        Metric("customers", "Customers", "count"),
        Metric("products", "Products", "count"),
        Metric("units", "Units", "count"),
        Metric("average_order_value", "Average order value", "money"),
        Metric("returns_value", "Returns", "money", higher_is_better=False),
        Metric("return_rate", "Return rate", "ratio", higher_is_better=False),
    ),
    resolve=_scope,
)
SERIES = _insight(
    "series",
    analytics.revenue_series,
    r.EcommerceSeriesSerializer,
    "Revenue, orders and units per day/week/month/year, zero-filled, with growth %",
    query=q.SeriesQuerySerializer,
    key_settings=workspace_settings,
    csv_filename="series",
    resolve=_scope,
    csv_marks=SeriesMarks(start="start"),
)
SERIES_COMPARE = _insight(
    "series_compare",
    analytics.revenue_series_compare,
    r.EcommerceSeriesCompareSerializer,
    "The dashboard's series (interval chosen by the range's length) beside the comparison period's",
    query=q.KpisQuerySerializer,
    key_settings=workspace_settings,
    csv_filename="series-compare",
    resolve=_scope,
    csv_marks=SeriesMarks(start="start"),
)
COUNTRIES = _insight(
    "countries",
    analytics.countries,
    r.EcommerceCountriesSerializer,
    "Top countries by revenue or units",
    query=q.CountriesQuerySerializer,
    csv_filename="countries",
    resolve=_scope,
)
COUNTRY = _insight(
    "country",
    analytics.country_detail,
    r.EcommerceCountryDetailSerializer,
    "One country: KPIs, monthly series, top products and customers (404 when unknown)",
    query=q.LimitQuerySerializer,
    url_params=("name",),
    operation_id="ecommerce_country_detail",
    csv_rows_key="monthly",
    csv_tables=("kpis", "top_products", "top_customers"),
    csv_filename="country",
    csv_marks=_MONTHS,
    # The country's scalars: what an alert on one country (its ``name``) watches, read from its
    # KPIs alone rather than the whole page.
    scalar_compute=_shared(analytics.country_kpis),
    metrics=(
        Metric("kpis.revenue", "Revenue in the country", "money"),
        Metric("kpis.orders", "Orders in the country", "count"),
        Metric("kpis.average_order_value", "Average order value in the country", "money"),
        Metric("kpis.return_rate", "Return rate in the country", "ratio", higher_is_better=False),
    ),
)
CUSTOMER = _insight(
    "customer",
    analytics.customer_detail,
    r.EcommerceCustomerDetailSerializer,
    "One customer: KPIs, segment, first purchase, monthly series, latest orders and returns (404 when unknown)",
    query=q.LimitQuerySerializer,
    url_params=("customer_id",),
    operation_id="ecommerce_customer_detail",
    csv_rows_key="orders",
    csv_tables=("kpis", "monthly", "returns"),
    csv_filename="customer",
    csv_marks=replace(_MONTHS, tables=("monthly",)),
)
PRODUCT = _insight(
    "product",
    analytics.product_detail,
    r.EcommerceProductDetailSerializer,
    "One product: KPIs with returns, monthly series and top countries (404 when unknown)",
    query=q.LimitQuerySerializer,
    url_params=("stock_code",),
    operation_id="ecommerce_product_detail",
    csv_rows_key="monthly",
    csv_tables=("kpis", "top_countries"),
    csv_filename="product",
    csv_marks=_MONTHS,
)
CUSTOMERS_TOP = _insight(
    "customers_top",
    analytics.top_customers,
    r.EcommerceCustomersSerializer,
    "Customers ranked by net value (spent − returned), gross spend, units or returns",
    query=q.RankingQuerySerializer,
    csv_filename="top-customers",
    resolve=_scope,
)
SEGMENTS = _insight(
    "segments",
    analytics.customer_segments,
    r.EcommerceSegmentsSerializer,
    "RFM segments with counts and revenue share; new and returning customers",
    query=q.ScopedQuerySerializer,
    csv_filename="customer-segments",
    resolve=_scope,
)
LIFETIME_VALUE = _insight(
    "lifetime_value",
    analytics.lifetime_value,
    r.EcommerceLifetimeValueSerializer,
    "Historical CLV by segment and predicted 12-month CLV (BG/NBD + Gamma-Gamma) with holdout error",
    description="The models are fitted once per data set, after each import, and reused.",
    csv_rows_key="historical",
    csv_tables=("predicted.by_segment", "predicted.holdout"),
    query=q.ScopedQuerySerializer,
    csv_filename="lifetime-value",
    resolve=_scope,
)
COHORTS = _insight(
    "cohorts",
    analytics.cohorts,
    r.EcommerceCohortsSerializer,
    "Monthly acquisition cohorts × months since first purchase: retention % and revenue",
    query=q.ScopedQuerySerializer,
    csv_filename="cohorts",
    resolve=_scope,
)
PRODUCTS_TOP = _insight(
    "products_top",
    analytics.top_products,
    r.EcommerceProductsSerializer,
    "Top products by net value (sales − returns), gross sales, units or returns (postage, fees and vouchers excluded)",
    query=q.RankingQuerySerializer,
    csv_filename="top-products",
    resolve=_scope,
)
PRODUCTS_RETURNED = _insight(
    "products_returned",
    analytics.returned_products,
    r.EcommerceReturnedProductsSerializer,
    "The products returned the most, by value returned, with their sales and orders cancelled in full",
    query=q.ScopedLimitQuerySerializer,
    csv_filename="returned-products",
    resolve=_scope,
)
REVENUE_MONTHLY = _insight(
    "revenue_monthly",
    analytics.revenue_monthly,
    r.EcommerceSeriesSerializer,
    "Monthly revenue with orders and units",
    query=q.ScopedQuerySerializer,
    csv_filename="revenue-monthly",
    resolve=_scope,
    csv_marks=_MONTHS,
)
REVENUE_GROWTH = _insight(
    "revenue_growth",
    analytics.revenue_growth,
    r.EcommerceGrowthSerializer,
    "Month-over-month revenue growth",
    query=q.ScopedQuerySerializer,
    csv_filename="revenue-growth",
    resolve=_scope,
    csv_marks=_MONTHS,
)
BY_HOUR = _insight(
    "by_hour",
    analytics.revenue_by_hour,
    r.EcommerceByHourSerializer,
    "Revenue by local hour of day (all 24 hours)",
    query=q.ScopedQuerySerializer,
    csv_filename="revenue-by-hour",
    resolve=_scope,
)
BY_WEEKDAY = _insight(
    "by_weekday",
    analytics.revenue_by_weekday,
    r.EcommerceByWeekdaySerializer,
    "Revenue by day of week, Monday first (all 7 days)",
    query=q.ScopedQuerySerializer,
    csv_filename="revenue-by-weekday",
    resolve=_scope,
)
WEEKDAY_HOUR = _insight(
    "weekday_hour",
    analytics.revenue_by_weekday_hour,
    r.EcommerceWeekdayHourSerializer,
    "Revenue per day of week and local hour (7 × 24 cells, Monday first)",
    query=q.ScopedQuerySerializer,
    csv_filename="revenue-by-weekday-hour",
    resolve=_scope,
)
FORECAST = _insight(
    "forecast",
    _forecast,
    forecast_responses.EcommerceForecastSerializer,
    "Daily revenue forecast (model chosen by backtest, closed days at 0) with 80 % and 95 % intervals",
    description="The model is fitted once per daily series, after each import, and reused; "
    "`fit.source` says `request` when this request had to fit it.",
    query=q.ForecastQuerySerializer,
    unkeyed=("periods",),
    present=_forecast_answer,
    csv_rows_key="forecast",
    csv_tables=("history", "backtest", "backtest.candidates", "holdout"),
    csv_filename="forecast",
    csv_marks=SeriesMarks(start="date", interval="day", tables=("forecast", "history")),
)
# Registered for alerts only: no endpoint serves it.
HEALTH = register_health(
    "ecommerce.health",
    analytics.health,
    namespace=analytics.CACHE_NAMESPACE,
    summary="Hours since the latest invoice line; imports that failed in the window",
    metrics=(
        Metric("staleness_hours", "Hours since the latest invoice line", "hours", higher_is_better=False),
        Metric("failed", "Failed imports", "count", higher_is_better=False),
    ),
)
