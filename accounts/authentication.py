from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.tokens import token_epoch


class JWTHeaderOrCookieAuthentication(JWTAuthentication):
    """Bearer token from the Authorization header, else from the HttpOnly access cookie.

    A browser sends the cookie with any request to Pulse, a forged one too, so a request the
    cookie authenticates passes Django's CSRF check as a session does (DRF's own check): an
    unsafe method needs the ``X-CSRFToken`` header with the ``csrftoken`` cookie's value (set at
    login) and, over HTTPS, a same-origin ``Referer``/``Origin``. A bearer header needs none:
    no browser adds it by itself."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is not None:
            return super().authenticate(request)
        raw_token = request.COOKIES.get(settings.JWT_ACCESS_COOKIE)
        if not raw_token:
            return None
        validated = self.get_validated_token(raw_token.encode())
        user = self.get_user(validated)
        SessionAuthentication().enforce_csrf(request)
        return user, validated

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        # Issued before the user logged out everywhere or changed their password.
        if token_epoch(validated_token) != user.login_epoch:
            raise AuthenticationFailed("This token was revoked: log in again.", code="token_revoked")
        return user
