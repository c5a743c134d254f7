from django.apps import AppConfig


class ApimetricsConfig(AppConfig):
    name = "apimetrics"
    verbose_name = "API metrics"
    demo_loader = "apimetrics.demo.load"  # manage.py demo (config.demo)
    demo_order = 30
    onboarding_step = "apimetrics.onboarding.STEP"  # a new workspace's next steps (config.onboarding)

    def ready(self) -> None:
        # Registered on import: the insights, the limits' system check, forgetting deleted keys.
        from apimetrics import checks, insights, receivers  # noqa: F401
