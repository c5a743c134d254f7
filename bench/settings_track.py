"""Settings for bench/track.py's gunicorn: Pulse's settings plus a bench-only URLconf (a bare view
to measure the framework's own limit) and no rate limit. Never used outside the benchmark."""

from config.settings import *  # noqa: F403

DEBUG = False  # no query log in memory; the rest of the production-like settings as they are
ROOT_URLCONF = "bench.urls_track"
APIMETRICS_RATE_LIMIT_PER_MINUTE = 10**12
