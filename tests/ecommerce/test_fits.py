"""Fitted models outlive the process and the cache that made them (ecommerce.fits).

With the embedded default's local-memory cache, `make demo` fitted the models in its own process,
and the server's first customers and forecast pages fitted them again. Clearing the cache is what
a new process sees; the fits must be found in the database all the same.
"""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import structlog
import time_machine
from django.core.cache import cache

from ecommerce import clv, fits, forecasting, tasks
from ecommerce.models import ModelFit
from tests.ecommerce.conftest import utc
from tests.ecommerce.factories import SalesLineFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ecommerce/"
ROOT = Path(__file__).resolve().parents[2]


def _refuse_fitting(monkeypatch):
    def fitted(*args, **kwargs):
        raise AssertionError("fitted again although a fit of these data is stored")

    monkeypatch.setattr(forecasting, "fit", fitted)
    monkeypatch.setattr(clv, "fit", fitted)


def _fits(logs) -> list[str]:
    return sorted(entry["model"] for entry in logs if entry["event"] == "model_fitted")


def test_the_warmings_fits_are_read_from_the_database_by_a_process_with_an_empty_cache(
    repeat_customers, owner, api_as, monkeypatch
):
    with structlog.testing.capture_logs() as logs:
        tasks.warm_workspace_caches(repeat_customers.id)
    assert _fits(logs) == ["clv", "forecast"]
    stored = dict(ModelFit.objects.filter(workspace=repeat_customers).values_list("name", "computed_at"))
    assert sorted(stored) == ["clv_models", "forecast_model"]
    warmed_ltv = api_as(owner).get(BASE + "customers/lifetime-value").json()

    cache.clear()  # a new process: its local-memory cache holds nothing
    _refuse_fitting(monkeypatch)
    client = api_as(owner)
    forecast = client.get(BASE + "forecast", {"periods": 7}).json()
    assert forecast["fit"] == {"source": "stored", "fitted_at": forecast["fitted_at"]}
    assert len(forecast["forecast"]) == 7
    ltv = client.get(BASE + "customers/lifetime-value").json()
    assert ltv["predicted"] == warmed_ltv["predicted"]
    assert ModelFit.objects.filter(workspace=repeat_customers).count() == 2


def test_a_fit_is_stored_under_the_digest_of_its_data_and_kept_once(workspace, owner, api_as):
    for i in range(40):
        SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 1, 3, 12) + dt.timedelta(days=i), quantity=1)
    client = api_as(owner)
    first = client.get(BASE + "forecast").json()
    assert first["fit"]["source"] == "request"
    row = ModelFit.objects.get(workspace=workspace, name="forecast_model")
    assert row.value["fitted_at"] == first["fitted_at"]
    assert len(row.inputs) == 64
    # The same data fitted again by another process (its cache empty, the row there): one row.
    cache.clear()
    fits.DatabaseFitStore().put(workspace.id, "forecast_model", row.inputs, {"other": 1}, row.computed_at)
    assert ModelFit.objects.get(workspace=workspace, name="forecast_model").value == row.value
    # New data: a new digest, a new fit beside the old one.
    SalesLineFactory(workspace=workspace, invoice_date=utc(2011, 2, 12, 12), quantity=1, unit_price=Decimal("9"))
    cache.clear()
    assert client.get(BASE + "forecast").json()["fit"]["source"] == "request"
    assert ModelFit.objects.filter(workspace=workspace, name="forecast_model").count() == 2


def test_fits_not_made_for_thirty_days_are_deleted_before_the_nightly_warming(repeat_customers):
    now = dt.datetime(2026, 3, 10, 3, 30, tzinfo=dt.UTC)
    for age_days, inputs in ((31, "a" * 64), (29, "b" * 64)):
        ModelFit.objects.create(
            workspace=repeat_customers,
            name="forecast_model",
            inputs=inputs,
            value={},
            computed_at=now - dt.timedelta(days=age_days),
        )
    with time_machine.travel(now, tick=False):
        assert fits.delete_old_fits() == 1
        assert list(ModelFit.objects.values_list("inputs", flat=True)) == ["b" * 64]
        with structlog.testing.capture_logs() as logs:
            assert tasks.warm_all_caches() == 1  # queues (here: runs) the warming of the one workspace
    assert _fits(logs) == ["clv", "forecast"]
    assert ModelFit.objects.filter(computed_at=now).count() == 2


@pytest.mark.slow
def test_fits_made_by_one_process_serve_the_next(tmp_path):
    """What `make demo` then `runserver` do: two processes, each with its own local-memory cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST", "DJANGO"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'fits.sqlite3'}", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"PULSE_ENV": "development", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    run("manage.py", "migrate", "--noinput")
    setup = (
        "import django; django.setup(); import datetime as dt; from decimal import Decimal;"
        "from accounts.models import User; from accounts import services; from ecommerce import tasks;"
        "from tests.ecommerce.factories import SalesLineFactory;"
        "u = User.objects.create_user(email='fit@pulse.test', password='x-long-pass-1');"
        "w = services.workspace_create(owner=u, name='Fits', slug='fits');"
        "start = dt.datetime(2011, 1, 3, 12, tzinfo=dt.UTC);"
        "[SalesLineFactory(workspace=w, invoice_date=start + dt.timedelta(days=i), quantity=1,"
        " unit_price=Decimal(10 + i % 7)) for i in range(60)];"
        "tasks.fit_forecast(w.id)"
    )
    run("-c", setup)
    read = (
        "import django; django.setup(); from accounts.models import Workspace; from config.periods import Period;"
        "from ecommerce import analytics, forecasting;"
        "forecasting.fit = None;"  # calling it would fail: the fit must come from the database
        "fit, model = analytics.forecast_model(Workspace.objects.get(slug='fits'), Period());"
        "print('HIT', model.hit, len(fit['forecast']))"
    )
    assert run("-c", read).split()[-3:] == ["HIT", "True", "365"]
