import datetime as dt
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from rest_framework.exceptions import ValidationError

from accounts.dashboards import WorkspaceDashboardView
from apimetrics import analytics, charts
from apimetrics.models import Project
from apimetrics.projects import projects_with_active_keys
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
        last = analytics.data_span(self.project)[1]
        return last.astimezone(ZoneInfo(self.workspace.timezone)).date() if last else None

    def _series(self, project: Project, interval: str | None) -> dict:
        """The series by the ``interval`` asked, else by the one the server picks for the range
        (:func:`apimetrics.analytics.auto_interval`) when that asked holds too many buckets."""
        try:
            return self.insight("apimetrics.time_series", project=project, interval=interval)
        except ValidationError:
            if interval is None:
                raise
            return self.insight("apimetrics.time_series", project=project, interval=None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.workspace is None:
            raise Http404("No workspace.")
        project = self.project
        asked = self.request.GET.get("interval")
        asked = asked if asked in ("minute", "hour", "day") else None
        try:
            series = self._series(project, asked)
        except ValidationError:
            # Too many days even: refused like any bad range (see WorkspaceDashboardView), with
            # an error above the page, which shows the whole history.
            self.period = Period()
            self.form_errors = (
                f"The range has more than {MAX_BUCKETS:,} days, too many to chart: narrow it. "
                "Showing the whole history."
            )
            series = self._series(project, None)
        interval = series["interval"]
        summary = self.insight("apimetrics.summary", project=project)
        rows = series["series"]
        query = range_query(self.period)
        api = {
            name.replace("-", "_"): reverse(f"api:apimetrics-{name}", kwargs={"key": project.key})
            + "?"
            + urlencode({**query, "format": "csv"})
            for name in ("summary", "time-series", "endpoints", "consumers", "slowest-endpoints", "status-codes")
        }
        api["time_series"] += f"&interval={interval}"
        context.update(
            period=self.period,
            form_errors=self.form_errors,
            project=project,
            summary=summary,
            interval=interval,
            interval_asked=asked,
            endpoints=self.insight("apimetrics.endpoints", project=project)["endpoints"],
            consumers=self.insight("apimetrics.consumers", project=project, limit=20)["consumers"],
            slowest=self.insight("apimetrics.slowest_endpoints", project=project)["endpoints"],
            status=self.insight("apimetrics.status_codes", project=project),
            range_query=link_query(self),
            requests_chart=charts.to_html(charts.requests_figure(rows)),
            latency_chart=charts.to_html(charts.latency_figure(rows)),
            error_chart=charts.to_html(charts.error_rate_figure(rows)),
            csv=api,
            data_as_of=self.data_as_of,
            live=live_context(self, project),
        )
        return context
