from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.tenancy import WorkspaceScopedMixin
from apimetrics import keys, projects, tracking
from apimetrics.api.serializers import (
    ApiKeyCreateSerializer,
    ApiKeyRotateSerializer,
    ApiKeySerializer,
    IssuedKeySerializer,
    ProjectSerializer,
    TrackAcceptedSerializer,
    TrackEventSerializer,
)
from apimetrics.models import ApiKey, Project
from config.pagination import PagePagination
from config.parsers import JSONParser

CONFLICT = {409: OpenApiResponse(description="Conflicts with the current state.")}


class ProjectScopedMixin(WorkspaceScopedMixin):
    """Views under ``/projects/{key}/``: the project is looked up in the active workspace (404 else)."""

    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(self.scope(Project.objects.all()), key=self.kwargs["key"])
        return self._project


# --- projects ------------------------------------------------------------------------------


class ProjectListView(WorkspaceScopedMixin, generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    queryset = Project.objects.all()

    def scoped_queryset(self, queryset):
        return projects.projects_with_active_keys(queryset).order_by("name", "pk")

    @extend_schema(responses={201: ProjectSerializer, **CONFLICT}, summary="Create a monitored API project")
    def post(self, request, *args, **kwargs):
        serializer = ProjectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = projects.project_create(workspace=self.workspace, timezone_name=data.pop("timezone"), **data)
        project = projects.projects_with_active_keys().get(pk=project.pk)  # its key count, as every response has
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    put=extend_schema(responses={200: ProjectSerializer, **CONFLICT}),
    patch=extend_schema(responses={200: ProjectSerializer, **CONFLICT}),
)
class ProjectDetailView(WorkspaceScopedMixin, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = ProjectSerializer
    queryset = Project.objects.all()
    lookup_field = "key"

    def scoped_queryset(self, queryset):
        return projects.projects_with_active_keys(queryset)

    def perform_update(self, serializer):
        serializer.instance = projects.project_update(project=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        projects.project_delete(project=instance)


# --- API keys ------------------------------------------------------------------------------


class ApiKeyBase(ProjectScopedMixin, APIView):
    # Keys are secrets' metadata: admins and owners only, even for reads.
    read_role = Membership.Role.ADMIN

    def get_key(self) -> ApiKey:
        return get_object_or_404(ApiKey, project=self.get_project(), pk=self.kwargs["pk"])

    def check_can_issue(self):
        keys.check_can_issue(self.request.user)


class ApiKeyListView(ApiKeyBase):
    # Rotations leave revoked and expired keys behind: the list grows without bound.
    pagination_class = PagePagination

    @extend_schema(
        responses=ApiKeySerializer(many=True), summary="The project's API keys (no secrets), newest first, paginated"
    )
    def get(self, request, key):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self.get_project().api_keys.order_by("-created_at", "-pk"), request, self)
        return paginator.get_paginated_response(ApiKeySerializer(page, many=True).data)

    @extend_schema(
        request=ApiKeyCreateSerializer, responses={201: IssuedKeySerializer}, summary="Create a key (shown once)"
    )
    def post(self, request, key):
        self.check_can_issue()
        body = ApiKeyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        issued = keys.api_key_create(project=self.get_project(), user=request.user, **body.validated_data)
        data = {**ApiKeySerializer(issued.api_key).data, "key": issued.secret}
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(ApiKeyBase):
    @extend_schema(responses=ApiKeySerializer, summary="One API key (no secret)")
    def get(self, request, key, pk):
        return Response(ApiKeySerializer(self.get_key()).data)

    @extend_schema(responses={204: None, **CONFLICT}, summary="Revoke a key (409 for the last active one)")
    def delete(self, request, key, pk):
        keys.api_key_revoke(api_key=self.get_key(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyRotateView(ApiKeyBase):
    @extend_schema(
        request=ApiKeyRotateSerializer,
        responses={201: IssuedKeySerializer, **CONFLICT},
        summary="Issue a new key; the old one stays valid for the grace period",
    )
    def post(self, request, key, pk):
        self.check_can_issue()
        body = ApiKeyRotateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        old = self.get_key()
        issued = keys.api_key_rotate(api_key=old, user=request.user, grace=body.grace)
        old.refresh_from_db()
        data = {
            **ApiKeySerializer(issued.api_key).data,
            "key": issued.secret,
            "previous_key_expires_at": old.revoked_at or old.expires_at,
        }
        return Response(data, status=status.HTTP_201_CREATED)


# --- tracking ------------------------------------------------------------------------------


class TrackView(APIView):
    """``POST /api/v1/track``: no user auth, its own key check (:func:`apimetrics.tracking.track`).

    Not in a request transaction (ATOMIC_REQUESTS): the service reads and checks everything first,
    then writes in one transaction that is committed before it returns, so a 202 means every
    event is stored. For a few events that is a single INSERT, which also checks that the key is
    still active.
    """

    dangerously_unscoped = "authenticated by its own API key, which names the project"
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get_authenticate_header(self, request) -> str:
        return 'ApiKey header="X-API-Key"'

    @extend_schema(
        request=TrackEventSerializer(many=True),
        responses={
            202: TrackAcceptedSerializer,
            400: OpenApiResponse(description="A bad event: its index and fields in error.fields; nothing stored."),
            401: OpenApiResponse(description="Missing, malformed, unknown, revoked or expired key."),
            413: OpenApiResponse(description=f"More than {settings.APIMETRICS_MAX_BATCH:,} events."),
            429: OpenApiResponse(description="Rate limit of the key; see Retry-After."),
        },
        parameters=[OpenApiParameter("X-API-Key", str, OpenApiParameter.HEADER, required=True)],
        summary=f"Record one API call or a list of up to {settings.APIMETRICS_MAX_BATCH:,}",
        description="The body is one event object or a list of them.",
    )
    def post(self, request):
        # The body is read by the service once the key is known (a bad body of a revoked key is a 401).
        accepted = tracking.track(api_key=request.headers.get("X-API-Key"), body=lambda: request.data)
        return Response({"accepted": accepted}, status=status.HTTP_202_ACCEPTED)
