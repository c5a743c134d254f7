"""Throttles for the login, registration and token endpoints, counted in the cache
(Redis in production, a local count while Redis is down): per client IP and per account.

The account is the email address tried (login, register) or the user a genuine refresh token
belongs to (refresh, from the body or the cookie), so guessing one account's password or
replaying its refresh token is limited however many addresses the attempts come from.
"""

import hashlib

from django.conf import settings
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from config.throttling import ResilientRateThrottle


class AuthIPThrottle(ResilientRateThrottle):
    scope = "auth_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _account_ident(request) -> str | None:
    data = request.data if isinstance(request.data, dict) else {}
    email = data.get("email")
    if isinstance(email, str) and email.strip():
        return "email:" + email.strip().lower()
    token = data.get("refresh") or request.COOKIES.get(settings.JWT_REFRESH_COOKIE)
    if isinstance(token, str) and token:
        try:
            # Signature and expiry are checked, so a forged token cannot throttle someone else.
            user_id = RefreshToken(token, verify=True).payload.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
        except (TokenError, ValueError, TypeError):
            return None
        return f"user:{user_id}" if user_id is not None else None
    return None


class AuthAccountThrottle(ResilientRateThrottle):
    scope = "auth_account"

    def get_cache_key(self, request, view):
        ident = _account_ident(request)
        if ident is None:
            return None
        # Hashed so that cache keys never hold an address in clear.
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class FormAccountThrottle(AuthAccountThrottle):
    """The per-account throttle for the HTML forms (the address is in ``request.POST``)."""

    def get_cache_key(self, request, view):
        email = request.POST.get("username") or request.POST.get("email")
        if not email or not email.strip():
            return None
        digest = hashlib.sha256(("email:" + email.strip().lower()).encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


def form_throttle_wait(request, throttles=None) -> int | None:
    """Seconds to wait when an HTML form's POST is over a rate, else None: by default the login
    and registration throttles.

    The HTML forms share the API's counters, so switching from one to the other gains nothing.
    """
    throttles = throttles if throttles is not None else (AuthIPThrottle(), FormAccountThrottle())
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, None)]
    if not waits:
        return None
    return max(1, int(max(wait or 1 for wait in waits)))


class PasswordResetIPThrottle(AuthIPThrottle):
    """Reset requests per client network (``THROTTLE_PASSWORD_RESET_IP``)."""

    scope = "password_reset_ip"


class PasswordResetAccountThrottle(AuthAccountThrottle):
    """Reset requests per address asked for (``THROTTLE_PASSWORD_RESET_ACCOUNT``), counted alike
    whether an account uses it or not, so the limit tells nothing either."""

    scope = "password_reset_account"


class FormPasswordResetAccountThrottle(FormAccountThrottle):
    scope = "password_reset_account"


def password_reset_form_throttles() -> tuple:
    return (PasswordResetIPThrottle(), FormPasswordResetAccountThrottle())


class UserThrottle(ResilientRateThrottle):
    """Counted per logged-in user (the views using it require one)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class VerificationResendThrottle(UserThrottle):
    """Verification mails a user asks for again (``THROTTLE_VERIFY_RESEND``)."""

    scope = "verify_resend"


class PasswordChangeThrottle(UserThrottle):
    """Password changes and email changes, which check the current password
    (``THROTTLE_PASSWORD_CHANGE``): a stolen session cannot guess it quickly."""

    scope = "password_change"


class MemberAddUserThrottle(UserThrottle):
    """Invitations sent by one owner, whatever the workspace (``THROTTLE_MEMBER_ADD_USER``), by
    the members list or the invitations: each mails an address that may have no account."""

    scope = "member_add_user"


class MemberAddWorkspaceThrottle(ResilientRateThrottle):
    """Invitations sent for one workspace by all its owners (``THROTTLE_MEMBER_ADD_WORKSPACE``).
    ``view.workspace`` is the workspace (a workspace-scoped view checks the caller's role before
    its throttles, so strangers cannot spend the budget)."""

    scope = "member_add_workspace"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": view.workspace.pk}
