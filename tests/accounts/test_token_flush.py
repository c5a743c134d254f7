"""The daily flush of expired refresh tokens (settings.CELERY_BEAT_SCHEDULE)."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tasks import flush_expired_tokens

pytestmark = pytest.mark.django_db


def test_expired_refresh_tokens_and_their_blacklist_entries_are_flushed(owner):
    expired, blacklisted_live, live = (RefreshToken.for_user(owner) for _ in range(3))
    OutstandingToken.objects.filter(jti=expired["jti"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired.blacklist()
    blacklisted_live.blacklist()

    assert flush_expired_tokens() == 1

    assert set(OutstandingToken.objects.values_list("jti", flat=True)) == {blacklisted_live["jti"], live["jti"]}
    assert list(BlacklistedToken.objects.values_list("token__jti", flat=True)) == [blacklisted_live["jti"]]


def test_the_flush_runs_daily():
    assert settings.CELERY_BEAT_SCHEDULE["accounts-expired-tokens"]["task"] == flush_expired_tokens.name
