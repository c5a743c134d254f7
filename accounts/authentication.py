from django.conf import settings
from rest_framework_simplejwt.authentication import JWTAuthentication


class JWTHeaderOrCookieAuthentication(JWTAuthentication):
    """Bearer token from the Authorization header, else from the HttpOnly access cookie."""

    def authenticate(self, request):
        header = self.get_header(request)
        if header is not None:
            return super().authenticate(request)
        raw_token = request.COOKIES.get(settings.JWT_ACCESS_COOKIE)
        if not raw_token:
            return None
        validated = self.get_validated_token(raw_token.encode())
        return self.get_user(validated), validated
