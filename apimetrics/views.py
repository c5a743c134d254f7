import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from rest_framework.exceptions import ValidationError

from accounts.dashboards import WorkspaceDashboardView
from apimetrics import analytics, charts
from apimetrics import filters as api_filters
from apimetrics.models import Project
from apimetrics.projects import projects_with_active_keys
from config.filters import PageFilter
from config.periods import LIVE_PRESETS, MAX_BUCKETS, LiveTimeControlsQuerySerializer, Period
from config.replicas import read_as_of


class ProjectListView(WorkspaceDashboardView):
    template_name = "apimetrics/projects.html"
    query_serializer_class = LiveTimeControlsQuerySerializer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        projects = []
        if self.workspace is not None:
            projects = list(
                projects_with_active_keys(Project.objects.filter(workspace=self.workspace))
                .select_related("rollup_state")
                .order_by("name")
            )
            for project in projects:
                project.stats = self.insight("apimetrics.summary", project=project)
        # No figures (no projects): as fresh as where the list was read.
        context.update(projects=projects, data_as_of=self.data_as_of or read_as_of() or timezone.now())
        return context


def range_query(period: Period) -> dict[str, str]:
    """The page's range as query parameters, for its CSV links and the pages it links to."""
    return {k: v.isoformat() for k, v in (("date_from", period.date_from), ("date_to", period.date_to)) if v}


def link_query(view: WorkspaceDashboardView) -> str:
    """The query string ("" or ending with "&") that carries the page's range to the detail pages
    it links to: a live preset itself, whose end moves on, else the dates in use."""
    query = view.time.query() if view.time.preset in LIVE_PRESETS else range_query(view.period)
    return f"{urlencode(query)}&" if query else ""


# The project page's display choices that its filter links keep (ProjectDashboardView.view_query).
VIEW_CHOICES = {"interval": analytics.INTERVALS, "live": ("1",)}
# The query parameters that name a detail page's endpoint or consumer (apimetrics.details).
DETAIL_NAMES = {"endpoint": ("method", "endpoint"), "consumer": ("consumer",)}


def live_context(view: WorkspaceDashboardView, project: Project) -> dict[str, object]:
    """The auto-refresh toggle of a live view: offered when the range reaches the present, ticked
    by ``live=1`` in the URL, with the time the figures were read in the project's time zone."""
    return {
        "possible": view.time.ends_now(project.tzinfo),
        "on": view.request.GET.get("live") == "1",
        "updated_at": timezone.now().astimezone(project.tzinfo),
    }


class ProjectDashboardView(WorkspaceDashboardView):
    template_name = "apimetrics/project.html"
    query_serializer_class = LiveTimeControlsQuerySerializer

    def last_data_day(self) -> dt.date | None:
        self.project = get_object_or_404(Project, workspace=self.workspace, key=self.kwargs["key"])
        self.rolled_until = analytics.rollup_watermark(self.project)
        last = analytics.data_span(self.project)[1]
        return last.astimezone(ZoneInfo(self.workspace.timezone)).date() if last else None

    @property  # type: ignore[override]
    def filters(self) -> tuple[PageFilter, ...]:
        """The API's endpoint, consumer and status class, checked against the project and the range
        (read once both are known: the time controls resolve first)."""
        return api_filters.page_filters(self.project, self.period, self.rolled_until)

    @property
    def view_query(self) -> dict[str, str]:
        """The interval asked and the auto-refresh, kept when a chip or a bar changes the filters."""
        query = {"interval": self.request.GET.get("interval", ""), "live": self.request.GET.get("live", "")}
        return {name: value for name, value in query.items() if value in VIEW_CHOICES[name]}

    def scoped(self, name: str, /, **params: object) -> dict:
        """The insight ``name`` of the project, narrowed by the filters in use."""
        scope = {key: item.value for key, item in self.active_filters.items()}
        return self.insight(f"apimetrics.{name}", project=self.project, **scope, **params)

    def _series(self, interval: str | None) -> dict:
        """The series by the ``interval`` asked, else by the one the server picks for the range
        (:func:`apimetrics.analytics.auto_interval`) when that asked holds too many buckets."""
        try:
            return self.scoped("time_series", interval=interval)
        except ValidationError:
            if interval is None:
                raise
            return self.scoped("time_series", interval=None)

    def linked(self, rows: list[dict], name: str, value: Callable[[dict], str | None], page: str) -> list[dict]:
        """``rows`` with the link that applies their filter ``name`` (``value(row)``; none for the
        requests without a consumer, which no chip names) and the one to their detail ``page``."""
        return [
            {
                **row,
                "label": value(row) or "(none)",
                "filter_url": self.filter_link(name, str(value(row))) if value(row) else None,
                "detail_url": reverse(f"apimetrics:{page}", kwargs={"key": self.project.key})
                + "?"
                + link_query(self)
                + urlencode({key: row[key] or "" for key in DETAIL_NAMES[page]}),
            }
            for row in rows
        ]

    def status_rows(self, classes: dict[str, int]) -> list[dict]:
        """The status classes as rows of a chart whose bars apply the class filter, where the range
        allows one (:func:`apimetrics.filters.check_raw_range`): no bar leads to a refusal."""
        try:
            api_filters.check_raw_range(self.project, self.period)
        except ValidationError:
            return [{"label": name, "requests": count} for name, count in classes.items()]
        return [
            {"label": name, "requests": count, "filter_url": self.filter_link("status_class", name)}
            for name, count in classes.items()
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.workspace is None:
            raise Http404("No workspace.")
        project = self.project
        asked = self.view_query.get("interval")
        try:
            series = self._series(asked)
        except ValidationError:
            # Too many days even: refused like any bad range (see WorkspaceDashboardView), with
            # an error above the page, which shows the whole history.
            self.period = Period()
            self.form_errors = (
                f"The range has more than {MAX_BUCKETS:,} days, too many to chart: narrow it. "
                "Showing the whole history."
            )
            series = self._series(None)
        interval = series["interval"]
        rows = series["series"]
        query = {**range_query(self.period), **self.filter_query}
        api = {
            name.replace("-", "_"): reverse(f"api:apimetrics-{name}", kwargs={"key": project.key})
            + "?"
            + urlencode({**query, "format": "csv"})
            for name in ("summary", "time-series", "endpoints", "consumers", "slowest-endpoints", "status-codes")
        }
        api["time_series"] += f"&interval={interval}"
        endpoint_of = lambda row: f"{row['method']} {row['endpoint']}"  # noqa: E731
        endpoints = self.linked(self.scoped("endpoints")["endpoints"], "endpoint", endpoint_of, "endpoint")
        consumers = self.linked(
            self.scoped("consumers", limit=20)["consumers"], "consumer", lambda row: row["consumer"], "consumer"
        )
        status = self.scoped("status_codes")
        status_rows = self.status_rows(status["classes"])
        codes = self.scoped("status_series", interval=interval)["series"]
        context.update(
            period=self.period,
            form_errors=self.form_errors,
            project=project,
            summary=self.scoped("summary"),
            interval=interval,
            interval_asked=asked,
            endpoints=endpoints,
            consumers=consumers,
            slowest=self.linked(self.scoped("slowest_endpoints")["endpoints"], "endpoint", endpoint_of, "endpoint"),
            status=status,
            requests_chart=charts.to_html(charts.requests_figure(rows)),
            latency_chart=charts.to_html(charts.latency_figure(rows)),
            error_chart=charts.to_html(charts.error_rate_figure(rows)),
            apdex_chart=charts.to_html(charts.apdex_figure(rows, project.apdex_threshold_ms)),
            codes_chart=charts.to_html(charts.status_codes_figure(codes)),
            endpoints_chart=charts.bars_html(endpoints[:10], "Requests by endpoint"),
            consumers_chart=charts.bars_html(consumers[:10], "Requests by consumer"),
            classes_chart=charts.bars_html(status_rows, "Requests by status class"),
            csv=api,
            data_as_of=self.data_as_of,
            live=live_context(self, project),
        )
        return context
