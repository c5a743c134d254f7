"""The forecast's closed days, candidates and model choice, on hand-built series."""

import numpy as np
import pandas as pd
import pytest

from ecommerce import closed_days, forecast_models, forecasting

PATTERN = np.array([100.0, 120.0, 140.0, 160.0, 90.0, 0.0, 60.0])  # Monday first; closed on Saturday


def _shop(start: str, end: str) -> pd.Series:
    """The weekly pattern from ``start`` to ``end``, closed over the year end and on 18 January."""
    index = pd.date_range(start, end, freq="D")
    values = PATTERN[index.day_of_week]
    values[(index >= "2010-12-24") & (index <= "2011-01-03")] = 0.0
    values[index == "2011-01-18"] = 0.0  # a Tuesday without sales: one day, not a closure
    return pd.Series(values, index=index)


def test_closed_days_are_learned_from_weekdays_the_year_end_and_holidays():
    series = _shop("2010-12-01", "2011-05-31")
    # Three of the four GB holidays after the year end had no sales: Good Friday 22 April, the
    # royal wedding 29 April and 30 May; May Day, 2 May, had its Monday's 100.
    series["2011-04-22"] = series["2011-04-29"] = series["2011-05-30"] = 0.0
    learned = closed_days.learn(series, "GB")
    assert learned.as_json() == {
        "weekdays": ["Saturday"],
        "year_end": ["01-01", "01-02", "01-03", "12-24", "12-25", "12-26", "12-27", "12-28", "12-29", "12-30", "12-31"],
        "country": "GB",
        "public_holidays_closed": True,
    }
    days = pd.DatetimeIndex(
        ["2011-12-23", "2011-12-24", "2011-12-26", "2012-01-03", "2012-01-04", "2012-04-06", "2012-04-10"]
    )
    # Friday open; Saturday; Boxing Day and 3 January (year end); Wednesday open; Good Friday
    # (a holiday); Tuesday open.
    assert learned.mask(days).tolist() == [False, True, True, True, False, True, False]


def test_holidays_stay_open_when_the_shop_sold_on_most_of_them():
    series = _shop("2010-12-01", "2011-05-31")
    series["2011-04-22"] = 0.0  # one of four holidays closed
    learned = closed_days.learn(series, "GB")
    assert learned.holidays_closed is False
    assert learned.mask(pd.DatetimeIndex(["2012-04-06"])).tolist() == [False]


def test_a_weekday_closes_after_eight_weeks_without_sales():
    series = _shop("2011-02-01", "2011-05-31")
    sundays = series.index.day_of_week == 6
    series[sundays & (series.index > "2011-04-05")] = 0.0  # the last 8 Sundays: 10 April to 29 May
    assert closed_days.learn(series, None).weekdays == (5, 6)
    series["2011-04-10"] = 60.0  # one Sunday open among the last eight
    assert closed_days.learn(series, None).weekdays == (5,)


def test_the_country_comes_from_the_time_zone():
    assert [closed_days.country_of(zone) for zone in ("Europe/London", "Europe/Berlin", "UTC")] == ["GB", "DE", None]
    assert closed_days.public_holidays(None, range(2011, 2012)) == set()
    assert closed_days.public_holidays("ZZ", range(2011, 2012)) == set()  # a code the package lacks
    assert len(closed_days.public_holidays("GB", range(2011, 2012))) == 9  # with the royal wedding


def test_seasonal_naive_bands_by_hand():
    # Two weeks: the second is the first plus 10 on Monday and minus 10 on Tuesday, so the
    # open days' same-weekday differences are 10, −10 and four zeros: σ = √(200 / 6) = 5.7735.
    index = pd.date_range("2011-01-03", periods=14, freq="D")
    values = np.r_[PATTERN, PATTERN + np.array([10.0, -10.0, 0, 0, 0, 0, 0])]
    train = pd.Series(values, index=index)
    days = pd.date_range("2011-01-17", periods=8, freq="D")
    bands = forecast_models.seasonal_naive(train, days, closed_days.ClosedDays((5,), (), False, None))
    sigma = np.sqrt(200 / 6)
    assert bands[0].tolist() == [110.0, 110.0, 140.0, 160.0, 90.0, 0.0, 60.0, 110.0]
    assert bands[1, 0] == pytest.approx(110 - 1.2815515655446004 * sigma)
    assert bands[4, 0] == pytest.approx(110 + 1.959963984540054 * sigma)
    # The second Monday is two weeks ahead: the spread grows by √2.
    assert bands[4, 7] - bands[0, 7] == pytest.approx(1.959963984540054 * sigma * np.sqrt(2))
    assert bands[:, 5].tolist() == [0.0] * 5  # Saturday closed


def test_coverage_counts_the_days_forecast_open():
    actual = np.array([10.0, 20.0, 0.0, 40.0])
    # revenue, lower 80, upper 80, lower 95, upper 95; the third day is forecast closed.
    bands = np.array(
        [
            [12.0, 18.0, 0.0, 30.0],
            [9.0, 21.0, 0.0, 35.0],
            [15.0, 25.0, 0.0, 45.0],
            [5.0, 15.0, 0.0, 25.0],
            [20.0, 30.0, 0.0, 50.0],
        ]
    )
    # 80 %: 10 in [9, 15], 20 not in [21, 25], 40 in [35, 45]: 2 of 3; 95 %: all 3.
    assert forecasting._coverage(actual, bands) == {"coverage_80": 66.7, "coverage_95": 100.0}


def _noisy_level(days: int, noise: float, seed: int) -> pd.Series:
    """A constant weekly pattern times independent noise: last week's value carries last week's
    noise too, so the seasonal-naive error has twice the noise's variance, and a model that
    averages the weeks must beat it."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2011-01-03", periods=days, freq="D")
    values = PATTERN[index.day_of_week] * np.exp(noise * rng.standard_normal(days))
    return pd.Series(values, index=index)


def test_the_backtest_chooses_a_model_over_the_seasonal_naive_on_noise_around_a_level():
    fit = forecasting.fit(_noisy_level(182, 0.25, seed=4), horizon=14)
    backtest = fit["backtest"]
    assert backtest["chosen"] != "seasonal_naive"
    assert fit["model_name"] == backtest["chosen"]
    assert fit["model"] == forecast_models.LABELS[backtest["chosen"]]
    chosen = next(row for row in backtest["candidates"] if row["name"] == backtest["chosen"])
    assert {key: chosen[key] for key in backtest["model"]} == backtest["model"]
    # The best MASE of the candidates, and well under the baseline's (1/√2 ≈ 0.71 in theory).
    assert backtest["model"]["mase"] == min(row["mase"] for row in backtest["candidates"])
    assert backtest["mase_ratio"] == round(backtest["model"]["mase"] / backtest["seasonal_naive"]["mase"], 3)
    assert backtest["mase_ratio"] < 0.85
    # Saturdays, closed in every week of the history, are forecast as 0 with a zero-width interval.
    for day in fit["forecast"]:
        saturday = pd.Timestamp(day["date"]).day_of_week == 5
        bands = [day[name] for name in forecast_models.BANDS]
        assert (bands == ["0.00"] * 5) is saturday, day


def test_the_local_trend_follows_the_last_weeks_only_and_damps_its_slope():
    # Twelve weeks of the weekly pattern growing 1 % a day, after eight weeks three times as high
    # on no trend at all: the 12-week window sees only the growth, which it fits exactly.
    index = pd.date_range("2011-01-03", periods=20 * 7, freq="D")
    elapsed = np.asarray((index - index[-1]).days, dtype=float)
    values = PATTERN[index.day_of_week] * np.where(index < index[-84], 3.0, np.exp(0.01 * elapsed))
    closed = closed_days.ClosedDays((5,), (), False, None)
    days = pd.date_range(index[-1] + pd.Timedelta(days=1), periods=8, freq="D")
    bands = forecast_models.local_trend(12)(pd.Series(values, index=index), days, closed)
    # h days ahead the log level rises by 0.01 × (0.98 + 0.98² + … + 0.98ʰ) = 0.01 × 49 × (1 − 0.98ʰ).
    ahead = np.arange(1, 9)
    expected = PATTERN[days.day_of_week] * np.exp(0.01 * 49 * (1 - 0.98**ahead))
    assert days[0].day_name() == "Monday"
    assert bands[0] == pytest.approx(expected, rel=1e-9)
    assert bands[0, 0] == pytest.approx(100 * np.exp(0.0098), rel=1e-9)  # 100.98482
    assert bands[:, 5].tolist() == [0.0] * 5  # Saturday closed
    # An exact fit leaves no residual spread: every interval collapses onto the forecast.
    assert bands[1:] == pytest.approx(np.vstack([bands[0]] * 4), rel=1e-6)


def test_the_local_trend_bounds_its_intervals_by_its_residuals_quantiles():
    # Twelve weeks of the pattern, each open day 1 % above or below it in turn, and four days of
    # a bulk order (e times the pattern): a normal band would take its width from the four
    # (a σ of about 0.25 in logs, an 80 % band of ±32 %); the residuals' own 10th and 90th
    # percentiles are those of the many small days (which the four lift by 1/12 in logs on their
    # weekdays): an 80 % band under ±20 %, while the 97.5th percentile is a bulk order's. The band
    # is relatively wider on a quieter weekday: a day's spread shrinks as its level grows.
    index = pd.date_range("2011-01-03", periods=12 * 7, freq="D")
    noise = np.where(np.arange(len(index)) % 2, 0.01, -0.01)
    noise[[10, 30, 50, 70]] = 1.0
    values = PATTERN[index.day_of_week] * np.exp(noise)
    closed = closed_days.ClosedDays((5,), (), False, None)
    days = pd.date_range(index[-1] + pd.Timedelta(days=1), periods=7, freq="D")
    forecast, lower_80, upper_80, lower_95, upper_95 = forecast_models.local_trend(12)(
        pd.Series(values, index=index), days, closed
    )
    open_days = days.day_of_week != 5
    assert (upper_80[open_days] / forecast[open_days] < np.exp(0.2)).all()
    assert (forecast[open_days] / lower_80[open_days] < np.exp(0.2)).all()
    by_level = np.argsort(forecast[open_days])
    assert (np.diff(np.log(upper_80[open_days] / forecast[open_days])[by_level]) < 0).all()
    # Relative to the shop's own levels: the same days in a currency a thousand times smaller.
    scaled = forecast_models.local_trend(12)(pd.Series(values * 1000, index=index), days, closed)
    assert scaled == pytest.approx(1000 * np.vstack([forecast, lower_80, upper_80, lower_95, upper_95]), rel=1e-9)
    assert (upper_95[open_days] / forecast[open_days] > np.exp(0.5)).all()
    assert (lower_95 <= lower_80).all()


def test_the_local_trend_is_left_out_without_a_day_to_spare_for_its_residuals():
    # One week: six open days against seven columns (the level, the slope, five weekday effects).
    train = pd.Series(PATTERN, index=pd.date_range("2011-01-03", periods=7, freq="D"))
    days = pd.date_range("2011-01-10", periods=7, freq="D")
    closed = closed_days.ClosedDays((5,), (), False, None)
    with pytest.raises(ValueError, match="too few open days in the last 8 weeks"):
        forecast_models.local_trend(8)(train, days, closed)
    assert list(forecast_models.predict(("seasonal_naive", "local_8w"), train, days, closed)) == ["seasonal_naive"]


def test_the_long_weekdays_trend_takes_its_weekdays_from_the_year_and_its_line_from_the_quarter():
    # Twenty weeks: the last twelve are the weekly pattern growing 1 % a day; the eight before
    # are three times as high, tilted by e^(−0.015 × weekday), so that over the twenty weeks each
    # weekday's mean log equals the pattern's plus one constant (12 × 0.01 × weekday of growth,
    # 8 × 0.015 × weekday of tilt): the weekday effects of the whole history are the pattern's,
    # and the line over the last twelve weeks is then an exact fit, as for the local trend.
    index = pd.date_range("2011-01-03", periods=20 * 7, freq="D")
    elapsed = np.asarray((index - index[-1]).days, dtype=float)
    weekday = np.asarray(index.day_of_week, dtype=float)
    early = index < index[-84]
    values = PATTERN[index.day_of_week] * np.where(early, 3.0 * np.exp(-0.015 * weekday), np.exp(0.01 * elapsed))
    closed = closed_days.ClosedDays((5,), (), False, None)
    days = pd.date_range(index[-1] + pd.Timedelta(days=1), periods=8, freq="D")
    model = forecast_models.MODELS["local_12w_weekdays_52w"]
    bands = model(pd.Series(values, index=index), days, closed)
    expected = PATTERN[days.day_of_week] * np.exp(0.01 * 49 * (1 - 0.98 ** np.arange(1, 9)))
    assert bands[0] == pytest.approx(expected, rel=1e-9)
    assert bands[1:] == pytest.approx(np.vstack([bands[0]] * 4), rel=1e-6)
    # Fridays twice as high in the eight early weeks only: the 12-week local trend does not see
    # them, this model forecasts a higher Friday (day 5 ahead).
    values[early & (index.day_of_week == 4)] *= 2
    series = pd.Series(values, index=index)
    assert forecast_models.local_trend(12)(series, days, closed)[0] == pytest.approx(expected, rel=1e-9)
    assert model(series, days, closed)[0, 4] > expected[4] * 1.05


def test_the_backtest_scores_thirty_days_from_origins_a_week_apart():
    # 100 days: the last origin is 30 days before the end, the others a week apart before it, as
    # many as leave the first one 28 days of history: (100 − 28 − 30) // 7 + 1 = 7, the first
    # at day 100 − 30 − 6 × 7 = 28.
    series = _noisy_level(100, 0.25, seed=4)
    backtest = forecasting.backtest(series)
    assert (backtest["origins"], backtest["horizon_days"]) == (7, 30)
    assert backtest["first_origin"] == series.index[28].date().isoformat() == "2011-01-31"
    # 40 days leave 12 after the first 28: one origin, scored over those 12 days.
    short = forecasting.backtest(series.iloc[:40])
    assert (short["origins"], short["horizon_days"], short["first_origin"]) == (1, 12, "2011-01-31")
    assert forecasting.backtest(series.iloc[:28]) is None  # nothing after the first 28 days
