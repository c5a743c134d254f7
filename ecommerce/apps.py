from django.apps import AppConfig


class EcommerceConfig(AppConfig):
    name = "ecommerce"
    verbose_name = "E-commerce analytics"
    demo_loader = "ecommerce.demo.load"  # manage.py demo (config.demo)
    demo_order = 20
    onboarding_step = "ecommerce.onboarding.STEP"  # a new workspace's next steps (config.onboarding)

    def ready(self) -> None:
        from config.cache import bump_on_change
        from ecommerce import insights, receivers  # noqa: F401  (registered, connected on import)
        from ecommerce.analytics import CACHE_NAMESPACE
        from ecommerce.models import LINE_MODELS

        for model in LINE_MODELS:
            bump_on_change(model, CACHE_NAMESPACE)
