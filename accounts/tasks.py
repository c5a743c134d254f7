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


@shared_task(name="accounts.tasks.send_password_reset", soft_time_limit=60, time_limit=90)
def send_password_reset(email: str, base_url: str | None = None) -> None:
    """Mail a reset link if an account uses ``email``. Run here, not in the request, so that
    the request does the same work whether or not it does; the result says nothing either."""
    from accounts.passwords import send_password_reset_email

    send_password_reset_email(email, base_url)


@shared_task(name="accounts.tasks.send_invitation_email", soft_time_limit=60, time_limit=90)
def send_invitation_email(invitation_id: int, base_url: str | None = None) -> bool:
    from accounts.invitations import send_invitation

    return send_invitation(invitation_id, base_url)


@shared_task(name="accounts.tasks.send_email_change", soft_time_limit=60, time_limit=90)
def send_email_change(user_id: int, new_email: str, base_url: str | None = None) -> None:
    from accounts.profile import send_email_change_email

    send_email_change_email(user_id, new_email, base_url)


@shared_task(name="accounts.tasks.build_workspace_export", soft_time_limit=25 * 60, time_limit=30 * 60)
def build_workspace_export(export_id: int) -> int | None:
    """Build the ZIP of a requested export; returns its size in bytes."""
    from accounts.exports import export_build

    export = export_build(export_id)
    return export.size_bytes if export is not None else None


@shared_task(name="accounts.tasks.expire_workspace_exports", soft_time_limit=10 * 60, time_limit=12 * 60)
def expire_workspace_exports() -> int:
    """Delete the files of exports past their expiry (they were never downloaded)."""
    from accounts.exports import exports_expire

    return exports_expire()
