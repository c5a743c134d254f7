"""Settings of the benchmark server: Pulse's, plus a bare view to measure the server itself."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
