import pytest

from config import job_runs
from config.throttling import resilient_cache
from tests.ops import tasks  # registers the test-only tasks


@pytest.fixture(autouse=True)
def _fresh_ops_state():
    job_runs.reset_registry_cache()
    resilient_cache.reset()
    tasks.CALLS.clear()
    yield
    job_runs.reset_registry_cache()
    resilient_cache.reset()
