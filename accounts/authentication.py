import threading
from collections import OrderedDict

from django.conf import settings
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

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

    def get_validated_token(self, raw_token: bytes) -> Token:
        """simplejwt's verification, once per token and process (:class:`_VerifiedTokens`)."""
        validated = _verified_tokens.get(raw_token)
        if validated is None:
            validated = super().get_validated_token(raw_token)  # refusals raise here, in simplejwt's words
            _verified_tokens.put(raw_token, validated)
        return validated


class _VerifiedTokens:
    """Access tokens this process has verified (signature, type, claims), by their bytes, the most
    recently used ``size`` of them. A client sends the same token for up to its lifetime, and
    checking its signature and decoding it again is one of the larger costs of a cached read
    (``bench/scale.py``, README "Performance"). A kept token is handed out only while it has not
    expired; everything that can revoke it earlier (the user's login epoch, their being active)
    is read from the database on every request, as ever."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.tokens: OrderedDict[bytes, Token] = OrderedDict()
        self.lock = threading.Lock()  # threaded servers (runserver, gthread workers) share it

    def get(self, raw_token: bytes) -> Token | None:
        with self.lock:
            token = self.tokens.get(raw_token)
            if token is None:
                return None
            try:
                token.check_exp(current_time=aware_utcnow())
            except TokenError:
                del self.tokens[raw_token]
                return None  # expired: verified afresh, which refuses it in simplejwt's words
            self.tokens.move_to_end(raw_token)
            return token

    def put(self, raw_token: bytes, token: Token) -> None:
        with self.lock:
            self.tokens[raw_token] = token
            if len(self.tokens) > self.size:
                self.tokens.popitem(last=False)


_verified_tokens = _VerifiedTokens(size=4096)
