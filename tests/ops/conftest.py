import pytest

from config import jobs
from config.throttling import resilient_cache
from tests.ops import tasks  # registers the test-only tasks


@pytest.fixture(autouse=True)
def _fresh_ops_state():
    jobs.reset_registry_cache()
    resilient_cache.reset()
    tasks.CALLS.clear()
    yield
    jobs.reset_registry_cache()
    resilient_cache.reset()
