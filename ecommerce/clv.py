"""Predicted customer lifetime value: BG/NBD (purchase counts) + Gamma-Gamma (spend per purchase).

Written against the papers rather than the unmaintained ``lifetimes`` package:

- BG/NBD, Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", eq. 6 (likelihood)
  and eq. 10 (expected purchases in (T, T + t] given x, t_x, T);
- Gamma-Gamma, Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", eq. 1
  (likelihood of the mean spend m_x of x purchases) and eq. 5 (its conditional expectation).

Inputs are reduced by the database to spend per customer and local day. A purchase is a day with
a purchase (lifetimes' convention); ``x`` counts repeat purchase days, ``t_x`` the time from the
first to the last purchase and ``T`` from the first purchase to the end of observation, in weeks.
The Gamma-Gamma model is fitted on repeat customers only (``x > 0``), using the mean spend of their
repeat purchases; BG/NBD on every customer (one-time buyers are what tell it about dropout).

The prediction is calibrated and checked on holdouts at several origins: at calibration ends
four weeks apart (the latest 12 weeks before the end of the data; a quarter of the history when
it is shorter than a year), both models are fitted on the data up to it and predict each
calibration customer's spend over the next 12 weeks. Models of stationary buying underpredict a
shop that grows and peaks before Christmas: the factor that makes the predicted total of the
holdouts their actual total scales the 12-month value (the latest ``CALIBRATION_ORIGINS``
origins). The reported check is out of sample: the latest holdout's predictions are scaled by the
factor of the ``CALIBRATION_ORIGINS`` earlier origins whose holdouts end by the latest
calibration end, so no day of the checked holdout calibrates its own prediction. The
predictions are compared per customer (MAE) with a naive baseline (the customer's past daily
spend rate carried forward) and in total.

Fitting (two maximum-likelihood searches per origin, and two on the whole period) is the slow
part and a deterministic function of the spend per customer and day: :func:`fit` returns the
parameters, :func:`inputs_digest` names them, and :func:`predict` applies stored parameters to the
data just read, or fits when given none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1

from config.money import money
from ecommerce.segments import SEGMENTS

HORIZON_DAYS = 365
MIN_CUSTOMERS = 20
MIN_REPEAT_CUSTOMERS = 10
MIN_HOLDOUT_DAYS = 14
# The holdout of a history of a year or more: the 12 weeks after each calibration end.
HOLDOUT_DAYS = 84
CALIBRATION_ORIGINS = 4
ORIGIN_STEP_WEEKS = 4
SERIES_MAX_TERMS = 100_000  # eq. 10's series where SciPy's 2F1 fails (bgnbd_expected)
# Bump when a change to this module changes what a fit returns: stored fits are then refitted.
FIT_VERSION = 4


def summarise(days: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Per customer: x (repeat purchase days), t_x and T in weeks, monetary (mean repeat spend),
    total spend and first purchase."""
    days = days.sort_values(["customer_id", "day"])
    grouped = days.groupby("customer_id")
    first = grouped["day"].min()
    last = grouped["day"].max()
    count = grouped["day"].count()
    total = grouped["spend"].sum()
    first_spend = grouped["spend"].first()
    frame = pd.DataFrame(
        {
            "x": (count - 1).astype(float),
            "t_x": (last - first).dt.days / 7.0,
            "T": (end - first).dt.days / 7.0,
            "total": total,
            "first": first,
        }
    )
    repeat_total = total - first_spend
    frame["monetary"] = np.where(frame["x"] > 0, repeat_total / frame["x"].clip(lower=1), 0.0)
    return frame


# --- BG/NBD ----------------------------------------------------------------------------------


def bgnbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    r, alpha, a, b = params
    x_pos = x > 0
    x1 = np.where(x_pos, x, 1.0)  # keeps log(b + x - 1) defined where the term is unused
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x_pos, np.log(a) - np.log(b + x1 - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def fit_bgnbd(x, t_x, T) -> dict:
    def objective(log_params):
        value = -bgnbd_log_likelihood(np.exp(log_params), x, t_x, T).sum()
        return value if np.isfinite(value) else 1e300

    result = _minimize(objective, np.zeros(4))
    r, alpha, a, b = np.exp(result.x)
    return {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}


def bgnbd_expected(t: float, x, t_x, T, params: dict) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10).

    The paper's ``((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)`` multiplies a vanishing
    power by a diverging series for frequent buyers and loses every digit. Euler's transformation
    2F1(a, b; c; z) = (1−z)^(c−a−b) 2F1(c−a, c−b; c; z) turns it into the equal
    ``(1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z)``, whose parameters stay small while r does.
    Where r is large too, SciPy answers NaN, and the paper's form is summed term by term in logs
    (:func:`_eq10_rest`), which loses no digit. A value that still cannot be computed counts as
    no purchase.
    """
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    if abs(a - 1) < 1e-6:  # the closed form divides by a − 1
        a = 1 + 1e-6
    x, t_x, T = np.broadcast_arrays(*(np.asarray(value, dtype=float) for value in (x, t_x, T)))
    x1 = np.where(x > 0, x, 1.0)
    with np.errstate(all="ignore"):
        z = t / (alpha + T + t)
        rest = np.array((1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z), dtype=float)
        # SciPy's 2F1 gives up (NaN) on a large negative first parameter: r and α both large, as
        # when every customer buys at nearly the same rate.
        failed = ~np.isfinite(rest)
        if failed.any():
            rest[failed] = _eq10_rest(z[failed], x[failed], r, a, b)
        numerator = (a + b + x - 1) / (a - 1) * (1 - rest)
        denominator = 1 + np.where(x > 0, a / (b + x1 - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
        expected = numerator / denominator
    return np.where(np.isfinite(expected) & (expected >= 0), expected, 0.0)


def _eq10_rest(z: np.ndarray, x: np.ndarray, r: float, a: float, b: float) -> np.ndarray:
    """``(1−z)^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)`` of eq. 10 (z = t/(α+T+t), so 1−z is
    (α+T)/(α+T+t)), summed term by term. Every term is positive and at most the sum, which lies in [0, 1]: each term is
    computed in logs and nothing cancels. Terms are added until the rest of the series cannot
    change the sum: past the largest term the ratio of two terms tends to z, from above or from
    below, so the larger of the two bounds the rest's geometric series."""
    c = a + b + x - 1
    log_term = (r + x) * np.log1p(-z)
    total = np.exp(log_term)
    for k in range(SERIES_MAX_TERMS):
        ratio = (r + x + k) * (b + x + k) / ((c + k) * (k + 1)) * z
        log_term = log_term + np.log(ratio)
        term = np.exp(log_term)
        total = total + term
        bound = np.maximum(ratio, z)
        if np.all((bound < 1) & (term * bound < np.finfo(float).eps * total * (1 - bound))):
            return total
    return np.full_like(total, np.nan)  # not converged: not a number, as SciPy says


# --- Gamma-Gamma -----------------------------------------------------------------------------


def gamma_gamma_log_likelihood(params, x, m) -> np.ndarray:
    p, q, v = params
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def fit_gamma_gamma(x, m) -> dict:
    def objective(log_params):
        value = -gamma_gamma_log_likelihood(np.exp(log_params), x, m).sum()
        return value if np.isfinite(value) else 1e300

    result = _minimize(objective, np.log([1.0, 2.0, max(float(np.mean(m)), 1.0)]))
    p, q, v = np.exp(result.x)
    return {"p": float(p), "q": float(q), "v": float(v)}


def gamma_gamma_expected(x, m, params: dict, fallback: float) -> np.ndarray:
    """E[mean spend | x, m_x] (Fader & Hardie 2013, eq. 5); for x = 0 the population mean.

    Needs q > 1 (a finite population mean); otherwise the observed mean spend is used.
    """
    p, q, v = params["p"], params["q"], params["v"]
    x = np.asarray(x, dtype=float)
    if q <= 1:
        return np.where(x > 0, m, fallback)
    return (p * (v + x * m)) / (p * x + q - 1)


LOG_BOUND = 20.0  # parameters stay within e^±20: a boundary solution (a → 0, b → ∞) stops there


def _minimize(objective, start):
    """Maximum likelihood on log-parameters: bounded L-BFGS-B, with Nelder-Mead as a fallback
    when the gradient search fails to produce a finite optimum."""
    from scipy.optimize import minimize  # only fitting needs the optimiser, not predicting

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
        if not np.isfinite(result.fun) or result.fun >= 1e300:
            result = minimize(objective, start, method="Nelder-Mead", bounds=bounds, options={"maxiter": 4000})
    return result


# --- Prediction and holdout -----------------------------------------------------------------


def _fit_models(summary: pd.DataFrame) -> dict:
    bgnbd = fit_bgnbd(summary["x"].to_numpy(), summary["t_x"].to_numpy(), summary["T"].to_numpy())
    repeat = summary[(summary["x"] > 0) & (summary["monetary"] > 0)]
    gamma_gamma = fit_gamma_gamma(repeat["x"].to_numpy(), repeat["monetary"].to_numpy())
    return {"bgnbd": bgnbd, "gamma_gamma": gamma_gamma, "fallback": float(repeat["monetary"].mean())}


def _predicted_spend(summary: pd.DataFrame, days: float, models: dict):
    purchases = bgnbd_expected(days / 7.0, summary["x"], summary["t_x"], summary["T"], models["bgnbd"])
    spend = gamma_gamma_expected(summary["x"], summary["monetary"], models["gamma_gamma"], models["fallback"])
    return purchases, purchases * spend


def _value_scale(models: dict) -> float:
    """The factor that matched the holdouts' totals (1 without holdouts)."""
    return models["value_scale"] if models["value_scale"] is not None else 1.0


def _predicted(summary: pd.DataFrame, models: dict) -> pd.DataFrame:
    """``summary`` with each customer's expected purchase days (``purchases``) and calibrated
    spend (``clv``) over the next :data:`HORIZON_DAYS` days."""
    purchases, spend = _predicted_spend(summary, HORIZON_DAYS, models["whole"])
    return summary.assign(purchases=purchases, clv=spend * _value_scale(models))


def _enough(summary: pd.DataFrame) -> bool:
    return (
        len(summary) >= MIN_CUSTOMERS
        and int(((summary["x"] > 0) & (summary["monetary"] > 0)).sum()) >= MIN_REPEAT_CUSTOMERS
    )


def _calibrations(days: pd.DataFrame, last_day: dt.date) -> list[tuple[pd.Timestamp, int, pd.DataFrame]]:
    """The calibration ends (latest first, :data:`ORIGIN_STEP_WEEKS` weeks apart), each with the
    holdout length that follows it and the calibration summary: enough origins for
    :data:`CALIBRATION_ORIGINS` of them to end their holdouts by the latest calibration end (the
    steps a holdout spans, then that many more). Only the origins with enough customers to fit,
    and a calibration part at least as long as the holdout. Empty when the history is too short
    for a holdout."""
    first_day = pd.Timestamp(days["day"].min())
    span = (pd.Timestamp(last_day) - first_day).days + 1
    holdout_days = HOLDOUT_DAYS if span >= 360 else span // 4
    if holdout_days < MIN_HOLDOUT_DAYS:
        return []
    step = max(holdout_days * ORIGIN_STEP_WEEKS * 7 // HOLDOUT_DAYS, 1)
    found = []
    for k in range(-(-holdout_days // step) + CALIBRATION_ORIGINS):
        end = pd.Timestamp(last_day) - pd.Timedelta(days=holdout_days + k * step)
        if (end - first_day).days + 1 < holdout_days:
            break
        summary = summarise(days[days["day"] <= end], end)
        if _enough(summary):
            found.append((end, holdout_days, summary))
    return found


def inputs_digest(days: pd.DataFrame, last_day: dt.date) -> str:
    """A digest of everything :func:`fit` depends on: the models' settings, the end of observation
    and the spend of every customer and day (in any row order)."""
    settings = (
        FIT_VERSION,
        MIN_CUSTOMERS,
        MIN_REPEAT_CUSTOMERS,
        MIN_HOLDOUT_DAYS,
        HOLDOUT_DAYS,
        CALIBRATION_ORIGINS,
        ORIGIN_STEP_WEEKS,
        LOG_BOUND,
        last_day.isoformat(),
    )
    rows = pd.util.hash_pandas_object(days[["customer_id", "day", "spend"]], index=False).to_numpy()
    digest = hashlib.sha256(repr(settings).encode())
    digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


def fit(days: pd.DataFrame, last_day: dt.date) -> dict:
    """The parameters of both models fitted on the whole period and on each calibration part
    (``whole`` None where there are too few customers to fit), and ``value_scale``: the factor
    that makes the latest origins' predicted holdout totals their actual totals, which
    calibrates every 12-month value (None without a holdout)."""
    whole = summarise(days, pd.Timestamp(last_day))
    if not _enough(whole):
        return {"whole": None, "origins": [], "value_scale": None}
    origins = [
        {"calibration_end": end.date().isoformat(), "models": _fit_models(summary)}
        for end, _, summary in _calibrations(days, last_day)
    ]
    value_scale = _scale(_checks(days, last_day, origins)[:CALIBRATION_ORIGINS])
    return {"whole": _fit_models(whole), "origins": origins, "value_scale": value_scale}


def _check(days: pd.DataFrame, end: pd.Timestamp, holdout_days: int, summary: pd.DataFrame, models: dict) -> dict:
    """Each calibration customer's predicted, actual and naive spend in the holdout after ``end``.
    The naive baseline carries the customer's daily spend rate since the first purchase forward."""
    _, predicted = _predicted_spend(summary, holdout_days, models)
    holdout = days[(days["day"] > end) & (days["day"] <= end + pd.Timedelta(days=holdout_days))]
    actual = holdout.groupby("customer_id")["spend"].sum().reindex(summary.index, fill_value=0.0)
    age_days = (end - summary["first"]).dt.days + 1
    return {
        "end": end,
        "holdout_days": holdout_days,
        "predicted": pd.Series(predicted, index=summary.index),
        "actual": actual,
        "naive": summary["total"] / age_days * holdout_days,
    }


def _scale(checks: list[dict]) -> float | None:
    """The factor that makes the predicted total of these holdouts their actual total."""
    predicted = sum(float(check["predicted"].sum()) for check in checks)
    actual = sum(float(check["actual"].sum()) for check in checks)
    return actual / predicted if checks and predicted > 0 else None


def _error_pct(predicted: float, actual: float) -> float | None:
    return round((predicted - actual) / actual * 100, 2) if actual else None


def _checks(days: pd.DataFrame, last_day: dt.date, origins: list[dict]) -> list[dict]:
    """The holdout check of every origin of ``origins`` (:func:`fit`'s), latest first."""
    stored = {origin["calibration_end"]: origin["models"] for origin in origins}
    return [
        _check(days, end, holdout_days, summary, stored[end.date().isoformat()])
        for end, holdout_days, summary in _calibrations(days, last_day)
        if end.date().isoformat() in stored
    ]


def holdout_error(days: pd.DataFrame, last_day: dt.date, origins: list[dict]) -> dict | None:
    """The latest holdout's errors, the predictions scaled by the factor fitted on the earlier
    origins whose holdouts end by its calibration end (so the check is out of sample: an origin
    whose holdout overlaps it would calibrate it on its own days); and ``value_scale``, the
    factor fitted on the latest origins, which calibrates the 12-month value. ``origins`` is what
    :func:`fit` returned."""
    checks = _checks(days, last_day, origins)
    if not checks:
        return None
    latest = checks[0]
    before = [check for check in checks[1:] if check["end"] + pd.Timedelta(days=check["holdout_days"]) <= latest["end"]]
    scale = _scale(before[:CALIBRATION_ORIGINS])
    calibrated = latest["predicted"] * (scale if scale is not None else 1.0)
    actual, naive = latest["actual"], latest["naive"]
    mae, naive_mae = float((calibrated - actual).abs().mean()), float((naive - actual).abs().mean())
    value_scale = _scale(checks[:CALIBRATION_ORIGINS])
    return {
        "calibration_end": latest["end"].date().isoformat(),
        "holdout_days": latest["holdout_days"],
        "customers": len(actual),
        "scale": round(scale, 4) if scale is not None else None,
        "value_scale": round(value_scale, 4) if value_scale is not None else None,
        "mae": money(mae),
        "uncalibrated_mae": money(float((latest["predicted"] - actual).abs().mean())),
        "naive_mae": money(naive_mae),
        "mae_vs_naive_pct": round((mae / naive_mae - 1) * 100, 2) if naive_mae else None,
        "predicted_total": money(float(calibrated.sum())),
        "uncalibrated_predicted_total": money(float(latest["predicted"].sum())),
        "actual_total": money(float(actual.sum())),
        "total_error_pct": _error_pct(float(calibrated.sum()), float(actual.sum())),
        "uncalibrated_total_error_pct": _error_pct(float(latest["predicted"].sum()), float(actual.sum())),
        "origins": [
            {
                "calibration_end": check["end"].date().isoformat(),
                "predicted_total": money(float(check["predicted"].sum())),
                "actual_total": money(float(check["actual"].sum())),
            }
            for check in checks
        ],
    }


def predict(days: pd.DataFrame, last_day: dt.date, *, segments: dict[str, str], models: dict | None = None) -> dict:
    """Predict each customer's spend over the next 365 days with the models fitted on the whole
    period, aggregate by segment, and attach the holdout error of the same procedure.

    ``models`` is what :func:`fit` returned for these very data (fitted here when None).
    """
    end = pd.Timestamp(last_day)
    summary = summarise(days, end)
    base = {"model": "BG/NBD + Gamma-Gamma", "horizon_days": HORIZON_DAYS, "customers_fitted": len(summary)}
    repeat_customers = int((summary["x"] > 0).sum())
    base["repeat_customers"] = repeat_customers
    if not _enough(summary):
        return {
            **base,
            "available": False,
            "note": f"Needs at least {MIN_CUSTOMERS} customers and {MIN_REPEAT_CUSTOMERS} repeat customers.",
        }
    models = models if models is not None else fit(days, last_day)
    holdout = holdout_error(days, last_day, models["origins"])
    summary = _predicted(summary, models)
    summary["segment"] = summary.index.map(segments)
    by_segment = []
    for name in SEGMENTS:
        part = summary[summary["segment"] == name]
        count = len(part)
        by_segment.append(
            {
                "segment": name,
                "customers": count,
                "avg_predicted_clv": money(float(part["clv"].mean())) if count else None,
                "total_predicted_clv": money(float(part["clv"].sum())),
                "avg_expected_purchases": round(float(part["purchases"].mean()), 3) if count else None,
            }
        )
    return {
        **base,
        "available": True,
        "parameters": {
            name: {key: round(value, 6) for key, value in models["whole"][name].items()}
            for name in ("bgnbd", "gamma_gamma")
        },
        "total_predicted_clv": money(float(summary["clv"].sum())),
        "avg_predicted_clv": money(float(summary["clv"].mean())),
        "by_segment": by_segment,
        "calibration_scale": round(_value_scale(models), 4),
        "holdout": holdout,
        "note": "Undiscounted expected spend over the next 365 days, calibrated on the holdouts' totals; "
        "purchases are counted as purchase days.",
    }


def predict_customer(days: pd.DataFrame, last_day: dt.date, customer_id: str, models: dict) -> dict | None:
    """One customer's own predicted 12-month value by the models :func:`predict` uses (the same
    fit of the same ``days``, the same calibration): None when there were too few customers to
    fit them or the customer bought nothing in ``days``. A customer's summary reads their days
    alone, so only theirs are summarised."""
    own = days[days["customer_id"] == customer_id]
    if models["whole"] is None or own.empty:
        return None
    row = _predicted(summarise(own, pd.Timestamp(last_day)), models).iloc[0]
    return {
        "horizon_days": HORIZON_DAYS,
        "predicted_clv": money(float(row["clv"])),
        "expected_purchases": round(float(row["purchases"]), 3),
    }
