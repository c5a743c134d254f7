"""The forecast and the predicted customer value on the real Online Retail file, against the
goals of issue 29. Where a goal is out of reach the test pins what is reached (the README and
``bench/ecommerce.py --section models`` give the figures)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.periods import Period
from ecommerce import analytics, clv, forecasting, services
from ecommerce.closed_days import country_of
from ecommerce.models import ImportJob
from tests.factories import WorkspaceFactory

DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "online-retail.csv.gz"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.exists(), reason=f"the real data file is absent ({DATA})"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the real-data import runs on PostgreSQL only"),
]


@pytest.fixture
def real_shop():
    workspace = WorkspaceFactory(slug="uk", timezone="Europe/London", currency="GBP")
    job = ImportJob.objects.create(workspace=workspace, source_name=DATA.name)
    with DATA.open("rb") as file:
        job = services.import_job_run(job=job, file=file)
    assert job.status == "succeeded", job.error
    return workspace


def test_the_forecast_and_the_customer_value_on_the_real_file(real_shop):
    series, _ = analytics.daily_revenue(real_shop, Period())
    fit = forecasting.fit(series, country=country_of(real_shop.timezone))
    _check_forecast(fit)
    days = analytics.customer_days(real_shop, Period())
    last_day = dt.date(2011, 12, 9)
    _check_customer_value(clv.holdout_error(days, last_day, clv.fit(days, last_day)["origins"]))


def _check_forecast(fit: dict) -> None:
    assert fit["closed_days"] == {
        "weekdays": ["Saturday"],
        "year_end": ["01-01", "01-02", "01-03", "12-24", "12-25", "12-26", "12-27", "12-28", "12-29", "12-30", "12-31"],
        "country": "GB",
        "public_holidays_closed": True,
    }
    by_day = {day["date"]: day for day in fit["forecast"]}
    saturdays = [day for day in fit["forecast"] if dt.date.fromisoformat(day["date"]).weekday() == 5]
    assert len(saturdays) == 53  # 10 December 2011 to 8 December 2012
    for day in [*saturdays, by_day["2011-12-25"], by_day["2012-01-02"]]:
        assert [day[name] for name in ("revenue", "lower_80", "upper_80", "lower_95", "upper_95")] == ["0.00"] * 5
    backtest = fit["backtest"]
    # Eight origins a week apart, each scored over the 30 days the page forecasts. The seasonal
    # naive's MASE is 1.351 at this horizon (the 1.237 was at 7 days).
    assert (backtest["origins"], backtest["horizon_days"], backtest["first_origin"]) == (8, 30, "2011-09-22")
    assert backtest["seasonal_naive"]["mase"] == 1.351
    assert backtest["chosen"] == "local_12w_weekdays_52w"
    # Goal ≤ 0.90: reached, 0.685 (0.926 against 1.351; 0.983 for the 12-week local trend, which
    # won at the 7-day horizon, 0.893 there, where this model scored 0.935).
    assert backtest["model"]["mase"] == 0.926
    assert backtest["mase_ratio"] == 0.685
    # Coverage within 10 points of nominal: reached, 88.9 % and 92.8 % (91.3 % and 97.6 % with
    # the residuals' quantiles not scaled to the day's level, 91.8 % for the 80 % of a normal band).
    assert (backtest["model"]["coverage_80"], backtest["model"]["coverage_95"]) == (88.9, 92.8)
    # Goal ≥ 75 %: reached, 75.94 % (73.08 % for the 12-week local trend, 68.3 % in the issue,
    # 52.14 % for the seasonal naive).
    assert fit["holdout"]["model"]["accuracy_pct"] == 75.94
    assert fit["holdout"]["seasonal_naive"]["accuracy_pct"] == 52.14


def _check_customer_value(holdout: dict) -> None:
    assert (holdout["calibration_end"], holdout["holdout_days"]) == ("2011-09-16", 84)
    assert Decimal(holdout["actual_total"]) == Decimal("2685531.10")
    # Goal: MAE at least 20 % below the naive baseline's: reached. The same code and file gave
    # the models' MAE as 582.45 on one machine and 582.52 on another, each on every run (the
    # cause, outside the code, is not found); the naive baseline fits nothing and is exact.
    assert Decimal(holdout["naive_mae"]) == Decimal("1061.10")
    assert float(holdout["mae"]) == pytest.approx(582.45, abs=0.5)
    assert holdout["mae_vs_naive_pct"] == pytest.approx(-45.11, abs=0.05)
    # Goal: total error within ±15 %: out of reach. Calibrated only on the origins whose holdouts
    # end by 2011-09-16 (spring and summer: ×1.1324), the autumn peak of the holdout is unseen:
    # −35.9 % (−43.4 % uncalibrated). The −25.4 % before took its factor from origins whose
    # holdouts ran into the checked one.
    assert holdout["scale"] == pytest.approx(1.1324, abs=0.001)
    assert holdout["total_error_pct"] == pytest.approx(-35.87, abs=0.1)
    assert holdout["uncalibrated_total_error_pct"] == pytest.approx(-43.37, abs=0.1)
