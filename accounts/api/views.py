from django.conf import settings
from django.contrib.auth import authenticate
from django.middleware.csrf import get_token
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import profile, services
from accounts.api.serializers import (
    LoginSerializer,
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
    VerifyEmailSerializer,
    WorkspaceSerializer,
)
from accounts.models import Membership, User
from accounts.tenancy import WorkspaceScopedMixin
from accounts.throttles import (
    AuthAccountThrottle,
    AuthIPThrottle,
    MemberAddUserThrottle,
    MemberAddWorkspaceThrottle,
)
from accounts.tokens import PulseRefreshToken
from config import metrics
from config.pagination import PagePagination

COOKIE_PARAM = OpenApiParameter(
    "cookie", bool, description="1: set HttpOnly cookies instead of returning the tokens in the body."
)
# Error responses beyond those config.openapi.PulseAutoSchema adds to every operation.
BAD_CREDENTIALS = {401: OpenApiResponse(description="Wrong email address or password.")}
BAD_TOKEN = {401: OpenApiResponse(description="The refresh token is invalid, expired or blacklisted.")}
CONFLICT = {409: OpenApiResponse(description="Conflicts with the current state.")}


def _cookie_mode(request) -> bool:
    return settings.JWT_COOKIE_MODE or request.query_params.get("cookie") in ("1", "true")


def _refresh_token(request, body: RefreshSerializer) -> tuple[str, bool]:
    """The refresh token of the body, else of the cookie, and whether it came from the cookie.
    A browser sends the cookie with a forged request too, so a token taken from it needs the
    CSRF token, as a write the access cookie authenticates does."""
    token = body.validated_data.get("refresh")
    if token:
        return token, False
    token = request.COOKIES.get(settings.JWT_REFRESH_COOKIE)
    if not token:
        raise exceptions.ValidationError({"refresh": ["This field is required."]})
    SessionAuthentication().enforce_csrf(request)
    return token, True


def token_response(request, *, access: str, refresh_token: str, status_code: int, cookies: bool = False):
    jwt = settings.SIMPLE_JWT
    if cookies or _cookie_mode(request):
        get_token(request)  # the csrftoken cookie, whose value cookie-authenticated writes send back
        response = Response({"token_type": "cookie"}, status=status_code)
        cookie = {"httponly": True, "samesite": "Lax", "secure": settings.JWT_COOKIE_SECURE}
        response.set_cookie(
            settings.JWT_ACCESS_COOKIE,
            access,
            max_age=int(jwt["ACCESS_TOKEN_LIFETIME"].total_seconds()),
            path="/",
            **cookie,
        )
        response.set_cookie(
            settings.JWT_REFRESH_COOKIE,
            refresh_token,
            max_age=int(jwt["REFRESH_TOKEN_LIFETIME"].total_seconds()),
            path="/api/v1/auth/",
            **cookie,
        )
        return response
    return Response({"access": access, "refresh": refresh_token, "token_type": "bearer"}, status=status_code)


class AuthView(APIView):
    """Unauthenticated endpoints of the auth flow, throttled per IP and per account."""

    dangerously_unscoped = "signs people up and in: no workspace yet"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthIPThrottle, AuthAccountThrottle]

    def get_authenticate_header(self, request) -> str:
        # Bad credentials or tokens answer 401 with a challenge, not 403.
        return 'Bearer realm="api"'


class RegisterView(AuthView):
    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer, **CONFLICT}, summary="Create an account")
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data, base_url=request.build_absolute_uri("/"))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(AuthView):
    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **BAD_CREDENTIALS},
        parameters=[COOKIE_PARAM],
        summary="Log in: an access and a refresh token",
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request, email=serializer.validated_data["email"], password=serializer.validated_data["password"]
        )
        metrics.login(ok=user is not None)
        if user is None:
            raise exceptions.AuthenticationFailed("Wrong email address or password.")
        refresh = PulseRefreshToken.for_user(user)
        User.objects.filter(pk=user.pk).update(last_login=refresh.current_time)
        return token_response(
            request, access=str(refresh.access_token), refresh_token=str(refresh), status_code=status.HTTP_200_OK
        )


class RefreshView(AuthView):
    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, **BAD_TOKEN},
        parameters=[COOKIE_PARAM],
        summary="Exchange a refresh token for a new pair (the old one is blacklisted)",
    )
    def post(self, request):
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, from_cookie = _refresh_token(request, body)
        serializer = TokenRefreshSerializer(data={"refresh": token})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        return token_response(
            request,
            access=serializer.validated_data["access"],
            refresh_token=serializer.validated_data["refresh"],
            status_code=status.HTTP_200_OK,
            # A client that keeps its refresh token in the cookie gets the new pair in cookies too.
            cookies=from_cookie,
        )


class LogoutView(AuthView):
    throttle_classes: list = []

    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, **BAD_TOKEN},
        summary="Blacklist the refresh token, clear cookies",
    )
    def post(self, request):
        body = RefreshSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, _ = _refresh_token(request, body)
        try:
            RefreshToken(token).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from exc
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(settings.JWT_ACCESS_COOKIE, path="/")
        response.delete_cookie(settings.JWT_REFRESH_COOKIE, path="/api/v1/auth/")
        return response


VerifiedSerializer = inline_serializer("EmailVerified", {"verified": serializers.BooleanField()})
MemberAddedSerializer = inline_serializer(
    "MemberAdded",
    {"detail": serializers.CharField(), "email": serializers.EmailField(), "role": serializers.CharField()},
)


class VerifyEmailView(AuthView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=VerifyEmailSerializer,
        responses={
            200: VerifiedSerializer,
            400: OpenApiResponse(
                description="The token is invalid or has expired (code `invalid`), or was already used "
                "(code `token_used`): each token verifies once."
            ),
        },
        summary="Confirm an email address",
        description="Takes the token of a verification mail (registration, or `POST /auth/verify-email/resend`) or "
        "of an email change (`PATCH /users/me`: the new address then replaces the old one). Answers "
        '`{"verified": true}`, nothing about the account (the caller need not be logged in). A token is '
        "single-use: a second use answers 400 `token_used`. Tokens expire after `EMAIL_VERIFICATION_MAX_AGE` "
        "seconds (3 days).",
    )
    def post(self, request):
        serializer = VerifyEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile.email_token_confirm(token=serializer.validated_data["token"])
        return Response({"verified": True})


class WorkspaceListView(APIView):
    dangerously_unscoped = "the caller's own memberships, across workspaces"
    pagination_class = PagePagination

    @extend_schema(responses=WorkspaceSerializer(many=True), summary="Workspaces you belong to")
    def get(self, request):
        paginator = self.pagination_class()
        memberships = request.user.memberships.select_related("workspace").order_by("workspace__name", "pk")
        page = paginator.paginate_queryset(memberships, request, view=self)
        roles = {m.workspace_id: m.role for m in page}
        workspaces = [m.workspace for m in page]
        return paginator.get_paginated_response(
            WorkspaceSerializer(workspaces, many=True, context={"roles": roles}).data
        )

    @extend_schema(
        request=WorkspaceSerializer, responses={201: WorkspaceSerializer}, summary="Create a workspace you own"
    )
    def post(self, request):
        serializer = WorkspaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workspace = services.workspace_create(owner=request.user, **serializer.validated_data)
        context = {"roles": {workspace.pk: Membership.Role.OWNER}}
        return Response(WorkspaceSerializer(workspace, context=context).data, status=status.HTTP_201_CREATED)


class WorkspaceLeaveView(WorkspaceScopedMixin, APIView):
    """The caller leaves the workspace named in the URL: any member may, but its last owner."""

    workspace_url_kwarg = "slug"
    write_role = Membership.Role.VIEWER

    @extend_schema(
        request=None,
        responses={
            204: None,
            409: OpenApiResponse(description="You are the workspace's last owner: make another member an owner first."),
        },
        summary="Leave a workspace (any member but its last owner)",
    )
    def post(self, request, slug):
        services.member_leave(membership=self.membership, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembersView(WorkspaceScopedMixin, GenericAPIView):
    """Members of the workspace named in the URL: members read, owners manage."""

    workspace_url_kwarg = "slug"
    write_role = Membership.Role.OWNER
    role_message = "Only owners manage members."
    queryset = Membership.objects.select_related("user")
    serializer_class = MemberSerializer


class MemberListView(MembersView):
    pagination_class = PagePagination

    def scoped_queryset(self, queryset):
        return queryset.order_by("user__email")

    @extend_schema(responses=MemberSerializer(many=True), summary="Members of a workspace")
    def get(self, request, slug):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        request=MemberAddSerializer,
        responses={
            202: MemberAddedSerializer,
            429: OpenApiResponse(description="Too many invitations by you, or to this workspace."),
        },
        summary="Invite a member (owners)",
        description="Members join by invitation: this invites `email` with `role`, as "
        "`POST /api/v1/workspaces/{slug}/invitations/` does, and answers 202 with the same body whether or not "
        "the address has a Pulse account or is a member already (then nothing is sent). Throttled per owner "
        "(`THROTTLE_MEMBER_ADD_USER`, 30 an hour) and per workspace (`THROTTLE_MEMBER_ADD_WORKSPACE`, 60 an hour), "
        "with the invitations.",
    )
    def post(self, request, slug):
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.member_add(
            workspace=self.workspace, invited_by=request.user, base_url=request.build_absolute_uri("/"), **data
        )
        email = data["email"].strip().lower()
        return Response(
            {
                "detail": f"We sent {email} an invitation, unless it is a member already.",
                "email": email,
                "role": data["role"],
            },
            status=status.HTTP_202_ACCEPTED,
        )

    def get_throttles(self):
        # DRF checks throttles after the role: only the workspace's owners spend its budget.
        if self.request.method == "POST":
            return [MemberAddUserThrottle(), MemberAddWorkspaceThrottle()]
        return super().get_throttles()


class MemberDetailView(MembersView):
    lookup_field = lookup_url_kwarg = "user_id"

    @extend_schema(
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **CONFLICT},
        summary="Change a member's role (owners)",
    )
    def patch(self, request, slug, user_id: int):
        target = self.get_object()
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_set_role(
            membership=target, role=serializer.validated_data["role"], actor=request.user
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None, **CONFLICT}, summary="Remove a member (owners)")
    def delete(self, request, slug, user_id: int):
        services.member_remove(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
