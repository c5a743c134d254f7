from django.apps import AppConfig


class PulseConfig(AppConfig):
    """The project itself as an app: its management commands (``demo``, ``sync_beat_schedule``)
    and its system checks. It has no models."""

    name = "config"
    verbose_name = "Pulse"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers Pulse's deploy checks)
