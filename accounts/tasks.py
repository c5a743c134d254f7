"""Celery tasks of the accounts app."""

import structlog
from celery import shared_task
from django.core.management import call_command
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import aware_utcnow

log = structlog.get_logger(__name__)


@shared_task(name="accounts.tasks.flush_expired_tokens", max_retries=3, soft_time_limit=10 * 60, time_limit=12 * 60)
def flush_expired_tokens() -> int:
    """Delete the refresh tokens past their expiry, and their blacklist entries with them
    (simplejwt's ``flushexpiredtokens``). Every login and every refresh (tokens rotate) records
    one, and an expired token is refused whether it is recorded or not. Returns how many had
    expired when the flush began."""
    expired = OutstandingToken.objects.filter(expires_at__lte=aware_utcnow()).count()
    call_command("flushexpiredtokens")
    log.info("expired_tokens_flushed", tokens=expired)
    return expired
