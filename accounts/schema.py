"""OpenAPI description of our JWT authentication (header or cookie)."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class JWTHeaderOrCookieScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.JWTHeaderOrCookieAuthentication"
    name = "jwtAuth"
