from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Coffee-shop catalog"
    demo_loader = "catalog.demo.load"  # manage.py demo (config.demo)
    demo_order = 40

    def ready(self) -> None:
        from catalog import signals

        signals.connect()
