"""Celery tasks of the e-commerce app: imports, forecast fitting and cache warming.

Each takes ids and is safe to run twice: a finished import is left as it is, and warming only
recomputes cached results for the current data version. Transient database, Redis and network
errors are retried by the project's base task (``config.celery.PulseTask``).
"""

import datetime as dt

import structlog
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Exists, OuterRef

from accounts.models import Workspace
from config.insights import get_insight
from config.periods import DEFAULT_PRESET, Period, anchor_day, local_today, preset_period
from config.queue import fan_out
from ecommerce import analytics
from ecommerce.fits import delete_old_fits
from ecommerce.models import ImportJob, SalesLine

log = structlog.get_logger("pulse.ecommerce")

# What the dashboards and the default API calls ask for (the whole history, default parameters).
WARM: tuple[tuple[str, dict], ...] = (
    ("ecommerce.kpis", {"compare": "previous"}),
    ("ecommerce.series", {"interval": "day"}),
    ("ecommerce.series", {"interval": "week"}),
    ("ecommerce.series", {"interval": "month"}),
    ("ecommerce.series_compare", {"compare": "previous"}),
    ("ecommerce.countries", {"order_by": "revenue", "limit": 10}),
    ("ecommerce.countries", {"order_by": "revenue", "limit": 250}),
    ("ecommerce.customers_top", {"order_by": "net", "limit": 10}),
    ("ecommerce.segments", {}),
    ("ecommerce.lifetime_value", {}),
    ("ecommerce.cohorts", {}),
    ("ecommerce.products_top", {"order_by": "net", "limit": 10}),
    ("ecommerce.products_returned", {"limit": 10}),
    ("ecommerce.revenue_monthly", {}),
    ("ecommerce.revenue_growth", {}),
    ("ecommerce.by_hour", {}),
    ("ecommerce.by_weekday", {}),
    ("ecommerce.weekday_hour", {}),
)
# The pages fit models (lifetime value, forecast) on the whole history unless dates are picked.
WARM_DEFAULT_RANGE = tuple((name, params) for name, params in WARM if name != "ecommerce.lifetime_value")


@shared_task(bind=True, max_retries=3, soft_time_limit=20 * 60, time_limit=22 * 60)
def import_orders(self, job_id: int) -> str:
    """Run one import job (idempotent: a finished job is left as it is)."""
    from ecommerce import services

    job = ImportJob.objects.select_related("workspace").filter(pk=job_id).first()
    if job is None:
        return "missing"
    try:
        job = services.import_job_run(job=job)
    except (OperationalError, InterfaceError):
        if self.request.retries >= self.max_retries:
            services.import_job_fail(job=job, code="database_unavailable", message="The database could not be reached.")
        raise
    return job.status


@shared_task(max_retries=3, soft_time_limit=15 * 60, time_limit=16 * 60)
def fit_forecast(workspace_id: int, date_from: str | None = None, date_to: str | None = None) -> dict:
    """Fit the revenue forecast for the workspace (whole history by default) and store it in the
    database (and the cache), where the forecast endpoint reads it. The daily series is read again; a fit of
    exactly that series already stored is kept (``fitted_at`` tells when it was made)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return {"workspace_id": workspace_id, "skipped": "no such workspace"}
    period = Period(
        dt.date.fromisoformat(date_from) if date_from else None, dt.date.fromisoformat(date_to) if date_to else None
    )
    fit = get_insight("ecommerce.forecast").run(workspace, {"period": period, "periods": 1}, refresh=True).value
    log.info("forecast_fitted", workspace_id=workspace_id, seconds=fit.get("fit_seconds"))
    return {"workspace_id": workspace_id, "fitted_at": fit.get("fitted_at"), "seconds": fit.get("fit_seconds")}


@shared_task(max_retries=3, soft_time_limit=20 * 60, time_limit=21 * 60)
def warm_workspace_caches(workspace_id: int) -> dict:
    """Compute and cache the main analytics for the whole history and for the dashboards' default
    range (the CLV models are fitted with ``lifetime_value``), then fit the forecast."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return {"workspace_id": workspace_id, "skipped": "no such workspace"}
    with analytics.shared_reads():
        for name, params in WARM:
            get_insight(name).run(workspace, {"period": Period(), **params}, refresh=True)
    # The dashboards open on the last 30 days of data: warm that range too.
    last = get_insight("ecommerce.kpis").run(workspace, {"period": Period(), "compare": "previous"}).value["date_to"]
    if last:
        anchor = anchor_day(local_today(workspace.timezone), dt.date.fromisoformat(last))
        default = preset_period(DEFAULT_PRESET, anchor)
        with analytics.shared_reads():
            for name, params in WARM_DEFAULT_RANGE:
                get_insight(name).run(workspace, {"period": default, **params}, refresh=True)
    fit_forecast(workspace_id)  # in this worker, after the cheap ones
    log.info("ecommerce_caches_warmed", workspace_id=workspace_id, insights=len(WARM))
    warmed = len(WARM) + (len(WARM_DEFAULT_RANGE) if last else 0)
    return {"workspace_id": workspace_id, "warmed": warmed + 1}


@shared_task(soft_time_limit=5 * 60, time_limit=6 * 60)
def warm_all_caches() -> int:
    """Queue the warming of every workspace that has e-commerce data."""
    # One query for every workspace. PostgreSQL may plan it as a semi-join that reads each line
    # once (about 0.2 s for the real file's 525k lines): a cost paid once a night.
    has_data = Exists(SalesLine.objects.filter(workspace=OuterRef("pk")))
    workspaces = Workspace.objects.filter(has_data).order_by("pk").values_list("pk", flat=True)
    deleted = delete_old_fits()  # before the warming, which fits the current data again
    log.info("old_fits_deleted", count=deleted)
    return fan_out(warm_workspace_caches, workspaces)
