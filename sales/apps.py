from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales and ROAS"

    def ready(self) -> None:
        from sales import receivers  # noqa: F401  (saves and deletes move the cached figures)
