"""The caller's own account: password reset and change, profile, the verification mail again,
logging out everywhere. None of these is scoped to a workspace."""

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import passwords, profile
from accounts.api.serializers import (
    DetailSerializer,
    MeUpdatedSerializer,
    MeUpdateSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.api.views import AuthView, token_response
from accounts.throttles import (
    AuthIPThrottle,
    PasswordChangeThrottle,
    PasswordResetAccountThrottle,
    PasswordResetIPThrottle,
    VerificationResendThrottle,
)
from accounts.tokens import PulseRefreshToken

RESET_SENT = "If an account uses this address, we sent it a link to set a new password."
OWN_ACCOUNT = "the caller's own account"


class PasswordResetView(AuthView):
    throttle_classes = [PasswordResetIPThrottle, PasswordResetAccountThrottle]

    @extend_schema(
        request=PasswordResetSerializer,
        responses={202: DetailSerializer},
        summary="Mail a link to set a new password",
        description="Answers 202 with the same body whether or not an account uses the address; the mail is "
        "sent by a task, only to an existing account. Throttled per client (`THROTTLE_PASSWORD_RESET_IP`) and per "
        "address (`THROTTLE_PASSWORD_RESET_ACCOUNT`).",
    )
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_request(
            email=serializer.validated_data["email"], base_url=request.build_absolute_uri("/")
        )
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(AuthView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer},
        summary="Set a new password with the mailed link's uid and token",
        description="The link works once, for `PASSWORD_RESET_TIMEOUT` seconds (1 hour). Every session and "
        "token of the account ends; log in with the new password.",
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        passwords.password_reset_confirm(**serializer.validated_data)
        return Response({"detail": "Your password was changed: log in with the new one."})


class PasswordChangeView(APIView):
    dangerously_unscoped = OWN_ACCOUNT
    throttle_classes = [PasswordChangeThrottle]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={200: TokenPairSerializer},
        summary="Change your password",
        description="Ends every other session and token of the account and answers a new token pair (cookies in "
        "cookie mode); a session that asks keeps going.",
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = passwords.password_change(user=request.user, **serializer.validated_data)
        if request.session.get("_auth_user_id"):
            update_session_auth_hash(request, user)
        refresh = PulseRefreshToken.for_user(user)
        return token_response(
            request, access=str(refresh.access_token), refresh_token=str(refresh), status_code=status.HTTP_200_OK
        )


class LogoutAllView(APIView):
    dangerously_unscoped = OWN_ACCOUNT

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Log out everywhere",
        description="Ends every session of the account, this one's too, blacklists all its refresh tokens and "
        "refuses its access tokens from now on.",
    )
    def post(self, request):
        passwords.user_logout_everywhere(user=request.user)
        if request.session.get("_auth_user_id"):
            logout(request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(settings.JWT_ACCESS_COOKIE, path="/")
        response.delete_cookie(settings.JWT_REFRESH_COOKIE, path="/api/v1/auth/")
        return response


class VerificationResendView(APIView):
    dangerously_unscoped = OWN_ACCOUNT
    throttle_classes = [VerificationResendThrottle]

    @extend_schema(
        request=None,
        responses={202: DetailSerializer, 409: OpenApiResponse(description="The address is confirmed already.")},
        summary="Mail the verification link again",
        description="Throttled per user (`THROTTLE_VERIFY_RESEND`).",
    )
    def post(self, request):
        profile.verification_resend(user=request.user, base_url=request.build_absolute_uri("/"))
        return Response(
            {"detail": f"We sent a new confirmation link to {request.user.email}."}, status=status.HTTP_202_ACCEPTED
        )


class MeView(APIView):
    """The caller's account: read it, change the name, start an email change."""

    dangerously_unscoped = OWN_ACCOUNT

    @extend_schema(responses=UserSerializer, summary="The current user with workspaces and roles")
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=MeUpdateSerializer,
        responses={200: MeUpdatedSerializer},
        summary="Change your name or email address",
        description="`full_name` changes at once. A new `email` (with `current_password`) is mailed a link; the "
        "account keeps its address until the link is opened (or its token sent to `POST /api/v1/auth/verify-email`), "
        "and the old address is then told. The answer is the same whether or not another account uses the new "
        "address (that address is then told nothing changed). Email changes count against "
        "`THROTTLE_PASSWORD_CHANGE`, as they check the password.",
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "email" in serializer.validated_data:
            throttle = PasswordChangeThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
        pending = profile.user_update(
            user=request.user, data=serializer.validated_data, base_url=request.build_absolute_uri("/")
        )
        return Response(MeUpdatedSerializer(request.user, context={"pending_email": pending}).data)
