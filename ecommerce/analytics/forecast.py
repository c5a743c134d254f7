"""The daily revenue forecast, read from the fit stored for exactly the series it was made on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Sum
from django.db.models.functions import TruncDate

from accounts.models import Workspace
from config.cache import Cached
from config.periods import Period
from ecommerce.analytics.reductions import Payload, closed_period, logged_fit, period_json, sales_lines
from ecommerce.closed_days import country_of
from ecommerce.fits import stored_fit

if TYPE_CHECKING:
    import pandas as pd


def daily_revenue(workspace: Workspace, period: Period) -> tuple[pd.Series, Period]:
    """Daily revenue over the closed period as a gap-free float Series indexed by local day."""
    import pandas as pd

    closed = closed_period(workspace, period)
    if not closed.is_bounded:
        return pd.Series(dtype=float), closed
    rows = (
        sales_lines(workspace, period)
        .annotate(day=TruncDate("invoice_date", tzinfo=workspace.tzinfo))
        .values("day")
        .annotate(revenue=Sum("amount"))
        .order_by("day")
    )
    index = pd.date_range(closed.date_from, closed.date_to, freq="D")
    series = pd.Series({pd.Timestamp(row["day"]): float(row["revenue"]) for row in rows}, dtype=float)
    return series.reindex(index, fill_value=0.0), closed


def forecast_model(workspace: Workspace, period: Period) -> tuple[Payload, Cached]:
    """The forecast of the period's daily revenue (see :mod:`ecommerce.forecasting`): 365 days
    with intervals, the rolling-origin backtest and the 80/20 holdout accuracy; and the stored
    fit it came from (``hit`` False when it was fitted during this call).

    The daily series is read every time (one grouped query, plus the data bounds for an open
    period). The model (the candidates' backtest, about forty fits) is fitted only when no fit of
    exactly this series and country is stored: the ``fit_forecast`` task fits after every import,
    so requests do not pay for it (nor for a web worker's first import of statsmodels). A refit
    of the same series would give the same numbers, so a stored fit is as fresh as a new one.
    """
    from ecommerce import forecasting

    series, closed = daily_revenue(workspace, period)
    country = country_of(workspace.timezone)
    model = stored_fit(
        workspace.id,
        "forecast_model",
        forecasting.inputs_digest(series, country=country),
        lambda: logged_fit("forecast", workspace, lambda: forecasting.fit(series, country=country)),
    )
    return {**period_json(closed), **model.value}, model


def forecast_fit(workspace: Workspace, period: Period) -> Payload:
    """The period's whole fit (:func:`forecast_model`) and where its model came from:
    ``fit.source`` is ``request`` when it was fitted during this call, else ``stored``."""
    payload, model = forecast_model(workspace, period)
    source = "stored" if model.hit else "request"
    return {**payload, "fit": {"source": source, "fitted_at": payload.get("fitted_at")}}


def forecast_days(fit: Payload, periods: int) -> Payload:
    """The fit with only its first ``periods`` forecast days."""
    return {**fit, "periods": periods, "forecast": (fit.get("forecast") or [])[:periods]}
