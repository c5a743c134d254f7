from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales and ROAS"
    demo_loader = "sales.demo.load"  # manage.py demo (config.demo)
    demo_order = 10
    onboarding_step = "sales.onboarding.STEP"  # a new workspace's next steps (config.onboarding)

    def ready(self) -> None:
        from config.cache import bump_on_change
        from sales import insights, receivers  # noqa: F401  (registered on import)
        from sales.models import InsightReport, QualityReport, SalesRecord, Store
        from sales.services import CACHE_NAMESPACE, REPORTS_NAMESPACE

        for model in (Store, SalesRecord):
            bump_on_change(model, CACHE_NAMESPACE)
        for model in (InsightReport, QualityReport):  # the latest report is cached
            bump_on_change(model, REPORTS_NAMESPACE)
