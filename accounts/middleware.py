"""Throttled admin login: POSTs to the admin login page are limited per client address, and per
account with the counter the API's and the HTML form's logins share (:mod:`accounts.throttles`).

The counts live in :data:`config.throttling.resilient_cache` (Redis, or this process's memory
while Redis is down) under hashes of the address and the account, never in clear.
"""

from __future__ import annotations

import hashlib
import time

import structlog
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse

from accounts.throttles import FormAccountThrottle
from config.throttling import client_ident, resilient_cache

log = structlog.get_logger("pulse.security")


def _parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def client_key(request, scope: str) -> str:
    """The counter of the client's address (its /64 network for IPv6)."""
    address = client_ident(request)
    digest = hashlib.sha256(f"{settings.PULSE_HMAC_SECRET}:{address}".encode()).hexdigest()[:32]
    return f"throttle:{scope}:{digest}"


class AdminLoginThrottleMiddleware:
    """At most ``ADMIN_LOGIN_RATE`` (default 10/min) login POSTs per address, and
    ``THROTTLE_AUTH_ACCOUNT`` per account (the email typed), from any address; then 429."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit, self.window = _parse_rate(settings.ADMIN_LOGIN_RATE)
        # Once, when the application loads (before gunicorn forks its workers): the first
        # reverse() builds the table of the admin's URL names, a third of a second that every
        # fresh worker's first request would otherwise pay.
        self._path = reverse("admin:login")

    def __call__(self, request):
        if request.method == "POST" and request.path == self._path:
            key = client_key(request, "admin_login")
            now = time.time()
            history = [t for t in resilient_cache.get(key, []) if t > now - self.window]
            if len(history) >= self.limit:
                retry_after = int(self.window - (now - history[0])) + 1
                log.warning("admin_login_throttled", retry_after=retry_after, per="address")
                return self._too_many(retry_after)
            history.append(now)
            resilient_cache.set(key, history, self.window)
            account = FormAccountThrottle()
            if not account.allow_request(request, None):
                retry_after = max(1, int(account.wait() or 1))
                log.warning("admin_login_throttled", retry_after=retry_after, per="account")
                return self._too_many(retry_after)
        return self.get_response(request)

    @staticmethod
    def _too_many(retry_after: int) -> HttpResponse:
        response = HttpResponse("Too many login attempts. Try again later.", status=429, content_type="text/plain")
        response["Retry-After"] = str(retry_after)
        return response
