from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from accounts.tenancy import preload_membership, remember_membership
from accounts.tokens import token_epoch


class JWTHeaderOrCookieAuthentication(JWTAuthentication):
    """Bearer token from the Authorization header, else from the HttpOnly access cookie.

    A browser sends the cookie with any request to Pulse, a forged one too, so a request the
    cookie authenticates passes Django's CSRF check as a session does (DRF's own check): an
    unsafe method needs the ``X-CSRFToken`` header with the ``csrftoken`` cookie's value (set at
    login) and, over HTTPS, a same-origin ``Referer``/``Origin``. A bearer header needs none:
    no browser adds it by itself.

    The user is read together with their membership of the workspace the request names
    (:func:`accounts.tenancy.preload_membership`): one query for both."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is not None:
            raw_token = self.get_raw_token(header)
            if raw_token is None:
                return None
        else:
            raw_token = request.COOKIES.get(settings.JWT_ACCESS_COOKIE)
            if not raw_token:
                return None
            raw_token = raw_token.encode()
        validated = self.get_validated_token(raw_token)
        membership = preload_membership(request, validated.get(api_settings.USER_ID_CLAIM))
        # No such membership, or an inactive user: simplejwt's own look-up and refusals.
        active = membership is not None and membership.user.is_active
        user = membership.user if active else super().get_user(validated)
        # Issued before the user logged out everywhere or changed their password.
        if token_epoch(validated) != user.login_epoch:
            raise AuthenticationFailed("This token was revoked: log in again.", code="token_revoked")
        if header is None:
            SessionAuthentication().enforce_csrf(request)
        if active:
            remember_membership(request, membership)
        return user, validated
