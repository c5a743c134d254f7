"""The Sales dashboard: the same analytics functions (and caches) as the API."""

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse

from accounts.dashboards import WorkspaceDashboardView
from config.errors import NotFound
from config.filters import PageFilter
from config.insights import get_insight
from config.numbers import KpiCard, kpi_card
from config.periods import Period
from sales import charts
from sales.api.serializers import store_field
from sales.insights import store_of
from sales.models import InsightReport, QualityReport
from sales.selectors import latest_report

INTERVALS = ("day", "week", "month")


def auto_interval(period: Period) -> str:
    """Days for up to two months, weeks up to half a year, months beyond."""
    if not period.is_bounded or period.days > 183:
        return "month"
    return "week" if period.days > 62 else "day"


def _store(workspace, store_id: int) -> tuple[int, str]:
    return store_id, store_of(workspace, store_id).name


class SalesDashboardView(WorkspaceDashboardView):
    template_name = "sales/dashboard.html"
    # The API's ``store`` parameter: the summary, the series and the top sellers follow it.
    filters = (PageFilter("store", "Store", store_field, _store),)
    filters_note = "The stores table lists every store."

    def last_data_day(self) -> dt.date | None:
        # The whole history's summary (cached, warmed by the nightly ETL) ends on the last record.
        return _period_of(self.insight("sales.summary", period=Period(), compare="previous")).date_to

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        workspace = self.workspace
        if workspace is None:
            return context
        period, refresh = self.period, self.refresh

        def insight(name: str, **params):
            return get_insight(name).run(workspace, {"period": period, **params}, refresh=refresh)

        store = {name: item.value for name, item in self.active_filters.items()}
        summary = insight("sales.summary", compare=self.compare, **store)
        effective = _period_of(summary.value)
        interval = self.request.GET.get("interval")
        if interval not in INTERVALS:
            interval = auto_interval(effective)
        series = insight("sales.series", interval=interval, **store).value
        top = insight("sales.top_users", limit=5, **store).value
        stores = [
            {**row, "filter_url": self.filter_link("store", str(row["store_id"]), reverse("sales:dashboard"))}
            for row in insight("sales.by_store").value
        ]
        insights = latest_report(InsightReport, workspace)
        quality = latest_report(QualityReport, workspace)

        query = _period_query(period)

        def csv_url(name: str, **extra) -> str:
            return f"{reverse(f'api:sales-{name}')}?{urlencode({**query, **extra, 'format': 'csv'})}"

        context.update(
            summary=summary.value,
            data_as_of=summary.computed_at,
            kpis=_kpis(summary.value, workspace.currency),
            interval=interval,
            intervals=INTERVALS,
            revenue_chart=charts.to_html(charts.revenue_vs_ad_spend_figure(series, workspace.currency)),
            roas_chart=charts.to_html(charts.roas_trend_figure(series)),
            stores=stores,
            stores_chart=charts.stores_html(stores, workspace.currency),
            top_users=top,
            insights=insights,
            quality=quality,
            can_write=self.membership.can_write,
            csv={
                "summary": csv_url("summary", compare=self.compare, **self.filter_query),
                "series": csv_url("series", interval=interval, **self.filter_query),
                "stores": csv_url("by-store"),
                "top_users": csv_url("top-users", limit=5, **self.filter_query),
                "insights": reverse("api:sales-insights") + "?format=csv",
                "quality": reverse("api:sales-quality") + "?format=csv",
            },
        )
        return context


def _period_of(summary: dict) -> Period:
    """The period the summary covers (open ends closed on the data)."""
    bounds = [dt.date.fromisoformat(day) if day else None for day in (summary["date_from"], summary["date_to"])]
    return Period(*bounds)


def _kpis(summary: dict, currency: str) -> list[KpiCard]:
    change = summary.get("change") or {}
    roas = summary.get("roas")
    return [
        kpi_card("revenue", "Revenue", summary["total_revenue"], currency=currency, pct=change.get("total_revenue")),
        kpi_card(
            "ad_spend", "Ad spend", summary["total_ad_spend"], currency=currency, pct=change.get("total_ad_spend")
        ),
        kpi_card("roas", "ROAS", roas, pct=change.get("roas"), shown="—" if roas is None else f"{roas:.2f}"),
        kpi_card("records", "Records", summary["records"], pct=change.get("records")),
        kpi_card("stores", "Stores selling", summary.get("stores"), comparable=False),
    ]


class StoreDashboardView(WorkspaceDashboardView):
    """One store's figures over the dashboard's date range, reached from the dashboard's stores."""

    template_name = "sales/store.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.workspace is None:
            raise Http404("You belong to no workspace.")
        store_id = self.kwargs["store_id"]
        try:
            store = self.insight("sales.store", store_id=store_id)
        except NotFound as error:
            raise Http404(error.message) from error
        query = _period_query(self.period)
        api = reverse("api:sales-store-figures", args=[store_id])
        context.update(
            store=store,
            data_as_of=self.data_as_of,
            dashboard_url=reverse("sales:dashboard") + self.time_query,
            revenue_chart=charts.to_html(
                charts.revenue_vs_ad_spend_figure({"buckets": store["days"]}, self.workspace.currency)
            ),
            roas_chart=charts.to_html(charts.roas_trend_figure({"buckets": store["days"]})),
            csv={
                "days": f"{api}?{urlencode({**query, 'format': 'csv'})}",
                "sellers": f"{api}?{urlencode({**query, 'table': 'top_sellers', 'format': 'csv'})}",
            },
        )
        return context


def _period_query(period: Period) -> dict[str, str]:
    """The period's ends as the API's query parameters."""
    ends = (("date_from", period.date_from), ("date_to", period.date_to))
    return {name: day.isoformat() for name, day in ends if day}
