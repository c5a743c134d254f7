from django.apps import AppConfig


class ApimetricsConfig(AppConfig):
    name = "apimetrics"
    verbose_name = "API metrics"
    demo_loader = "apimetrics.demo.load"  # manage.py demo (config.demo)
    demo_order = 30

    def ready(self) -> None:
        from apimetrics import checks, receivers  # noqa: F401  (limits' system check; forgets deleted keys' lookups)
