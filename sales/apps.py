from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales and ROAS"
    demo_loader = "sales.demo.load"  # manage.py demo (config.demo)
    demo_order = 10

    def ready(self) -> None:
        from sales import insights, receivers  # noqa: F401  (registers the insights; writes move the cached figures)
