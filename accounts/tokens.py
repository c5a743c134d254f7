"""JWTs of Pulse: simplejwt's, with the user's login epoch in a claim.

Raising a user's ``login_epoch`` (log out everywhere, a new password) blacklists their refresh
tokens and makes every access token issued before refused at once
(:class:`accounts.authentication.JWTHeaderOrCookieAuthentication`), instead of letting each live
its last minutes. Tokens without the claim count as epoch 0.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

EPOCH_CLAIM = "epoch"


class PulseRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user: User) -> PulseRefreshToken:
        token = super().for_user(user)
        token[EPOCH_CLAIM] = user.login_epoch
        return token


def token_epoch(validated_token) -> int:
    return int(validated_token.get(EPOCH_CLAIM, 0) or 0)


def blacklist_refresh_tokens(user: User) -> int:
    """Blacklist every unexpired refresh token of ``user`` not blacklisted yet; returns how many."""
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken=None)
    tokens = [BlacklistedToken(token=token) for token in outstanding.only("pk")]
    BlacklistedToken.objects.bulk_create(tokens, ignore_conflicts=True)
    return len(tokens)
