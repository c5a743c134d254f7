"""OpenAPI description of our JWT authentication: a bearer header, or the HttpOnly cookie that
``?cookie=1`` on login sets."""

from django.conf import settings
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class JWTHeaderOrCookieScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.JWTHeaderOrCookieAuthentication"
    name = ["jwtAuth", "jwtCookieAuth"]

    def get_security_requirement(self, auto_schema):
        return [{"jwtAuth": []}, {"jwtCookieAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            super().get_security_definition(auto_schema),
            {"type": "apiKey", "in": "cookie", "name": settings.JWT_ACCESS_COOKIE},
        ]
