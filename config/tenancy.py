"""Workspace resolution and scoping: the one place where tenancy is enforced.

Every workspace-owned API view inherits :class:`WorkspaceScopedMixin`. It resolves the active
workspace (``X-Workspace`` header, else the user's personal workspace), checks the member's
role, and filters querysets by workspace. Another tenant's workspace or object answers 404,
never 403, so nothing tells an outsider that it exists.
"""

import re

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import permissions

from accounts.models import Membership, Workspace

WORKSPACE_HEADER = "X-Workspace"
SESSION_WORKSPACE_KEY = "workspace_slug"
# What a slug can be; anything else (over-long, NUL bytes…) is no workspace, without a query.
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")


def membership_for(user, slug: str | None) -> Membership:
    """The user's membership of the workspace ``slug`` (personal workspace when None).

    Raises Http404 when the workspace does not exist or the user is not a member.
    """
    if user is None or not user.is_authenticated:
        raise Http404("No workspace.")
    memberships = Membership.objects.select_related("workspace").filter(user=user)
    if slug and not _SLUG.match(slug):
        raise Http404("No such workspace.")
    if slug:
        membership = memberships.filter(workspace__slug=slug).first()
    else:
        membership = memberships.filter(workspace__personal_for=user).first() or memberships.order_by("pk").first()
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def request_membership(request) -> Membership:
    """Resolve and memoise the active membership of a request.

    API requests name their workspace in the ``X-Workspace`` header; session users keep the one
    chosen in the workspace switcher. Without either: the personal workspace.
    """
    cached = getattr(request, "_pulse_membership", None)
    if cached is not None:
        return cached
    slug = request.headers.get(WORKSPACE_HEADER)
    session = getattr(request, "session", None)
    if slug is None and session is not None and session.get(SESSION_WORKSPACE_KEY):
        # Session users (HTML pages and their CSV links) keep the workspace they switched to;
        # when they have left it since, they are back in their personal workspace.
        try:
            membership = membership_for(request.user, session[SESSION_WORKSPACE_KEY])
        except Http404:
            del session[SESSION_WORKSPACE_KEY]
            membership = membership_for(request.user, None)
    else:
        membership = membership_for(request.user, slug)
    # DRF wraps the Django request: store on the inner one too so middleware can log it.
    for target in (request, getattr(request, "_request", None)):
        if target is not None:
            target._pulse_membership = membership
            target.workspace = membership.workspace
    return membership


class WorkspaceRolePermission(permissions.BasePermission):
    """Members read; admins and owners write; ``owner_only`` views need an owner.

    A view holding secrets sets ``viewers_can_read = False`` so that even reads need an admin.
    """

    message = "Your role in this workspace does not allow this action."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        membership = request_membership(request)
        if getattr(view, "owner_only", False):
            return membership.is_owner
        if request.method in permissions.SAFE_METHODS and getattr(view, "viewers_can_read", True):
            return True
        return membership.can_write


class WorkspaceScopedMixin:
    """Base for every workspace-owned API view.

    ``workspace_field`` names the lookup from the view's model to its workspace
    (``"workspace"`` or ``"store__workspace"``). ``get_queryset`` is filtered by it, so a
    detail lookup of another tenant's object is a 404.
    """

    permission_classes = [permissions.IsAuthenticated, WorkspaceRolePermission]
    workspace_field = "workspace"

    @property
    def membership(self) -> Membership:
        return request_membership(self.request)

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    def scope(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(**{self.workspace_field: self.workspace})

    def get_queryset(self) -> QuerySet:
        return self.scope(super().get_queryset())
