"""Throttles for the login, registration and token endpoints, counted in the cache
(Redis in production, a local count while Redis is down): per client IP and per account (the email
address tried)."""

import hashlib

from config.throttling import ResilientRateThrottle


class AuthIPThrottle(ResilientRateThrottle):
    scope = "auth_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthAccountThrottle(ResilientRateThrottle):
    scope = "auth_account"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        email = data.get("email")
        if not isinstance(email, str) or not email:
            return None
        # The address is hashed so that cache keys never hold it in clear.
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}
