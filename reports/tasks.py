"""Celery tasks of the reports app: thin, by id, idempotent (routed to the reports queue)."""

from celery import shared_task

from config.queue import fan_out
from reports.alert_delivery import attempt_delivery, send_incident_email
from reports.digests import digest_send, digests_due

# Webhook deliveries retry on their own schedule: a receiver that is down for a while is tried
# again after 30 s, 1, 2, 4, 8 and 16 minutes, then the delivery is marked failed.
DELIVERY_RETRIES = 6
DELIVERY_BACKOFF_S = 30


@shared_task(name="reports.tasks.evaluate_alerts", soft_time_limit=4 * 60, time_limit=5 * 60)
def evaluate_alerts() -> int:
    """Beat's round every five minutes: evaluate the rules that are due."""
    # Imported here: the services send this module's tasks.
    from reports.alert_services import evaluate_due

    return evaluate_due()


@shared_task(name="reports.tasks.send_alert_email")
def send_alert_email(incident_id: int, event: str) -> int:
    return send_incident_email(incident_id, event)


@shared_task(bind=True, name="reports.tasks.deliver_webhook", max_retries=DELIVERY_RETRIES, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> object:
    last = self.request.retries >= DELIVERY_RETRIES
    if attempt_delivery(delivery_id, last=last):
        return None
    # A worker raises Retry (the task's state says so); run eagerly (the embedded default, tests)
    # Celery re-applies a *returned* Retry at once, while a raised one would propagate as an error.
    return self.retry(countdown=DELIVERY_BACKOFF_S * 2**self.request.retries, throw=not self.request.is_eager)


# --- digests --------------------------------------------------------------------------------
DIGEST_OPTIONS = {"max_retries": 3, "soft_time_limit": 5 * 60, "time_limit": 6 * 60}


@shared_task(name="reports.tasks.send_digest", **DIGEST_OPTIONS)
def send_digest(subscription_id: int) -> bool:
    """Send one subscription's due digest; a second run for the same period sends nothing."""
    return digest_send(subscription_id=subscription_id)


@shared_task(name="reports.tasks.send_due_digests", **DIGEST_OPTIONS)
def send_due_digests() -> int:
    """Hourly: fan out a task per subscription whose digest is due."""
    return fan_out(send_digest, digests_due())
