from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Alerts, digests, share links and annotations over every app's figures.

    It reads figures only through the insight registry (``config.insights``), so it imports no
    other analytics app and none imports it (tests/config/test_import_graph.py).
    """

    name = "reports"
    verbose_name = "Reports: alerts, digests, share links, annotations"

    def ready(self) -> None:
        # Registered on import: the receiver of automatic marks and the charts' mark source.
        from reports import annotations  # noqa: F401
