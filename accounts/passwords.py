"""Passwords and sessions: reset by email, change, and logging out everywhere.

A reset link is Django's (``PasswordResetTokenGenerator``): it hashes the password and the last
login, so it works once (setting the password changes the hash) and until
``PASSWORD_RESET_TIMEOUT``. Asking for one does the same work whatever the address: the request
sends one task with the address, and the task, on a worker, finds the account and mails it; the
answer and its timing tell nothing about which addresses have accounts.

A new password, by reset or change, and "log out everywhere" raise the user's login epoch
(every session and access token issued before ends) and blacklist their refresh tokens.
"""

from __future__ import annotations

import structlog
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.mail import send_templated, site_link
from accounts.models import User
from accounts.tokens import blacklist_refresh_tokens
from config.errors import Invalid
from config.queue import enqueue

log = structlog.get_logger(__name__)

BAD_RESET_LINK = "This password reset link is invalid or has expired: ask for a new one."


def password_reset_request(*, email: str, base_url: str | None = None) -> None:
    """Mail a reset link to the account of ``email`` if there is one (from a task)."""
    from accounts.tasks import send_password_reset

    enqueue(send_password_reset, email.strip().lower(), base_url)


def send_password_reset_email(email: str, base_url: str | None = None) -> bool:
    """Mail the active account of ``email`` (with a usable password) a reset link; False when
    there is none."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    uid, token = reset_uid(user), default_token_generator.make_token(user)
    send_templated(
        to=user.email,
        subject="Set a new Pulse password",
        template="password_reset",
        context={
            "user": user,
            "link": site_link(base_url, reverse("accounts:password-reset-confirm", args=[uid, token])),
            "api_url": site_link(base_url, reverse("api:auth-password-reset-confirm")),
            "uid": uid,
            "token": token,
        },
    )
    log.info("password_reset_sent", user_id=user.pk)
    return True


def reset_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def reset_user(uid: str, token: str) -> User:
    """The user of a valid reset link; Invalid (field ``token``) otherwise."""
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise Invalid.on("token", BAD_RESET_LINK)
    return user


def _validated(password: str, user: User, field: str) -> str:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid(f"{field}: {exc.messages[0]}", fields={field: exc.messages}) from exc
    return password


def _set_password(user: User, password: str, *, verified: bool = False) -> None:
    """Set the password and end every session and token of the user."""
    user.set_password(password)
    User.objects.filter(pk=user.pk).update(
        password=user.password, login_epoch=F("login_epoch") + 1, **({"is_verified": True} if verified else {})
    )
    user.refresh_from_db(fields=["password", "login_epoch", "is_verified"])
    blacklist_refresh_tokens(user)


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set the password of a reset link's user."""
    return password_reset_set(user=reset_user(uid, token), new_password=new_password)


@transaction.atomic
def password_reset_set(*, user: User, new_password: str) -> User:
    """Set the password of the user of a reset link already checked (:func:`reset_user`, or
    Django's reset page). The link reached their mailbox, so their address counts as confirmed."""
    _set_password(user, _validated(new_password, user, "new_password"), verified=True)
    log.info("password_reset_done", user_id=user.pk)
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password of a logged-in user who knows the current one. Every other session
    and token ends: callers keep the current one alive (a new session hash, new tokens)."""
    if not user.check_password(current_password):
        raise Invalid.on("current_password", "Your current password is not correct.")
    if new_password == current_password:
        raise Invalid.on("new_password", "Choose a password different from your current one.")
    _set_password(user, _validated(new_password, user, "new_password"))
    log.info("password_changed", user_id=user.pk)
    return user


@transaction.atomic
def user_logout_everywhere(*, user: User) -> int:
    """End every session and token of ``user``, this one's too; returns how many refresh
    tokens were blacklisted."""
    User.objects.filter(pk=user.pk).update(login_epoch=F("login_epoch") + 1)
    user.refresh_from_db(fields=["login_epoch"])
    count = blacklist_refresh_tokens(user)
    log.info("logged_out_everywhere", user_id=user.pk, refresh_tokens=count)
    return count
