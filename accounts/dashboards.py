"""Base of the HTML dashboards: login, the session's workspace, the date-range filter."""

import datetime as dt
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from accounts.tenancy import page_membership
from config.insights import get_insight
from config.periods import Period, PeriodQuerySerializer


class WorkspaceDashboardView(LoginRequiredMixin, TemplateView):
    """A dashboard page of the active workspace.

    ``self.period`` is the validated date range of the query string (invalid input shows an
    error above the page and falls back to the whole history); ``self.refresh`` is true when
    staff asked to bypass caches with ``?refresh=1``.
    """

    query_serializer_class = PeriodQuerySerializer

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = page_membership(request)
        self.workspace = self.membership.workspace if self.membership else None
        self.query = self.query_serializer_class(data=request.GET)
        self.form_errors = ""
        if self.query.is_valid():
            self.period = self.query.period
        else:
            self.period = Period()
            self.form_errors = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in self.query.errors.items()
            )
        self.refresh = request.GET.get("refresh") == "1" and request.user.is_staff
        self.computed_at: list[dt.datetime] = []
        return super().dispatch(request, *args, **kwargs)

    def insight(self, name: str, **params: Any) -> Any:
        """The payload of the registered insight ``name`` for the page's workspace and period
        (``params`` may name another period), through its cache; when it was computed joins the
        page's :attr:`data_as_of`."""
        params.setdefault("period", self.period)
        result = get_insight(name).run(self.workspace, params, refresh=self.refresh)
        self.computed_at.append(result.computed_at)
        return result.value

    @property
    def data_as_of(self) -> dt.datetime | None:
        """When the oldest figure of the page was computed."""
        return min(self.computed_at, default=None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            workspace=self.workspace, membership=self.membership, period=self.period, form_errors=self.form_errors
        )
        return context
