"""The reports app's models, one module per capability, all importable from ``reports.models``."""

from reports.models.alerts import AlertRule, Incident, Webhook, WebhookDelivery

__all__ = ["AlertRule", "Incident", "Webhook", "WebhookDelivery"]
