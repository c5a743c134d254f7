"""The fitted models: BG/NBD + Gamma-Gamma recover known parameters; the forecast's intervals,
backtest and holdout accuracy; the warming tasks and the import signal."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from config import numbers
from config.insights import get_insight
from config.periods import Period
from ecommerce import analytics, clv, forecasting, tasks
from ecommerce.signals import orders_imported
from tests.ecommerce.conftest import replace_compute, utc
from tests.ecommerce.factories import SalesLineFactory


def _simulate_bgnbd(rng, n, r, alpha, a, b, weeks):
    x, t_x = np.zeros(n), np.zeros(n)
    rates, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    for i in range(n):
        t, k, last = 0.0, 0, 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > weeks:
                break
            k, last = k + 1, t
            if rng.random() < dropout[i]:
                break
        x[i], t_x[i] = k, last
    return x, t_x, np.full(n, float(weeks))


def test_bgnbd_likelihood_recovers_simulated_parameters():
    rng = np.random.default_rng(7)
    x, t_x, T = _simulate_bgnbd(rng, 2500, r=0.25, alpha=4.0, a=0.8, b=2.5, weeks=39)
    fitted = clv.fit_bgnbd(x, t_x, T)
    assert fitted["r"] == pytest.approx(0.25, rel=0.25)
    assert fitted["alpha"] == pytest.approx(4.0, rel=0.35)
    # The expected number of purchases of a customer never seen again decreases with time silent.
    early = clv.bgnbd_expected(10, np.array([3.0]), np.array([5.0]), np.array([39.0]), fitted)
    late = clv.bgnbd_expected(10, np.array([3.0]), np.array([38.0]), np.array([39.0]), fitted)
    assert 0 < early[0] < late[0]


def test_bgnbd_expected_matches_a_monte_carlo_estimate():
    """Check eq. 10 against simulation: customers with x = 0 observed for T weeks."""
    params = {"r": 0.5, "alpha": 5.0, "a": 0.7, "b": 2.0}
    expected = clv.bgnbd_expected(20, np.array([0.0]), np.array([0.0]), np.array([10.0]), params)[0]
    rng = np.random.default_rng(3)
    hits, total = 0, 0.0
    for _ in range(200_000 // 10):
        rate, p = rng.gamma(params["r"], 1 / params["alpha"]), rng.beta(params["a"], params["b"])
        # Condition on no purchase in (0, 10]; with x = 0 the customer is alive in (0, 10].
        if rng.random() < 1 - np.exp(-rate * 10):
            continue
        hits += 1
        t, count = 10.0, 0
        while True:
            t += rng.exponential(1 / rate)
            if t > 30:
                break
            count += 1
            if rng.random() < p:
                break
        total += count
    assert expected == pytest.approx(total / hits, rel=0.1)


def test_bgnbd_expected_reaches_the_poisson_limit_where_scipys_2f1_gives_up():
    """With r and α both large every customer buys at the same rate λ = r/α (SciPy's 2F1 is NaN
    there: the fit of a shop of regular buyers). A customer with no repeat purchase is alive and
    her dropout probability keeps its Beta(a, b) prior, so E = Σ_k E[(1−p)^(k−1)] P(Poisson(λt) ≥ k)."""
    a, b, rate, t = 2.5, 8.0, 0.1, 10.7
    limit, reached = 0.0, 1.0  # reached: E[(1 − p)^(k − 1)]
    for k in range(1, 200):
        limit += reached * stats.poisson.sf(k - 1, rate * t)
        reached *= (b + k - 1) / (a + b + k - 1)
    for r in (11_700.0, 1e6, np.exp(clv.LOG_BOUND)):
        params = {"r": r, "alpha": r / rate, "a": a, "b": b}
        expected = clv.bgnbd_expected(t, np.array([0.0]), np.array([0.0]), np.array([5.0]), params)[0]
        assert expected == pytest.approx(limit, rel=1e-4)


def test_gamma_gamma_recovers_simulated_parameters():
    rng = np.random.default_rng(11)
    n = 2000
    x = rng.integers(1, 10, n).astype(float)
    nu = rng.gamma(4.0, 1 / 15.0, n)
    m = np.array([rng.gamma(6.0, 1 / nu[i], int(x[i])).mean() for i in range(n)])
    fitted = clv.fit_gamma_gamma(x, m)
    assert fitted["p"] == pytest.approx(6.0, rel=0.2)
    assert fitted["q"] == pytest.approx(4.0, rel=0.25)
    # Shrinkage: a customer's expected spend lies between their mean and the population mean.
    population = fitted["p"] * fitted["v"] / (fitted["q"] - 1)
    mine = clv.gamma_gamma_expected(np.array([2.0]), np.array([500.0]), fitted, 0)[0]
    assert population < mine < 500


@pytest.mark.django_db
def test_predicted_lifetime_value_with_holdout_error(workspace):
    rng = np.random.default_rng(5)
    start = utc(2011, 1, 3, 12)
    purchases = {}  # customer → {day offset: spend}, one line a day
    for customer in range(60):
        price = Decimal(20 + customer % 7 * 5)
        purchases[f"C{customer}"] = {int(day): price for day in set(rng.integers(0, 300, 1 + customer % 5))}
        for day in purchases[f"C{customer}"]:
            SalesLineFactory(
                workspace=workspace,
                customer_id=f"C{customer}",
                invoice_date=start + dt.timedelta(days=day),
                quantity=1,
                unit_price=price,
            )
    predicted = analytics.lifetime_value(workspace, Period())["predicted"]
    assert predicted["available"] is True
    assert predicted["customers_fitted"] == 60
    assert predicted["repeat_customers"] == 48
    assert Decimal(predicted["total_predicted_clv"]) > 0
    assert sum(row["customers"] for row in predicted["by_segment"]) == 60

    # The holdout by hand: the last quarter of a history shorter than 360 days, the customers
    # seen by its start, their actual spend after it, and the naive baseline's error (each
    # customer's daily spend rate since the first purchase, carried over the holdout).
    first_day = min(min(days) for days in purchases.values())
    last_day = max(max(days) for days in purchases.values())
    holdout_days = (last_day - first_day + 1) // 4
    calibration_end = last_day - holdout_days
    seen = {customer: days for customer, days in purchases.items() if min(days) <= calibration_end}
    actual = {customer: sum(v for d, v in days.items() if d > calibration_end) for customer, days in seen.items()}
    naive_errors = [
        abs(
            sum(v for d, v in days.items() if d <= calibration_end) / (calibration_end - min(days) + 1) * holdout_days
            - actual[customer]
        )
        for customer, days in seen.items()
    ]
    holdout = predicted["holdout"]
    assert holdout["holdout_days"] == holdout_days >= clv.MIN_HOLDOUT_DAYS
    assert holdout["calibration_end"] == (start + dt.timedelta(days=calibration_end)).date().isoformat()
    assert holdout["customers"] == len(seen)
    assert Decimal(holdout["actual_total"]) == sum(actual.values())
    assert Decimal(holdout["naive_mae"]) == (sum(naive_errors) / len(seen)).quantize(Decimal("0.01"))
    # The model's error is its own: not nil on random purchases, and measured on the same customers.
    assert Decimal(holdout["mae"]) > 0
    # Origins 25 days apart (75 × 4 / 12 weeks' steps), latest first: the three steps a holdout
    # spans, then four more whose holdouts end by the latest calibration end. The latest's actual
    # total is the holdout's.
    ends = [calibration_end - 25 * k for k in range(7)]
    assert [origin["calibration_end"] for origin in holdout["origins"]] == [
        (start + dt.timedelta(days=end)).date().isoformat() for end in ends
    ]
    assert holdout["origins"][0]["actual_total"] == holdout["actual_total"]
    assert holdout["origins"][0]["predicted_total"] == holdout["uncalibrated_predicted_total"]
    # The scale is fitted on the four origins whose holdouts (75 days) end by the latest
    # calibration end (25 × 3 ≥ 75: the fourth to the seventh), the value scale on the latest four.
    earlier = holdout["origins"][3:]
    scale = sum(Decimal(o["actual_total"]) for o in earlier) / sum(Decimal(o["predicted_total"]) for o in earlier)
    assert Decimal(str(holdout["scale"])) == scale.quantize(Decimal("0.0001"))
    latest = holdout["origins"][:4]
    value_scale = sum(Decimal(o["actual_total"]) for o in latest) / sum(Decimal(o["predicted_total"]) for o in latest)
    assert Decimal(str(holdout["value_scale"])) == value_scale.quantize(Decimal("0.0001"))
    assert predicted["calibration_scale"] == holdout["value_scale"]
    calibrated = Decimal(holdout["uncalibrated_predicted_total"]) * scale
    assert abs(Decimal(holdout["predicted_total"]) - calibrated) <= Decimal("0.02")
    assert holdout["total_error_pct"] == pytest.approx(
        float((calibrated - sum(actual.values())) / sum(actual.values()) * 100), abs=0.01
    )
    mae, naive_mae = Decimal(holdout["mae"]), Decimal(holdout["naive_mae"])
    assert holdout["mae_vs_naive_pct"] == pytest.approx(float((mae / naive_mae - 1) * 100), abs=0.02)


@pytest.mark.django_db
def test_stored_clv_models_predict_what_a_fresh_fit_does(repeat_customers):
    days = analytics.customer_days(repeat_customers, Period())
    last_day = dt.date(2011, 10, 29)
    segments = {f"C{n}": "Loyal" for n in range(60)}
    models = clv.fit(days, last_day)
    assert set(models) == {"whole", "origins", "value_scale"}
    assert set(models["whole"]) == {"bgnbd", "gamma_gamma", "fallback"}
    assert clv.predict(days, last_day, segments=segments, models=models) == clv.predict(
        days, last_day, segments=segments
    )
    # The digest names the data whatever the order of the rows, and changes with any of them.
    digest = clv.inputs_digest(days, last_day)
    assert clv.inputs_digest(days.sample(frac=1, random_state=3), last_day) == digest
    changed = days.copy()
    changed.loc[0, "spend"] += 0.01
    assert clv.inputs_digest(changed, last_day) != digest
    assert clv.inputs_digest(days, last_day + dt.timedelta(days=1)) != digest


@pytest.mark.django_db
def test_clv_models_are_stored_per_workspace_and_data(repeat_customers, other_workspace):
    days = analytics.customer_days(repeat_customers, Period())
    last_day = dt.date(2011, 10, 29)
    first = analytics.clv_models(repeat_customers, days, last_day)
    again = analytics.clv_models(repeat_customers, days, last_day)
    assert (first.hit, again.hit, again.value) == (False, True, first.value)
    assert analytics.clv_models(other_workspace, days, last_day).hit is False
    assert analytics.clv_models(repeat_customers, days.iloc[1:], last_day).hit is False


def test_forecast_inputs_digest_changes_with_any_day():
    series = _weekly_series(60)
    digest = forecasting.inputs_digest(series)
    assert forecasting.inputs_digest(series.copy()) == digest
    changed = series.copy()
    changed.iloc[10] += 0.01
    assert forecasting.inputs_digest(changed) != digest
    assert forecasting.inputs_digest(series.iloc[1:]) != digest
    shifted = series.copy()
    shifted.index = shifted.index + pd.Timedelta(days=1)
    assert forecasting.inputs_digest(shifted) != digest
    assert forecasting.inputs_digest(series, horizon=30) != digest


def _weekly_series(days: int, noise: float = 0.0, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2011-01-03", periods=days, freq="D")
    pattern = np.array([100.0, 120.0, 140.0, 160.0, 90.0, 0.0, 60.0])
    values = pattern[index.day_of_week] * (1 + noise * rng.standard_normal(days))
    return pd.Series(np.clip(values, 0, None), index=index)


def test_seasonal_naive_is_exact_on_a_purely_weekly_series():
    result = forecasting.backtest(_weekly_series(120))
    assert result["origins"] == 8
    # No in-sample error to scale by; every open day's revenue is its forecast, inside both intervals.
    assert result["seasonal_naive"] == {
        "mae": 0.0,
        "mape": 0.0,
        "mase": None,
        "coverage_80": 100.0,
        "coverage_95": 100.0,
    }
    # Without a MASE, the lowest MAE wins: the baseline's is exactly 0.
    assert result["chosen"] == "seasonal_naive"
    assert result["mase_ratio"] is None


def test_error_measures_by_hand():
    actual = np.array([10.0, 0.0, 20.0])
    predicted = np.array([12.0, 5.0, 15.0])
    # MAE (2 + 5 + 5) / 3 = 4; MAPE over non-zero days (2/10 + 5/20) / 2 = 22.5 %; MASE 4 / 2 = 2.
    assert forecasting._errors(actual, predicted, np.full(3, 2.0)) == {"mae": 4.0, "mape": 22.5, "mase": 2.0}


def test_forecast_fit_has_ordered_intervals_backtest_and_holdout():
    series = _weekly_series(140, noise=0.1, seed=1)
    fit = forecasting.fit(series, horizon=30)
    assert len(fit["forecast"]) == 30
    assert fit["forecast"][0]["date"] == "2011-05-23"
    for day in fit["forecast"]:
        values = [Decimal(day[k]) for k in ("lower_95", "lower_80", "revenue", "upper_80", "upper_95")]
        assert values == sorted(values)
        assert values[0] >= 0
    assert set(fit["backtest"]) == {
        "origins",
        "horizon_days",
        "first_origin",
        "chosen",
        "model",
        "seasonal_naive",
        "mase_ratio",
        "candidates",
    }
    assert [row["name"] for row in fit["backtest"]["candidates"]] == list(forecasting.CANDIDATES)
    holdout = fit["holdout"]
    assert (holdout["train_days"], holdout["test_days"]) == (112, 28)
    assert holdout["model"]["accuracy_pct"] == pytest.approx(100 - holdout["model"]["mape"])
    assert holdout["original_dashboard_accuracy_pct"] == 63.6
    # A weekly pattern with 10 % noise is forecast well.
    assert holdout["model"]["mape"] < 25


def test_forecast_fits_on_the_last_three_years_of_a_longer_series(monkeypatch):
    """A century-wide range would be 47,000 days to fit on a request: the fit takes the last 1,095.
    Checked with a shorter limit, which fits in a tenth of the time."""
    assert forecasting.MAX_TRAINING_DAYS == 1095
    monkeypatch.setattr(forecasting, "MAX_TRAINING_DAYS", 200)
    series = _weekly_series(500, noise=0.1, seed=2)
    fit = forecasting.fit(series, horizon=7)
    assert fit["training_days"] == 200
    assert fit["holdout"]["train_days"] == int(200 * 0.8)
    assert fit["forecast"][0]["date"] == (series.index[-1] + pd.Timedelta(days=1)).date().isoformat()
    assert fit == {
        **forecasting.fit(series.iloc[-200:], horizon=7),
        "fitted_at": fit["fitted_at"],
        "fit_seconds": fit["fit_seconds"],
    }


@pytest.mark.django_db
def test_daily_revenue_is_zero_filled_in_the_workspace_time_zone(workspace):
    workspace.timezone = "Europe/Berlin"
    workspace.save()
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 1, 23, 30), quantity=1, unit_price=Decimal("5"))
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 4, 10), quantity=1, unit_price=Decimal("7"))
    series, _ = analytics.daily_revenue(workspace, Period())
    assert list(series.index.strftime("%Y-%m-%d")) == ["2011-01-02", "2011-01-03", "2011-01-04"]
    assert list(series) == [5.0, 0.0, 7.0]


@pytest.mark.django_db
def test_warming_caches_every_main_insight_and_the_forecast(shop, monkeypatch):
    calls = []
    original = get_insight("ecommerce.forecast").compute
    replace_compute(monkeypatch, "ecommerce.forecast", lambda *a, **k: calls.append(a) or original(*a, **k))
    # The whole history and the dashboards' default range (last 30 days of data), then the forecast.
    warmed = len(tasks.WARM) + len(tasks.WARM_DEFAULT_RANGE) + 1
    assert tasks.warm_workspace_caches(shop.id) == {"workspace_id": shop.id, "warmed": warmed}
    assert len(calls) == 1
    # Everything the task warmed is now read from the cache without computing.
    replace_compute(monkeypatch, "ecommerce.kpis", lambda *a, **k: pytest.fail("recomputed"))
    assert get_insight("ecommerce.kpis").run(shop, {"period": Period(), "compare": "previous"}).hit
    assert get_insight("ecommerce.forecast").run(shop, {"period": Period(), "periods": 30}).hit


@pytest.mark.django_db
def test_warm_all_caches_queues_workspaces_with_data(shop, other_shop, workspace, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.warm_workspace_caches, "delay", queued.append)
    assert tasks.warm_all_caches() == 2
    assert sorted(queued) == sorted([shop.id, other_shop.id])


@pytest.mark.django_db
def test_tasks_skip_a_workspace_that_no_longer_exists():
    assert tasks.warm_workspace_caches(987654)["skipped"]
    assert tasks.fit_forecast(987654)["skipped"]


@pytest.mark.django_db
def test_an_import_signal_warms_the_workspace(shop, monkeypatch):
    orders_imported.send(sender=None, workspace_id=shop.id, job_id=1)  # Celery is eager here
    replace_compute(monkeypatch, "ecommerce.kpis", lambda *a, **k: pytest.fail("recomputed"))
    assert get_insight("ecommerce.kpis").run(shop, {"period": Period(), "compare": "previous"}).hit
    assert get_insight("ecommerce.forecast").run(shop, {"period": Period(), "periods": 30}).hit


@pytest.mark.django_db
def test_each_customers_own_predicted_value_adds_up_to_the_lifetime_values(repeat_customers, owner, client):
    predicted = analytics.lifetime_value(repeat_customers, Period())["predicted"]
    detail = {f"C{n}": analytics.customer_detail(repeat_customers, Period(), f"C{n}")["predicted"] for n in range(60)}
    assert {value["horizon_days"] for value in detail.values()} == {365}
    # Each customer's value is a share of the same calibrated prediction: they add up to the
    # total and, per segment, average to the segment's figure (each rounded to the cent).
    values = {customer: Decimal(value["predicted_clv"]) for customer, value in detail.items()}
    assert abs(sum(values.values()) - Decimal(predicted["total_predicted_clv"])) <= Decimal("0.005") * 60
    frame, _ = analytics.rfm_frame(repeat_customers, Period())
    segments = dict(zip(frame["customer_id"], frame["segment"], strict=True))
    for row in predicted["by_segment"]:
        members = [values[customer] for customer, segment in segments.items() if segment == row["segment"]]
        if members:
            assert abs(sum(members) / len(members) - Decimal(row["avg_predicted_clv"])) <= Decimal("0.005")
    assert all(value["expected_purchases"] > 0 for value in detail.values())
    # The page shows the customer's own figure, in the workspace's currency.
    client.force_login(owner)
    html = client.get("/ecommerce/customers/C4/", {"preset": "all"}).content.decode()
    shown = numbers.format_money(detail["C4"]["predicted_clv"], repeat_customers.currency)
    assert f'<dd id="predicted-value">{shown} <span class="sub">({detail["C4"]["expected_purchases"]} expected' in html
