from django.apps import AppConfig


class ApimetricsConfig(AppConfig):
    name = "apimetrics"
    verbose_name = "API metrics"

    def ready(self) -> None:
        from apimetrics import receivers  # noqa: F401  (forgets the cached lookup of deleted keys)
