"""A user's own profile: their name, a change of email address, and the verification mail again.

A new address replaces the old one only once a signed link mailed to it is opened (or its token
sent to ``POST /api/v1/auth/verify-email``). The link works once: it names the address it moves
from and the moment of the account's last address change, and either differs after any
confirmed change. It expires like a verification link (``EMAIL_VERIFICATION_MAX_AGE``). The old
address is told of the change. Asking for an address another account uses answers the same and
mails that address a notice instead of a link, so the form tells nothing about other accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.mail import send_templated, site_link
from accounts.models import User
from config.errors import Conflict, Invalid
from config.queue import enqueue_on_commit
from config.services import model_update

log = structlog.get_logger(__name__)

EMAIL_CHANGE_SALT = "accounts.email-change"
BAD_LINK = "The token is invalid or has expired."


class EmailChangeUsed(Invalid):
    """A genuine email-change token that was used, or that a later change replaced."""

    code = "token_used"


def normalise_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


@transaction.atomic
def user_update(*, user: User, data: Mapping[str, Any], base_url: str | None = None) -> str | None:
    """Apply ``full_name`` now; an ``email`` different from the current one (with the right
    ``current_password``) starts a change. Returns the address a confirmation link goes to,
    else None."""
    data = dict(data)
    email, current_password = data.pop("email", None), data.pop("current_password", None)
    pending = None
    if email is not None and normalise_email(email) != user.email:
        if not current_password or not user.check_password(current_password):
            raise Invalid.on("current_password", "Enter your current password to change your email address.")
        pending = normalise_email(email)
        from accounts.tasks import send_email_change

        enqueue_on_commit(send_email_change, user.pk, pending, base_url)
        log.info("email_change_requested", user_id=user.pk)
    model_update(instance=user, fields=["full_name"], data=data)
    return pending


def email_change_token(user: User, new_email: str) -> str:
    since = user.email_changed_at.isoformat() if user.email_changed_at else ""
    return signing.dumps({"uid": user.pk, "old": user.email, "new": new_email, "since": since}, salt=EMAIL_CHANGE_SALT)


def send_email_change_email(user_id: int, new_email: str, base_url: str | None = None) -> bool:
    """Mail ``new_email`` the link that moves the account to it, or, when another account uses
    it, a notice that nothing changed. Returns whether a link was sent."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        send_templated(
            to=new_email, subject="Your Pulse address was not changed", template="email_change_taken", context={}
        )
        return False
    token = email_change_token(user, new_email)
    send_templated(
        to=new_email,
        subject="Confirm your new Pulse email address",
        template="email_change",
        context={
            "user": user,
            "new_email": new_email,
            "link": site_link(base_url, reverse("accounts:verify-email"), token=token),
            "api_url": site_link(base_url, reverse("api:auth-verify-email")),
            "token": token,
            "hours": settings.EMAIL_VERIFICATION_MAX_AGE // 3600,
        },
    )
    return True


def email_token_confirm(*, token: str) -> User:
    """Confirm what a mailed email token confirms: a new address (an email-change token) or
    the address of a new account (:func:`accounts.services.user_verify_email`)."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise Invalid.on("token", BAD_LINK) from exc
    except signing.BadSignature:
        return services.user_verify_email(token=token)
    return email_change_confirm(data)


@transaction.atomic
def email_change_confirm(data: Any) -> User:
    try:
        uid, old, new, since = int(data["uid"]), str(data["old"]), str(data["new"]), str(data["since"])
        user = User.objects.select_for_update().get(pk=uid, is_active=True)
    except (KeyError, TypeError, ValueError, User.DoesNotExist) as exc:
        raise Invalid.on("token", BAD_LINK) from exc
    current_since = user.email_changed_at.isoformat() if user.email_changed_at else ""
    if user.email != old or current_since != since:
        raise EmailChangeUsed.on("token", "This link was already used, or a later change replaced it.")
    taken = Conflict("Another account uses this address now.", fields={"token": ["Another account uses it now."]})
    if User.objects.filter(email__iexact=new).exclude(pk=user.pk).exists():
        raise taken
    user.email, user.is_verified, user.email_changed_at = new, True, timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "is_verified", "email_changed_at"])
    except IntegrityError as exc:  # taken by a registration in between
        raise taken from exc
    transaction.on_commit(
        lambda: send_templated(
            to=old,
            subject="Your Pulse email address was changed",
            template="email_changed_notice",
            context={"user": user, "old_email": old},
        )
    )
    log.info("email_changed", user_id=user.pk)
    return user


def verification_resend(*, user: User, base_url: str | None = None) -> None:
    """Mail an unverified user their verification link again."""
    if user.is_verified:
        raise Conflict("Your email address is already confirmed.")
    transaction.on_commit(lambda: services.send_verification_email(user, base_url=base_url))
