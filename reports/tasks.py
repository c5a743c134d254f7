"""Celery tasks of the reports app: thin, by id, idempotent (routed to the reports queue)."""

from celery import shared_task

from reports.alert_delivery import attempt_delivery, send_incident_email

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
