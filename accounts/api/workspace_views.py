"""A workspace's settings, deletion, exports, invitations and audit log (``/workspaces/{slug}/…``):
admins read the settings and invitations, owners do the rest."""

from django.http import FileResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import exports, invitations, services
from accounts.api.serializers import (
    AuditEventSerializer,
    AuditQuerySerializer,
    ExportSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    JoinedSerializer,
    WorkspaceDeleteSerializer,
    WorkspaceSerializer,
    WorkspaceSettingsSerializer,
)
from accounts.models import AuditEvent, Invitation, Membership, WorkspaceExport
from accounts.tenancy import SESSION_WORKSPACE_KEY, WorkspaceScopedMixin
from accounts.throttles import MemberAddUserThrottle, MemberAddWorkspaceThrottle
from config.pagination import PagePagination

CONFLICT = {409: OpenApiResponse(description="Conflicts with the current state.")}
OWNER = Membership.Role.OWNER
ADMIN = Membership.Role.ADMIN


class WorkspaceView(WorkspaceScopedMixin, GenericAPIView):
    """A view of the workspace named in the URL."""

    workspace_url_kwarg = "slug"
    write_role = OWNER


class WorkspaceDetailView(WorkspaceView):
    read_role = ADMIN
    role_message = "Admins read a workspace's settings; owners change and delete it."

    @staticmethod
    def _payload(membership: Membership) -> dict:
        workspace = membership.workspace
        return WorkspaceSerializer(workspace, context={"roles": {workspace.pk: membership.role}}).data

    @extend_schema(responses=WorkspaceSerializer, summary="A workspace's settings (admins, owners)")
    def get(self, request, slug):
        return Response(self._payload(self.membership))

    @extend_schema(
        request=WorkspaceSettingsSerializer,
        responses=WorkspaceSerializer,
        summary="Change a workspace's settings (owners)",
        description="Any of name, slug, time zone, currency, locale and week start. Figures bucketed by the time "
        "zone or the week start are cached under them: the next read computes them anew. A new slug changes what "
        "API clients send in `X-Workspace` and in URLs; it is refused with the reason when invalid, reserved or taken.",
    )
    def patch(self, request, slug):
        serializer = WorkspaceSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = self.membership  # resolved by the URL's slug, which the change may replace
        workspace = services.workspace_update(
            workspace=membership.workspace, actor=request.user, data=serializer.validated_data
        )
        if request.session.get(SESSION_WORKSPACE_KEY) == slug:
            request.session[SESSION_WORKSPACE_KEY] = workspace.slug
        return Response(self._payload(membership))

    @extend_schema(
        request=None,
        parameters=[WorkspaceDeleteSerializer],
        responses={
            204: None,
            400: OpenApiResponse(description="`confirm` is missing or is not the workspace's slug."),
            **CONFLICT,
        },
        summary="Delete a workspace and all its data (owners)",
        description="Send the workspace's slug as `confirm` (in the query string, or in a JSON body). Make an "
        "export first (`POST …/exports/`): nothing can be recovered. Personal workspaces and Pulse's own are not "
        "deleted (409).",
    )
    def delete(self, request, slug):
        data = request.query_params if "confirm" in request.query_params else request.data
        serializer = WorkspaceDeleteSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        services.workspace_delete(workspace=self.workspace, actor=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportsView(WorkspaceView):
    read_role = OWNER
    role_message = "Only owners export a workspace."
    queryset = WorkspaceExport.objects.select_related("workspace")
    lookup_url_kwarg = "export_id"


class ExportListView(ExportsView):
    pagination_class = PagePagination

    @extend_schema(responses=ExportSerializer(many=True), summary="Exports of a workspace (owners)")
    def get(self, request, slug):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ExportSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={202: ExportSerializer, **CONFLICT},
        summary="Export every table of a workspace as a ZIP of CSVs (owners)",
        description="A task builds the file; poll `GET …/exports/{id}` until `status` is `ready`, then download it "
        "once from `download_url` before `expires_at` (`EXPORT_MAX_AGE`, 24 hours). One export at a time (409).",
    )
    def post(self, request, slug):
        export = exports.export_request(workspace=self.workspace, actor=request.user)
        export.refresh_from_db()
        return Response(ExportSerializer(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(ExportsView):
    @extend_schema(responses=ExportSerializer, summary="An export's status and download link (owners)")
    def get(self, request, slug, export_id: int):
        return Response(ExportSerializer(self.get_object(), context={"request": request}).data)


class ExportDownloadView(ExportsView):
    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(description="The ZIP archive."),
            409: OpenApiResponse(description="Not ready, downloaded already or expired."),
        },
        summary="Download an export, once (owners)",
    )
    def get(self, request, slug, export_id: int):
        export = self.get_object()
        handle = exports.export_download(export=export, actor=request.user)
        filename = f"pulse-{export.workspace.slug}-export-{export.pk}.zip"
        return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")


class InvitationsView(WorkspaceView):
    read_role = ADMIN
    role_message = "Admins see a workspace's invitations; owners invite."
    queryset = Invitation.objects.select_related("invited_by")
    lookup_url_kwarg = "invitation_id"


class InvitationListView(InvitationsView):
    pagination_class = PagePagination

    @extend_schema(responses=InvitationSerializer(many=True), summary="Invitations of a workspace (admins, owners)")
    def get(self, request, slug):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **CONFLICT},
        summary="Invite an email address with a role (owners)",
        description="Mails a link that works once, until `expires_at` (`INVITATION_MAX_AGE`, 7 days). Inviting an "
        "address again replaces its pending invitation. The answer is the same whether or not the address has a "
        "Pulse account; a member's address answers 409. Throttled per owner and per workspace.",
    )
    def post(self, request, slug):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitations.invitation_create(
            workspace=self.workspace,
            invited_by=request.user,
            base_url=request.build_absolute_uri("/"),
            **serializer.validated_data,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def get_throttles(self):
        # DRF checks throttles after the role: only the workspace's owners spend its budget.
        if self.request.method == "POST":
            return [MemberAddUserThrottle(), MemberAddWorkspaceThrottle()]
        return super().get_throttles()


class InvitationDetailView(InvitationsView):
    @extend_schema(responses=InvitationSerializer, summary="An invitation (admins, owners)")
    def get(self, request, slug, invitation_id: int):
        return Response(InvitationSerializer(self.get_object()).data)

    @extend_schema(responses={204: None, **CONFLICT}, summary="Withdraw a pending invitation (owners)")
    def delete(self, request, slug, invitation_id: int):
        invitations.invitation_revoke(invitation=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    dangerously_unscoped = "joins the workspace the signed token names, as the logged-in invitee"

    @extend_schema(
        request=InvitationAcceptSerializer,
        responses={
            200: JoinedSerializer,
            403: OpenApiResponse(description="You are logged in with another address than the invited one."),
        },
        summary="Accept an invitation with the mailed token",
        description="Log in (or register) with the invited address first. A token works once: a used, withdrawn "
        "or expired invitation answers 400 `invitation_unusable`; a tampered token 400 `invalid`.",
    )
    def post(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = invitations.invitation_accept(token=serializer.validated_data["token"], user=request.user)
        workspace = membership.workspace
        return Response({"workspace": workspace.slug, "name": workspace.name, "role": membership.role})


class AuditLogView(WorkspaceView):
    read_role = OWNER
    role_message = "Only owners read the audit log."
    queryset = AuditEvent.objects.all()
    pagination_class = PagePagination

    def scoped_queryset(self, queryset):
        return queryset.order_by("-created_at", "-pk")  # along the (workspace, -created_at) index

    @extend_schema(
        parameters=[AuditQuerySerializer],
        responses=AuditEventSerializer(many=True),
        summary="Who did what in a workspace, newest first (owners)",
    )
    def get(self, request, slug):
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = self.get_queryset()
        if action := query.validated_data.get("action"):
            events = events.filter(action=action)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)
