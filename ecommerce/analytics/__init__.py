"""E-commerce analytics: one function per insight, by topic. The insights registered in
:mod:`ecommerce.insights` call them; the API, the pages, CSV and the warming task read them
through the registry. The names below are the package's public surface."""

from ecommerce.analytics.customers import (
    clv_models,
    cohorts,
    customer_days,
    customer_segments,
    lifetime_value,
    rfm_frame,
    top_customers,
)
from ecommerce.analytics.details import country_detail, customer_detail, product_detail
from ecommerce.analytics.forecast import daily_revenue, forecast_days, forecast_fit, forecast_model
from ecommerce.analytics.geography import (
    countries,
    country_code,
    country_kpis,
    country_label,
    country_spellings,
    resolve_country,
)
from ecommerce.analytics.health import health
from ecommerce.analytics.kpis import METRICS, kpis
from ecommerce.analytics.patterns import revenue_by_hour, revenue_by_weekday, revenue_by_weekday_hour
from ecommerce.analytics.products import returned_products, top_products
from ecommerce.analytics.rankings import ORDERINGS
from ecommerce.analytics.reductions import (
    CACHE_NAMESPACE,
    EVERY_LINE,
    Scope,
    closed_period,
    data_bounds,
    sales_lines,
    shared_reads,
)
from ecommerce.analytics.scope import resolve_scope
from ecommerce.analytics.series import (
    compare_interval,
    revenue_growth,
    revenue_monthly,
    revenue_series,
    revenue_series_compare,
)
from ecommerce.segments import SEGMENT_RULES, SEGMENTS, segment_for

__all__ = [
    "CACHE_NAMESPACE",
    "EVERY_LINE",
    "METRICS",
    "ORDERINGS",
    "SEGMENTS",
    "SEGMENT_RULES",
    "Scope",
    "closed_period",
    "clv_models",
    "cohorts",
    "compare_interval",
    "countries",
    "country_code",
    "country_detail",
    "country_kpis",
    "country_label",
    "country_spellings",
    "customer_days",
    "customer_detail",
    "customer_segments",
    "daily_revenue",
    "data_bounds",
    "forecast_days",
    "forecast_fit",
    "forecast_model",
    "health",
    "kpis",
    "lifetime_value",
    "product_detail",
    "resolve_country",
    "resolve_scope",
    "returned_products",
    "revenue_by_hour",
    "revenue_by_weekday",
    "revenue_by_weekday_hour",
    "revenue_growth",
    "revenue_monthly",
    "revenue_series",
    "revenue_series_compare",
    "rfm_frame",
    "sales_lines",
    "segment_for",
    "shared_reads",
    "top_customers",
    "top_products",
]
