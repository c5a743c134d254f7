from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Coffee-shop catalog"

    def ready(self) -> None:
        from catalog import signals

        signals.connect()
