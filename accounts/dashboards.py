"""Base of the HTML dashboards: login, the session's workspace, the time controls, the filters."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.mixins import AccessMixin
from django.views.generic import TemplateView

from accounts.tenancy import page_membership
from config.filters import ActiveFilter, PageFilter, chips, query_string, read_filters
from config.insights import get_insight
from config.periods import COMPARISONS, TimeChoice, TimeControlsQuerySerializer, local_today


class WorkspaceDashboardView(AccessMixin, TemplateView):
    """A dashboard page of the active workspace.

    ``self.time`` is what the time controls of the query string resolved to (invalid input shows
    an error above the page and falls back to the defaults); ``self.period`` its dates and
    ``self.compare`` its comparison. ``self.refresh`` is true when staff asked to bypass caches
    with ``?refresh=1``. ``self.active_filters`` are the page's declared :attr:`filters` the query
    string names (a wrong one is left out with an error, as the time controls are).
    """

    query_serializer_class = TimeControlsQuerySerializer
    filters: tuple[PageFilter, ...] = ()
    filters_note = ""  # what on the page the filters do not narrow, said beside their chips

    def dispatch(self, request, *args, **kwargs):
        # Login is checked here (AccessMixin, not LoginRequiredMixin): a share link (reports)
        # renders the page for nobody logged in, with a viewer's membership of the link's
        # workspace already resolved on the request.
        if not request.user.is_authenticated and getattr(request, "pulse_share", None) is None:
            return self.handle_no_permission()
        self.membership = page_membership(request)
        self.workspace = self.membership.workspace if self.membership else None
        self.refresh = request.GET.get("refresh") == "1" and request.user.is_staff
        self.computed_at: list[dt.datetime] = []
        self.time = self._time_choice(request.GET)
        self.period, self.compare = self.time.period, self.time.compare
        self.active_filters: dict[str, ActiveFilter] = {}
        if self.workspace is not None:
            self.active_filters, errors = read_filters(self.filters, request.GET, self.workspace)
            self.form_errors = "; ".join(filter(None, (self.form_errors, *errors)))
        return super().dispatch(request, *args, **kwargs)

    def _time_choice(self, data) -> TimeChoice:
        # The time controls' date-times are wall-clock times of the workspace (as its days are).
        self.time_zone = self.workspace.timezone if self.workspace else "UTC"
        self.query = self.query_serializer_class(data=data, context={"time_zone": self.time_zone})
        self.form_errors = ""
        if not self.query.is_valid():
            self.form_errors = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in self.query.errors.items()
            )
            self.query = self.query_serializer_class(data={})
            self.query.is_valid(raise_exception=True)
        today = local_today(self.time_zone)
        self.last_day = self.last_data_day() if self.workspace else None
        return self.query.resolve(today, self.last_day)

    def last_data_day(self) -> dt.date | None:
        """The last day of the page's data: presets end on it when it is before today."""
        return None

    def insight(self, name: str, /, **params: Any) -> Any:
        """The payload of the registered insight ``name`` for the page's workspace and period
        (``params`` may name another period), through its cache; when it was computed joins the
        page's :attr:`data_as_of`."""
        if "period" not in params:  # not setdefault: last_data_day() runs before self.period exists
            params["period"] = self.period
        result = get_insight(name).run(self.workspace, params, refresh=self.refresh)
        self.computed_at.append(result.computed_at)
        return result.value

    @property
    def data_as_of(self) -> dt.datetime | None:
        """When the oldest figure of the page was computed."""
        return min(self.computed_at, default=None)

    @property
    def time_inputs(self) -> dict[str, str]:
        """The custom range's inputs and what the page says of the range in force: dates, or on
        pages whose ranges may be date-times, wall-clock times of the workspace's time zone, the
        end excluded as the API takes it (a range of days ends at midnight after its last)."""
        date_from, date_to = self.period.date_from, self.period.date_to
        if not self.query_serializer_class.with_times:
            ends = [day.isoformat() if day else "" for day in (date_from, date_to)]
            return {"type": "date", "date_from": ends[0], "date_to": ends[1], "range": " → ".join(ends)}
        zone = ZoneInfo(self.time_zone)

        def local(value: dt.date | None, after: int) -> str:
            if value is None:
                return ""
            if not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value + dt.timedelta(days=after), dt.time.min, tzinfo=zone)
            return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

        ends = [local(date_from, 0), local(date_to, 1)]
        shown = " → ".join(end.replace("T", " ") for end in ends)
        return {"type": "datetime-local", "date_from": ends[0], "date_to": ends[1], "range": f"{shown} ({zone.key})"}

    @property
    def time_query(self) -> str:
        """The time controls as a query string ("" for the defaults), for links to other apps'
        pages (whose figures the filters of this one do not narrow)."""
        return query_string(self.time.query())

    @property
    def filter_query(self) -> dict[str, str]:
        """The filters in use as the query string carries them."""
        return {name: item.raw for name, item in self.active_filters.items()}

    @property
    def view_query(self) -> dict[str, str]:
        """This page's own display choices (none here; an API project's interval and auto-refresh),
        which a link to this page with another filter keeps."""
        return {}

    def filter_link(self, name: str, value: str, path: str | None = None) -> str:
        """This page (or ``path``) with the filter ``name`` set to ``value`` beside the time controls
        and the other filters: where a table row's or a chart's click applies its filter."""
        kept = {**self.time.query(), **(self.view_query if path is None else {}), **self.filter_query}
        return (path or self.request.path) + query_string({**kept, name: value})

    @property
    def page_query(self) -> str:
        """The time controls and the filters as a query string, for links within the page's app."""
        return query_string({**self.time.query(), **self.filter_query})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            workspace=self.workspace,
            membership=self.membership,
            period=self.period,
            time=self.time,
            time_query=self.time_query,
            time_inputs=self.time_inputs,
            page_query=self.page_query,
            filter_query=self.filter_query,
            filter_chips=chips(self.request.path, {**self.time.query(), **self.view_query}, self.active_filters),
            filters_note=self.filters_note,
            last_data_day=self.last_day,
            presets=self.query_serializer_class.presets,
            comparisons=COMPARISONS,
            form_errors=self.form_errors,
        )
        return context
