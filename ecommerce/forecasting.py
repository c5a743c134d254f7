"""Daily revenue forecast: the model chosen per workspace by a rolling-origin backtest.

The shop's closed days are learned from its history first (:mod:`ecommerce.closed_days`): a
closed day ahead is forecast as 0 with a zero-width interval, and the models are fitted on open
days only (:mod:`ecommerce.forecast_models`). The candidates (seasonal naive, ETS on a Box-Cox
scale, Theta, a weekday regression with ARIMA errors, the mean of the last two, weekdays with a
damped local trend over 8, 12 or 16 weeks, and that trend over 12 weeks on the weekdays of 52)
are compared by their backtest MASE, and the one with the lowest is fitted on the whole series
to forecast.

Evaluation:

- rolling-origin backtest: ``BACKTEST_ORIGINS`` origins one week apart, the last one
  ``BACKTEST_HORIZON`` days (the API's default horizon) before the series' end, each refitting
  every candidate on the data before the origin (closed days learned from it too) and
  forecasting ``BACKTEST_HORIZON`` days (the windows overlap); MAE, MAPE and MASE of each candidate, and the
  empirical coverage of its 80 % and 95 % intervals over the days it forecast open. MASE scales
  the error by the in-sample MAE of the seasonal-naive forecast on the training data. The
  chosen model's MASE is its best of the candidates on these very weeks, so slightly flattering;
  the holdout below is the check that was not used to choose;
- the original's 80/20 holdout: the chosen model fitted on the first 80 % of days forecasts the
  last 20 %, and "accuracy" = 100 − MAPE (the original's 63.6 % was this number for Prophet).

MAPE skips days with zero actual revenue (closed days), where a percentage error is undefined.

A fit is a deterministic function of the daily series and the country: :func:`inputs_digest`
names it, and the caller stores the fit under that digest (``ecommerce.analytics.forecast_model``),
so that the same series is never fitted twice.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from config.money import money
from ecommerce import closed_days, forecast_models
from ecommerce.forecast_models import BANDS, BASELINE, CANDIDATES, LABELS, SEASON

MAX_HORIZON = 365
MIN_DAYS = 4 * SEASON
MAX_TRAINING_DAYS = 3 * 365
BACKTEST_ORIGINS = 8
# The backtest scores the horizon the forecast is read at (the API's default ``periods``): a model
# that wins a week ahead need not win a month ahead. Its origins stay a week apart, so that the
# windows end at the series' end and every weekday starts a window as often.
BACKTEST_HORIZON = 30
BACKTEST_SPACING = SEASON
# Bump when a change to this module changes what a fit returns: stored fits are then refitted.
FIT_VERSION = 7


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


def _coverage(actual: np.ndarray, bands: np.ndarray) -> dict:
    """The share (%) of the days forecast open whose actual revenue fell in each interval."""
    forecast_open = bands[BANDS.index("upper_95")] > 0
    shares = {}
    for level in ("80", "95"):
        lower, upper = bands[BANDS.index(f"lower_{level}")], bands[BANDS.index(f"upper_{level}")]
        inside = (actual >= lower) & (actual <= upper)
        shares[f"coverage_{level}"] = (
            round(float(inside[forecast_open].mean()) * 100, 1) if forecast_open.any() else None
        )
    return shares


def _choose(scores: dict[str, dict]) -> str:
    """The candidate with the lowest backtest MASE (MAE when no MASE could be scaled); the
    baseline on a tie, being listed first."""
    return min(scores, key=lambda name: (scores[name]["mase"] is None, scores[name]["mase"] or scores[name]["mae"]))


def _origin_bands(series: pd.Series, cut: int, horizon: int, country: str | None) -> dict[str, np.ndarray]:
    train = series.iloc[:cut]
    days = pd.DatetimeIndex(series.index[cut : cut + horizon])
    return forecast_models.predict(CANDIDATES, train, days, closed_days.learn(train, country))


def backtest(
    series: pd.Series,
    country: str | None = None,
    origins: int = BACKTEST_ORIGINS,
    horizon: int = BACKTEST_HORIZON,
    spacing: int = BACKTEST_SPACING,
) -> dict | None:
    """Rolling-origin evaluation of every candidate: ``origins`` origins ``spacing`` days apart,
    the last ``horizon`` days before the series' end (fewer days where the history is shorter
    than :data:`MIN_DAYS` and a horizon; None when it is not longer than MIN_DAYS). ``chosen``
    names the best, ``model`` and ``seasonal_naive`` hold its errors and the baseline's."""
    # A history too short for a whole horizon after MIN_DAYS is scored over what it has.
    horizon = min(horizon, len(series) - MIN_DAYS)
    if horizon < 1:
        return None
    origins = min(origins, (len(series) - MIN_DAYS - horizon) // spacing + 1)
    cuts = [len(series) - horizon - k * spacing for k in range(origins - 1, -1, -1)]
    actual, scale, bands = [], [], {name: [] for name in CANDIDATES}
    for cut in cuts:
        test = np.asarray(series.iloc[cut : cut + horizon], dtype=float)
        actual.append(test)
        scale.append(np.full(len(test), _naive_scale(series.iloc[:cut])))
        predicted = _origin_bands(series, cut, horizon, country)
        for name in CANDIDATES:
            bands[name].append(predicted.get(name))
    # A candidate that failed to fit at any origin is not compared.
    fitted = {name: np.concatenate(parts, axis=1) for name, parts in bands.items() if all(p is not None for p in parts)}
    actual_days, scales = np.concatenate(actual), np.concatenate(scale)
    scores = {
        name: {**_errors(actual_days, values[0], scales), **_coverage(actual_days, values)}
        for name, values in fitted.items()
    }
    chosen = _choose(scores)
    naive_mase, chosen_mase = scores[BASELINE]["mase"], scores[chosen]["mase"]
    return {
        "origins": origins,
        "horizon_days": horizon,
        "first_origin": series.index[cuts[0]].date().isoformat(),
        "chosen": chosen,
        "model": scores[chosen],
        "seasonal_naive": scores[BASELINE],
        "mase_ratio": round(chosen_mase / naive_mase, 3) if chosen_mase is not None and naive_mase else None,
        "candidates": [{"name": name, "label": LABELS[name], **score} for name, score in scores.items()],
    }


def holdout_accuracy(
    series: pd.Series, model: str, country: str | None = None, train_share: float = 0.8
) -> dict | None:
    """The original dashboard's figure: ``model`` fitted on the first 80 % of days, 100 − MAPE on
    the rest (over the days with sales), beside the seasonal-naive baseline's."""
    cut = int(len(series) * train_share)
    if cut < MIN_DAYS or len(series) - cut < 1:
        return None
    train, test = series.iloc[:cut], np.asarray(series.iloc[cut:], dtype=float)
    days = pd.DatetimeIndex(series.index[cut:])
    predicted = forecast_models.predict((model, BASELINE), train, days, closed_days.learn(train, country))
    scale = np.full(len(test), _naive_scale(train))

    def scored(name: str) -> dict | None:
        if name not in predicted:
            return None
        errors = _errors(test, predicted[name][0], scale)
        return {**errors, "accuracy_pct": round(100 - errors["mape"], 2) if errors["mape"] is not None else None}

    return {
        "train_days": cut,
        "test_days": len(test),
        "test_from": days[0].date().isoformat(),
        "model": scored(model),
        "seasonal_naive": scored(BASELINE),
        "original_dashboard_accuracy_pct": 63.6,
    }


def inputs_digest(series: pd.Series, horizon: int = MAX_HORIZON, country: str | None = None) -> str:
    """A digest of everything :func:`fit` depends on: the models and their settings, the country
    (its holidays) and the series (every day and its revenue)."""
    settings = (
        CANDIDATES,
        FIT_VERSION,
        horizon,
        country,
        SEASON,
        MIN_DAYS,
        BACKTEST_ORIGINS,
        BACKTEST_HORIZON,
        BACKTEST_SPACING,
    )
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(np.asarray(pd.DatetimeIndex(series.index).asi8, dtype=np.int64).tobytes())
    digest.update(np.asarray(series, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _forecast_days(bands: np.ndarray, days: pd.DatetimeIndex) -> list[dict]:
    """The forecast and its 80 % and 95 % intervals per day, as money strings."""
    return [
        {"date": day.date().isoformat(), **{name: f"{bands[k, i]:.2f}" for k, name in enumerate(BANDS)}}
        for i, day in enumerate(days)
    ]


def _unfitted(base: dict, series: pd.Series, started: float) -> dict:
    note = (
        f"Needs at least {MIN_DAYS} days of sales to forecast."
        if len(series) < MIN_DAYS
        else "No sales in this range: nothing to forecast."
    )
    return {
        **base,
        "model": None,
        "forecast": [],
        "backtest": None,
        "holdout": None,
        "closed_days": None,
        "note": note,
        "fit_seconds": round(time.perf_counter() - started, 3),
    }


def fit(series: pd.Series, horizon: int = MAX_HORIZON, country: str | None = None) -> dict:
    """Choose the model by the backtest, fit it on the series' last :data:`MAX_TRAINING_DAYS`
    days and forecast ``horizon`` days with 80 % and 95 % intervals, plus the holdout accuracy
    and the last 90 days of history (for the chart). Older days add nothing a weekly model uses,
    and the cap bounds what a request can cost (a range of a century is 47,000 days to fit).

    A series without a single sale is not fitted: it has nothing to learn, and the answer says
    there were no sales."""
    from django.utils import timezone

    started = time.perf_counter()
    series = series.iloc[-MAX_TRAINING_DAYS:]
    base = {
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
        return _unfitted(base, series, started)
    with threadpool_limits(limits=1):
        return {**base, **_fitted(series, horizon, country), "fit_seconds": round(time.perf_counter() - started, 3)}


def _fitted(series: pd.Series, horizon: int, country: str | None) -> dict:
    """The chosen model's forecast and evaluation. On one BLAS thread: the models' matrices are
    tiny, and on a busy host threads only wait for each other (several times slower)."""
    evaluation = backtest(series, country)
    chosen = evaluation["chosen"] if evaluation is not None else BASELINE
    closed = closed_days.learn(series, country)
    days = pd.date_range(series.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    bands = forecast_models.predict((chosen, BASELINE), series, days, closed)
    if chosen not in bands:  # the whole series defeated the model the backtest chose
        chosen = BASELINE
    return {
        "model": LABELS[chosen],
        "model_name": chosen,
        "closed_days": closed.as_json(),
        "forecast": _forecast_days(bands[chosen], days),
        "backtest": evaluation,
        "holdout": holdout_accuracy(series, chosen, country),
        "note": "Closed days are forecast as 0; bounds are clipped at zero; MAPE skips days without revenue.",
    }
