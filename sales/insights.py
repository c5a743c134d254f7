"""The sales insights, registered once (:mod:`config.insights`): the API, the dashboard, the
CSV exports, the nightly ETL and the reports read them from the registry."""

from collections.abc import Mapping
from typing import Any

from config.errors import NotFound
from config.insights import Insight, Metric, SeriesMarks, Tenant, register, register_health, week_settings
from config.periods import PeriodQuerySerializer
from sales import analytics
from sales.api import serializers as s
from sales.models import Store
from sales.services import CACHE_NAMESPACE


def store_of(workspace: Tenant, store_id: int) -> Store:
    """The workspace's store ``store_id``: 404 when it has none, so no filter reads another
    workspace's store."""
    store = Store.objects.filter(workspace_id=workspace.pk, pk=store_id).first()
    if store is None:
        raise NotFound("Not found.")
    return store


def _store(workspace: Tenant, params: dict[str, Any]) -> dict[str, Any]:
    """The store named by ``store`` (its id) in place of the id (:func:`store_of`)."""
    if params.get("store") is None:
        return params
    return {**params, "store": store_of(workspace, params["store"])}


def _no_settings(workspace: Tenant, params: Mapping[str, Any]) -> dict[str, Any]:
    """Sales records are already local days: no setting of the workspace changes the figures."""
    return {}


_TOTALS = (
    Metric("total_revenue", "Revenue", "money"),
    Metric("total_ad_spend", "Ad spend", "money", higher_is_better=False),
    Metric("roas", "ROAS", "ratio"),
    Metric("records", "Sales records", "count"),
    Metric("stores", "Stores selling", "count"),
)

SUMMARY = register(
    Insight(
        name="sales.summary",
        compute=analytics.summary,
        query=s.SummaryQuerySerializer,
        response=s.SummarySerializer,
        namespace=CACHE_NAMESPACE,
        summary="Revenue, ad spend, ROAS (null without ad spend), records and stores, with the previous period",
        key_settings=_no_settings,
        resolve=_store,
        metrics=_TOTALS,
        csv_filename="sales-summary",
    )
)
SERIES = register(
    Insight(
        name="sales.series",
        compute=analytics.series,
        query=s.SeriesQuerySerializer,
        response=s.SeriesSerializer,
        namespace=CACHE_NAMESPACE,
        summary="Revenue, ad spend and ROAS per day, week or month (zero-filled)",
        key_settings=week_settings,
        resolve=_store,
        csv_rows_key="buckets",
        csv_filename="sales-series",
        csv_marks=SeriesMarks(),
    )
)
TOP_USERS = register(
    Insight(
        name="sales.top_users",
        compute=analytics.top_users,
        query=s.TopUsersQuerySerializer,
        response=s.TopUserSerializer(many=True),
        namespace=CACHE_NAMESPACE,
        summary="Members ranked by the revenue they recorded (ties: lower user id first)",
        description="A bounded list (`limit`, at most 100): not paginated.",
        key_settings=_no_settings,
        resolve=_store,
        csv_filename="sales-top-users",
    )
)
BY_STORE = register(
    Insight(
        name="sales.by_store",
        compute=analytics.by_store,
        query=PeriodQuerySerializer,
        response=s.StorePerformanceSerializer(many=True),
        namespace=CACHE_NAMESPACE,
        summary="Every store with its revenue, ad spend and ROAS over the period, paginated",
        description="As CSV, every store at once.",
        key_settings=_no_settings,
        csv_filename="sales-by-store",
        paginated=True,
    )
)
HEALTH = register_health(
    "sales.health",
    analytics.health,
    namespace=CACHE_NAMESPACE,
    summary="Hours since the end of the latest day with sales records (for alerts)",
    key_settings=_no_settings,
    metrics=(Metric("staleness_hours", "Hours since the latest sales", "hours", higher_is_better=False),),
)
STORE = register(
    Insight(
        name="sales.store",
        compute=analytics.store_detail,
        query=PeriodQuerySerializer,
        response=s.StoreDetailSerializer,
        namespace=CACHE_NAMESPACE,
        summary="One store: revenue, ad spend, ROAS and records, its days and its top sellers (404 when unknown)",
        # Daily buckets only: weeks never enter, so no setting of the workspace changes it.
        key_settings=_no_settings,
        url_params=("store_id",),
        operation_id="sales_store_detail",
        csv_rows_key="days",
        csv_tables=("top_sellers",),
        csv_filename="sales-store",
        csv_marks=SeriesMarks(interval="day"),
    )
)
