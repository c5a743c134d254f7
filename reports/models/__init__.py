"""The reports app's models, one module per capability, all importable from ``reports.models``."""

from reports.models.alerts import AlertRule, Incident, Webhook, WebhookDelivery
from reports.models.annotations import Annotation
from reports.models.digests import DigestSubscription
from reports.models.sharing import ShareLink

__all__ = ["AlertRule", "Annotation", "DigestSubscription", "Incident", "ShareLink", "Webhook", "WebhookDelivery"]
