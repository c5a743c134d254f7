"""Settings of the catalog benchmark server: the product's settings, plus a bench-only URLconf
(the bare baseline view) and plain static storage (no collectstatic needed for /menu/)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "catalog_urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
