"""The candidate models of the daily revenue forecast (statsmodels), one function each.

Every candidate takes the training series (every calendar day, zero when the shop sold
nothing), the days to forecast and the shop's closed days (:mod:`ecommerce.closed_days`), and
returns a 5 × len(days) array of bands: the forecast, the 80 % interval's bounds and the 95 %
interval's bounds (:data:`BANDS`). The models are fitted on open days only: a day without sales
in the history is a closed day, not a day of zero demand, and a closed day ahead is 0 with a
zero-width interval. Revenue is modelled on a log or Box-Cox scale, where a day's noise grows
with its level as it does in the data; the forecast is the back-transformed median, which is
what MAE and MASE reward.

- ``seasonal_naive``: the same weekday a week earlier (the baseline), normal intervals from its
  in-sample errors growing with the weeks ahead;
- ``ets``: ETS(A,N,A) on the Box-Cox scale of the open days, one season being one week of open
  days (multiplicative seasonality on the original scale);
- ``theta``: the Theta method on the open days, multiplicatively deseasonalised;
- ``regression``: a regression of log revenue on weekday effects with ARIMA(1,1,1) errors
  (SARIMAX), on the calendar with closed days missing, so the weekdays keep their place;
- ``ets+regression``: the mean of the two, forecast and bounds: a combination of forecasts
  usually errs less than either of them;
- ``local_8w``, ``local_12w``, ``local_16w``: a least-squares fit of log revenue on weekday
  effects and a straight line over the open days of the last 8, 12 or 16 weeks, the line damped
  ahead (:data:`DAMPING` a day). The backtest chooses the window: a shop's level moves with the
  seasons, and a short window follows it where a model of the whole history lags behind. Its
  intervals are bounded by the quantiles of its residuals, narrower on the log scale where the
  level is higher (:data:`SPREAD_POWER`);
- ``local_12w_weekdays_52w``: the same line over the last 12 weeks, on weekday effects fitted
  over the last 52 weeks and held fixed: a quarter is enough to follow the level, not to pin
  down six weekday effects.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ecommerce.closed_days import ClosedDays

SEASON = 7
BANDS = ("revenue", "lower_80", "upper_80", "lower_95", "upper_95")
Z_80, Z_95 = 1.2815515655446004, 1.959963984540054  # standard normal quantiles of 0.9 and 0.975
# The residual quantiles that bound the local trend's 80 % and 95 % intervals, in BANDS' order.
INTERVAL_QUANTILES = (0.1, 0.9, 0.025, 0.975)
# A day's revenue is the sum of its orders, so its variance grows about as its level does and its
# spread on the log scale shrinks as level ** -SPREAD_POWER: a busy autumn day is relatively
# calmer than a quiet summer one. The local trend's residuals are scaled to a common level by it.
SPREAD_POWER = 0.5
# The local trend's damping per day ahead: a slope keeps half its step after 34 days, and adds at
# most 49 days' worth in all.
DAMPING = 0.98

Model = Callable[[pd.Series, pd.DatetimeIndex, ClosedDays], np.ndarray]


def _open_days(train: pd.Series) -> pd.Series:
    return train[np.asarray(train, dtype=float) > 0]


def _season(closed: ClosedDays) -> int:
    return SEASON - len(closed.weekdays)


def _on_open(days: pd.DatetimeIndex, closed: ClosedDays, open_bands: np.ndarray) -> np.ndarray:
    """Bands for every day from bands for the open ones: zero on closed days."""
    bands = np.zeros((len(BANDS), len(days)))
    bands[:, ~closed.mask(days)] = open_bands
    return np.clip(bands, 0, None)


def seasonal_naive(train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
    values = np.asarray(train, dtype=float)
    ahead = (days - train.index[-1]).days.to_numpy() - 1  # 0 for the day after the series
    point = values[len(values) - SEASON + ahead % SEASON]
    both_open = (values[SEASON:] > 0) & (values[:-SEASON] > 0)
    differences = (values[SEASON:] - values[:-SEASON])[both_open]
    sigma = float(np.sqrt(np.mean(differences**2))) if len(differences) else 0.0
    spread = sigma * np.sqrt(ahead // SEASON + 1)
    bands = np.vstack(
        [point, point - Z_80 * spread, point + Z_80 * spread, point - Z_95 * spread, point + Z_95 * spread]
    )
    bands[:, closed.mask(days)] = 0
    return np.clip(bands, 0, None)


def ets(train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
    from scipy import stats
    from scipy.special import inv_boxcox
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    open_values = np.asarray(_open_days(train), dtype=float)
    transformed, lam = stats.boxcox(open_values)
    season = _season(closed)
    model = ETSModel(
        pd.Series(transformed),
        error="add",
        seasonal="add" if season > 1 else None,
        seasonal_periods=season if season > 1 else None,
        initialization_method="heuristic" if len(transformed) >= 2 * season + 10 else "estimated",
    )
    steps = int((~closed.mask(days)).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.fit(disp=False, maxiter=200)
        prediction = result.get_prediction(start=len(transformed), end=len(transformed) + steps - 1)
    frame80, frame95 = prediction.summary_frame(alpha=0.2), prediction.summary_frame(alpha=0.05)
    columns = (frame95["mean"], frame80["pi_lower"], frame80["pi_upper"], frame95["pi_lower"], frame95["pi_upper"])
    return _on_open(days, closed, inv_boxcox(np.vstack([np.asarray(c) for c in columns]), lam))


def theta(train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    open_values = np.asarray(_open_days(train), dtype=float)
    season = _season(closed)
    steps = int((~closed.mask(days)).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ThetaModel(open_values, period=max(season, 1), deseasonalize=season > 1, method="multiplicative").fit()
        point = np.asarray(result.forecast(steps))
        bounds80, bounds95 = (
            result.prediction_intervals(steps, alpha=0.2),
            result.prediction_intervals(steps, alpha=0.05),
        )
    columns = (point, bounds80["lower"], bounds80["upper"], bounds95["lower"], bounds95["upper"])
    return _on_open(days, closed, np.vstack([np.asarray(c) for c in columns]))


def _weekday_effects(index: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
    """One column per open weekday but the first (the level carries it)."""
    open_weekdays = [day for day in range(SEASON) if day not in closed.weekdays][1:]
    return np.column_stack([np.asarray(index.day_of_week == day, dtype=float) for day in open_weekdays])


def regression(train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    values = np.asarray(train, dtype=float)
    # Days without sales are missing, not zero: the state-space model skips them.
    logged = np.log(np.where(values > 0, values, np.nan))
    exog = _weekday_effects(train.index, closed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = SARIMAX(logged, exog=exog, order=(1, 1, 1)).fit(disp=False, maxiter=200)
        prediction = result.get_forecast(len(days), exog=_weekday_effects(days, closed))
    bounds80, bounds95 = prediction.conf_int(alpha=0.2), prediction.conf_int(alpha=0.05)
    bands = np.exp(
        np.vstack([prediction.predicted_mean, bounds80[:, 0], bounds80[:, 1], bounds95[:, 0], bounds95[:, 1]])
    )
    bands[:, closed.mask(days)] = 0
    return bands


def _weekday_offsets(open_days: pd.Series, closed: ClosedDays) -> np.ndarray:
    """Each open weekday's log revenue above the first open weekday's, over ``open_days``."""
    from statsmodels.regression.linear_model import OLS

    design = np.column_stack([np.ones(len(open_days)), _weekday_effects(open_days.index, closed)])
    if len(open_days) <= design.shape[1] or np.linalg.matrix_rank(design) < design.shape[1]:
        raise ValueError("too few open days for the weekday effects")
    return np.asarray(OLS(np.log(np.asarray(open_days, dtype=float)), design).fit().params[1:])


def local_trend(weeks: int, weekday_weeks: int | None = None) -> Model:
    """Weekday effects and a damped linear trend fitted on the last ``weeks`` weeks' open days.
    With ``weekday_weeks``, the weekday effects are taken from that many weeks and held fixed,
    and only the line is fitted on the last ``weeks``: a year's weekdays vary less than a
    quarter's, while the level still follows the quarter."""

    def model(train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays) -> np.ndarray:
        from statsmodels.regression.linear_model import OLS

        open_days = _open_days(train)
        window = open_days[open_days.index > train.index[-1] - pd.Timedelta(weeks=weeks)]
        ahead_days = days[~closed.mask(days)]
        logged = np.log(np.asarray(window, dtype=float))
        # Time in days from the series' last day; ahead, the trend's step shrinks by DAMPING a day
        # (h days ahead count as φ + φ² + … + φʰ), so that a slope of a few weeks is not carried
        # undiminished through a year.
        elapsed = np.asarray((window.index - train.index[-1]).days, dtype=float)
        ahead = np.asarray((ahead_days - train.index[-1]).days, dtype=float)
        damped = DAMPING * (1 - DAMPING**ahead) / (1 - DAMPING)
        design, future = (
            np.column_stack([np.ones(len(window)), elapsed]),
            np.column_stack([np.ones(len(ahead)), damped]),
        )
        fixed, fixed_ahead = np.zeros(len(window)), np.zeros(len(ahead))
        if weekday_weeks is None:
            design = np.column_stack([design, _weekday_effects(window.index, closed)])
            future = np.column_stack([future, _weekday_effects(ahead_days, closed)])
        else:
            since = train.index[-1] - pd.Timedelta(weeks=weekday_weeks)
            offsets = _weekday_offsets(open_days[open_days.index > since], closed)
            fixed, fixed_ahead = (
                _weekday_effects(window.index, closed) @ offsets,
                _weekday_effects(ahead_days, closed) @ offsets,
            )
        # A weekday without an open day in the window, or no day to spare for the residuals: the
        # fit would be a guess, so the model is left out as when another one fails to fit.
        if len(window) <= design.shape[1] or np.linalg.matrix_rank(design) < design.shape[1]:
            raise ValueError(f"too few open days in the last {weeks} weeks")
        result = OLS(logged - fixed, design).fit()
        mean = future @ result.params + fixed_ahead
        # The bounds are the residuals' own quantiles, not a normal's: a shop's days have heavy
        # tails (a bulk order), which widen a normal's 80 % band well past 80 % of the days. They
        # grow with the uncertainty of the fitted line, as a new day's spread does.
        growth = np.sqrt(1 + np.einsum("ij,jk,ik->i", future, result.normalized_cov_params, future))
        level_spread = np.exp(SPREAD_POWER * (result.fittedvalues + fixed))
        quantiles = np.quantile(result.resid * level_spread, INTERVAL_QUANTILES)
        bounds = [mean + quantile * growth * np.exp(-SPREAD_POWER * mean) for quantile in quantiles]
        return _on_open(days, closed, np.exp(np.vstack([mean, *bounds])))

    return model


BASELINE = "seasonal_naive"
LOCAL_WEEKS = (8, 12, 16)
MODELS: dict[str, Model] = {
    BASELINE: seasonal_naive,
    "ets": ets,
    "theta": theta,
    "regression": regression,
    **{f"local_{weeks}w": local_trend(weeks) for weeks in LOCAL_WEEKS},
    "local_12w_weekdays_52w": local_trend(12, weekday_weeks=52),
}
COMBINED = {"ets+regression": ("ets", "regression")}
LABELS = {
    BASELINE: "Seasonal naive (same weekday last week)",
    "ets": "ETS(A,N,A) on Box-Cox scale, open days",
    "theta": "Theta, multiplicative weekly seasonality, open days",
    "regression": "Regression on weekdays with ARIMA(1,1,1) errors (SARIMAX), log scale",
    "ets+regression": "Mean of ETS and the weekday regression",
    **{
        f"local_{weeks}w": f"Weekdays and a damped linear trend over the last {weeks} weeks, log scale"
        for weeks in LOCAL_WEEKS
    },
    "local_12w_weekdays_52w": "Weekdays over the last 52 weeks and a damped linear trend over the last 12, log scale",
}
CANDIDATES = (*MODELS, *COMBINED)


def predict(
    names: tuple[str, ...], train: pd.Series, days: pd.DatetimeIndex, closed: ClosedDays
) -> dict[str, np.ndarray]:
    """The bands of each model in ``names`` that could be fitted (a model whose fit fails, on a
    series too short or too flat for it, is left out)."""
    needed = {part for name in names for part in COMBINED.get(name, (name,))}
    bands = {}
    for name in needed:
        try:
            result = MODELS[name](train, days, closed)
        # What statsmodels raises on a series too short or too flat for the model's start values.
        except (ValueError, IndexError, np.linalg.LinAlgError):
            continue
        if np.isfinite(result).all():
            bands[name] = result
    for name, parts in COMBINED.items():
        if name in names and all(part in bands for part in parts):
            bands[name] = np.mean([bands[part] for part in parts], axis=0)
    return {name: bands[name] for name in names if name in bands}
