"""Daily revenue forecast and its evaluation.

Model: statsmodels' ETS (``ETSModel``) with additive error, additive damped trend and additive
weekly seasonality (period 7), fitted by maximum likelihood. Why ETS rather than SARIMAX or
Prophet: the series is a year of daily revenue whose dominant structure is the week (the
Online Retail shop never sells on Saturdays), a slow level drift and a year-end peak we cannot
learn from one year; ETS captures level, damped trend and weekly pattern in a handful of
parameters, fits in a fraction of a second (so a rolling-origin backtest of several refits stays
cheap), and gives analytic prediction intervals. Additive (not multiplicative) seasonality
because closed days have zero revenue. SARIMAX with weekly seasonal terms would also do, at
several times the fitting cost for each backtest refit and with no gain we could show; Prophet
would add a heavy dependency for a yearly seasonality that one year of data cannot estimate.
Forecasts and interval bounds are clipped at zero (revenue is never negative).

Evaluation (what the original dashboard lacked):

- rolling-origin backtest: ``BACKTEST_ORIGINS`` origins one week apart at the end of the series,
  each refitting on the data before the origin and forecasting ``BACKTEST_HORIZON`` days; MAE,
  MAPE and MASE of the model and of the seasonal-naive baseline (the value of the same weekday a
  week earlier). MASE scales the error by the in-sample MAE of the seasonal-naive forecast on the
  training data, so MASE < 1 beats the baseline's in-sample error;
- the original's 80/20 holdout: fit on the first 80 % of days, forecast the last 20 %, and report
  "accuracy" = 100 − MAPE (the original's 63.6 % was this number for Prophet).

MAPE skips days with zero actual revenue (closed days), where a percentage error is undefined.

A fit is a deterministic function of the daily series: :func:`inputs_digest` names it, and the
caller stores the fit under that digest (``ecommerce.analytics.forecast_model``), so that the
same series is never fitted twice.
"""

from __future__ import annotations

import hashlib
import time
import warnings

import numpy as np
import pandas as pd

from config.money import money

SEASON = 7
MAX_HORIZON = 365
MIN_DAYS = 4 * SEASON
MAX_TRAINING_DAYS = 3 * 365
BACKTEST_ORIGINS = 8
BACKTEST_HORIZON = 7
MODEL_NAME = "ETS(A,Ad,A) weekly, statsmodels ETSModel"
# Bump when a change to this module changes what a fit returns: stored fits are then refitted.
FIT_VERSION = 2


def _fit_ets(train: pd.Series):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        train.astype(float),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=SEASON,
        initialization_method="heuristic" if len(train) >= 2 * SEASON + 10 else "estimated",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(disp=False, maxiter=200)


def _ets_forecast(train: pd.Series, horizon: int) -> np.ndarray:
    return np.clip(np.asarray(_fit_ets(train).forecast(horizon)), 0, None)


def _seasonal_naive(train: pd.Series, horizon: int) -> np.ndarray:
    last_week = np.asarray(train[-SEASON:])
    return np.array([last_week[i % SEASON] for i in range(horizon)])


def _naive_scale(train: pd.Series) -> float:
    values = np.asarray(train, dtype=float)
    if len(values) <= SEASON:
        return float("nan")
    return float(np.mean(np.abs(values[SEASON:] - values[:-SEASON])))


def _errors(actual: np.ndarray, predicted: np.ndarray, scale: np.ndarray) -> dict:
    errors = np.abs(actual - predicted)
    nonzero = actual > 0
    mape = float(np.mean(errors[nonzero] / actual[nonzero]) * 100) if nonzero.any() else None
    valid_scale = np.isfinite(scale) & (scale > 0)
    mase = float(np.mean(errors[valid_scale] / scale[valid_scale])) if valid_scale.any() else None
    return {
        "mae": round(float(np.mean(errors)), 2),
        "mape": round(mape, 2) if mape is not None else None,
        "mase": round(mase, 3) if mase is not None else None,
    }


def backtest(series: pd.Series, origins: int = BACKTEST_ORIGINS, horizon: int = BACKTEST_HORIZON) -> dict | None:
    """Rolling-origin evaluation of the model against the seasonal-naive baseline."""
    origins = min(origins, (len(series) - MIN_DAYS) // horizon)
    if origins < 1:
        return None
    actual, model, naive, scale = [], [], [], []
    for k in range(origins, 0, -1):
        cut = len(series) - k * horizon
        train, test = series.iloc[:cut], np.asarray(series.iloc[cut : cut + horizon], dtype=float)
        actual.append(test)
        model.append(_ets_forecast(train, len(test)))
        naive.append(_seasonal_naive(train, len(test)))
        scale.append(np.full(len(test), _naive_scale(train)))
    actual, model, naive, scale = (np.concatenate(part) for part in (actual, model, naive, scale))
    return {
        "origins": origins,
        "horizon_days": horizon,
        "first_origin": series.index[len(series) - origins * horizon].date().isoformat(),
        "model": _errors(actual, model, scale),
        "seasonal_naive": _errors(actual, naive, scale),
    }


def holdout_accuracy(series: pd.Series, train_share: float = 0.8) -> dict | None:
    """The original dashboard's figure: fit on the first 80 % of days, 100 − MAPE on the rest."""
    cut = int(len(series) * train_share)
    if cut < MIN_DAYS or len(series) - cut < 1:
        return None
    train, test = series.iloc[:cut], np.asarray(series.iloc[cut:], dtype=float)
    scale = np.full(len(test), _naive_scale(train))
    model = _errors(test, _ets_forecast(train, len(test)), scale)
    naive = _errors(test, _seasonal_naive(train, len(test)), scale)
    return {
        "train_days": cut,
        "test_days": len(test),
        "test_from": series.index[cut].date().isoformat(),
        "model": {**model, "accuracy_pct": round(100 - model["mape"], 2) if model["mape"] is not None else None},
        "seasonal_naive": {
            **naive,
            "accuracy_pct": round(100 - naive["mape"], 2) if naive["mape"] is not None else None,
        },
        "original_dashboard_accuracy_pct": 63.6,
    }


def inputs_digest(series: pd.Series, horizon: int = MAX_HORIZON) -> str:
    """A digest of everything :func:`fit` depends on: the model and its settings, and the series
    (every day and its revenue)."""
    settings = (MODEL_NAME, FIT_VERSION, horizon, SEASON, MIN_DAYS, BACKTEST_ORIGINS, BACKTEST_HORIZON)
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(np.asarray(pd.DatetimeIndex(series.index).asi8, dtype=np.int64).tobytes())
    digest.update(np.asarray(series, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _finite(value: float, places: int) -> float | None:
    """``value`` rounded, or None when it is infinite or NaN (JSON has no such numbers)."""
    value = float(value)
    return round(value, places) if np.isfinite(value) else None


def _forecast_days(result, series: pd.Series, horizon: int) -> list[dict]:
    """The ``horizon`` days after the series: the fitted model's mean and its 80 % and 95 %
    intervals, clipped at zero, as money strings."""
    prediction = result.get_prediction(start=len(series), end=len(series) + horizon - 1)
    frame95 = prediction.summary_frame(alpha=0.05)
    frame80 = prediction.summary_frame(alpha=0.20)
    days = pd.date_range(series.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    mean = np.clip(frame95["mean"].to_numpy(), 0, None)
    bounds = {
        "lower_95": np.clip(frame95["pi_lower"].to_numpy(), 0, None),
        "upper_95": np.clip(frame95["pi_upper"].to_numpy(), 0, None),
        "lower_80": np.clip(frame80["pi_lower"].to_numpy(), 0, None),
        "upper_80": np.clip(frame80["pi_upper"].to_numpy(), 0, None),
    }
    return [
        {
            "date": day.date().isoformat(),
            "revenue": f"{mean[i]:.2f}",
            **{name: f"{values[i]:.2f}" for name, values in bounds.items()},
        }
        for i, day in enumerate(days)
    ]


def fit(series: pd.Series, horizon: int = MAX_HORIZON) -> dict:
    """Fit on the series' last :data:`MAX_TRAINING_DAYS` days and forecast ``horizon`` days with
    80 % and 95 % intervals, plus the backtest, the holdout accuracy and the last 90 days of
    history (for the chart). Older days add nothing a weekly model with a damped trend uses, and
    the cap bounds what a request can cost (a range of a century is 47,000 days to fit).

    A series without a single sale is not fitted: it has nothing to learn (its likelihood is
    infinite, so its AIC would be −inf) and the answer says there were no sales. Model
    statistics that still come out non-finite are None."""
    from django.utils import timezone

    started = time.perf_counter()
    series = series.iloc[-MAX_TRAINING_DAYS:]
    base = {
        "model": MODEL_NAME,
        "fitted_at": timezone.now().isoformat(),
        "training_days": len(series),
        # Money as everywhere else: 2-place strings. The series holds floats of the database's
        # exact sums; their repr is that decimal again (2.675, not 2.67499…), rounded half up.
        "history": [
            {"date": day.date().isoformat(), "revenue": money(repr(float(value)))}
            for day, value in series.iloc[-90:].items()
        ],
    }
    if len(series) < MIN_DAYS or not (np.asarray(series, dtype=float) > 0).any():
        return {
            **base,
            "forecast": [],
            "backtest": None,
            "holdout": None,
            "note": (
                f"Needs at least {MIN_DAYS} days of sales to forecast."
                if len(series) < MIN_DAYS
                else "No sales in this range: nothing to forecast."
            ),
            "fit_seconds": round(time.perf_counter() - started, 3),
        }
    result = _fit_ets(series)
    return {
        **base,
        "parameters": {name: _finite(value, 6) for name, value in zip(result.param_names, result.params, strict=False)},
        "aic": _finite(result.aic, 2),
        "forecast": _forecast_days(result, series, horizon),
        "backtest": backtest(series),
        "holdout": holdout_accuracy(series),
        "note": "Forecasts and bounds are clipped at zero; MAPE skips days without revenue.",
        "fit_seconds": round(time.perf_counter() - started, 3),
    }
