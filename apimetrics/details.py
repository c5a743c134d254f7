"""The drill-down pages of a project's API metrics: one endpoint, one consumer.

Each reads one registered insight (``apimetrics.endpoint_detail``, ``apimetrics.consumer_detail``)
for the page's range: the figures, the charts and the CSV links all come from it.
"""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode

from accounts.dashboards import WorkspaceDashboardView
from apimetrics import charts
from apimetrics.models import Project
from apimetrics.views import link_query, live_context, range_query
from config.insights import get_insight
from config.periods import LiveTimeControlsQuerySerializer


class DetailPage(WorkspaceDashboardView):
    template_name = "apimetrics/detail.html"
    query_serializer_class = LiveTimeControlsQuerySerializer
    insight_name = ""
    api_name = ""
    # The query parameters that name what the page shows, as the API reads them.
    names: tuple[str, ...] = ()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.workspace is None:
            raise Http404("No workspace.")
        project = get_object_or_404(Project, workspace=self.workspace, key=self.kwargs["key"])
        named = {name: self.request.GET.get(name) for name in self.names}
        if any(value is None for value in named.values()):
            raise Http404("Nothing named.")
        detail = self.insight(self.insight_name, project=project, **named)
        query = range_query(self.period)
        api = reverse(f"api:apimetrics-{self.api_name}", kwargs={"key": project.key})
        csv = f"{api}?{urlencode({**query, **named, 'interval': detail['interval'], 'format': 'csv'})}"
        series = detail["series"]
        context.update(
            project=project,
            detail=detail,
            title=self.title(named),
            csv={
                "series": csv,
                **{table: f"{csv}&table={table}" for table in get_insight(self.insight_name).csv_tables},
            },
            codes_chart=charts.to_html(charts.status_codes_figure(series)),
            latency_chart=charts.to_html(charts.latency_figure(series)),
            apdex_chart=charts.to_html(charts.apdex_figure(series, project.apdex_threshold_ms)),
            data_as_of=self.data_as_of,
            live=live_context(self, project),
            range_query=link_query(self),
        )
        return context

    def title(self, named: dict[str, str]) -> str:
        raise NotImplementedError


class EndpointPage(DetailPage):
    insight_name = "apimetrics.endpoint_detail"
    api_name = "endpoint"
    names = ("method", "endpoint")

    def title(self, named: dict[str, str]) -> str:
        return f"{named['method']} {named['endpoint']}"


class ConsumerPage(DetailPage):
    insight_name = "apimetrics.consumer_detail"
    api_name = "consumer"
    names = ("consumer",)

    def title(self, named: dict[str, str]) -> str:
        return f"Consumer {named['consumer']}" if named["consumer"] else "Requests without a consumer"
