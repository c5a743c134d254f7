from django.apps import AppConfig


class ApimetricsConfig(AppConfig):
    name = "apimetrics"
    verbose_name = "API metrics"
