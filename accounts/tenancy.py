"""Workspace resolution and scoping: the one place where tenancy is enforced.

Every workspace-owned API view inherits :class:`WorkspaceScopedMixin`. It resolves the active
workspace (the URL's ``slug`` where the view names one, else the ``X-Workspace`` header, else the
user's personal workspace), checks the member's role and filters querysets by workspace. Another
tenant's workspace or object answers 404, never 403, so nothing tells an outsider that it exists.

Forgetting is made impossible rather than unlikely (PostHog's team mixin is the model):

- the mixin refuses, when a subclass is defined, overrides of what scopes data
  (``get_queryset``, ``permission_classes``, ``get_permissions``); subclasses use the hooks
  :meth:`WorkspaceScopedMixin.scoped_queryset` and ``extra_permission_classes`` instead;
- DRF's default permission, :class:`ScopedOrDeclared`, denies every view that is neither scoped
  nor declares ``dangerously_unscoped = "<why>"``;
- :func:`undeclared_api_views` walks the URLconf for views that escape both (their own
  ``permission_classes`` without a declaration); a system check (``pulse.E010``) and a test fail
  on any.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.http import Http404, HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import permissions

from accounts.models import Membership, Workspace
from config import numbers

WORKSPACE_HEADER = "X-Workspace"
SESSION_WORKSPACE_KEY = "workspace_slug"
# What a slug can be; anything else (over-long, NUL bytes…) is no workspace, without a query.
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
ROLE_RANK = {Membership.Role.VIEWER: 0, Membership.Role.ADMIN: 1, Membership.Role.OWNER: 2}


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


def request_membership(request: HttpRequest, slug: str | None = None) -> Membership:
    """Resolve and memoise the active membership of a request.

    ``slug`` is the workspace a URL names. Without it, API requests name their workspace in the
    ``X-Workspace`` header and session users keep the one chosen in the workspace switcher;
    without either, the personal workspace.
    """
    cached = getattr(request, "_pulse_membership", None)
    if cached is not None and (slug is None or cached.workspace.slug == slug):
        return cached
    session = getattr(request, "session", None)
    if slug is None:
        slug = request.headers.get(WORKSPACE_HEADER)
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
    remember_membership(request, membership)
    return membership


def remember_membership(request: HttpRequest, membership: Membership) -> None:
    """Make ``membership`` the request's active one, as :func:`request_membership` resolves it."""
    # DRF wraps the Django request: store on the inner one too so middleware can log it.
    for target in (request, getattr(request, "_request", None)):
        if target is not None:
            target._pulse_membership = membership
            target.workspace = membership.workspace


def preload_membership(request: HttpRequest, user_id: object) -> Membership | None:
    """The membership of user ``user_id`` (the one behind a token) in the workspace the request's
    ``X-Workspace`` header names, read with the user and the workspace in one query (a
    prepared statement on PostgreSQL): an authenticated API read then costs one round trip
    instead of two, and neither compiles nor plans SQL. Read afresh on every
    request, so a role changed or a member removed counts at once. The caller checks the user,
    then calls :func:`remember_membership`. None when the header names no workspace of the
    user's: the caller reads the user alone and :func:`request_membership` answers as ever."""
    slug = request.headers.get(WORKSPACE_HEADER)
    if user_id is None or not slug or not _SLUG.match(slug):
        return None
    connection = connections[Membership.objects.db]
    if hasattr(connection, "prepared_cursor"):  # PostgreSQL (config.db)
        return _MembershipLookup.compiled(connection.alias).fetch(connection, user_id, slug)
    try:
        return _membership_with_user(user_id, slug).get()
    except Membership.DoesNotExist:
        return None


def _membership_with_user(user_id: object, slug: str) -> QuerySet[Membership]:
    # order_by(): at most one row (one membership per user and workspace), nothing to sort.
    return (
        Membership.objects.select_related("user", "workspace").filter(user_id=user_id, workspace__slug=slug).order_by()
    )


class _MembershipLookup:
    """:func:`_membership_with_user` compiled once per process and run as a prepared statement:
    on every authenticated read, compiling the query and planning its three-table join cost
    several times its execution. Rows become instances as the ORM's own iterable makes them."""

    _compiled: ClassVar[dict[str, _MembershipLookup]] = {}
    _USER_ID, _SLUG = -7, "\x00slug"  # placeholders, told apart from each other in the parameters

    def __init__(self, alias: str) -> None:
        self.compiler = _membership_with_user(self._USER_ID, self._SLUG).query.get_compiler(using=alias)
        self.sql, params = self.compiler.as_sql()
        self.order = [{self._USER_ID: 0, self._SLUG: 1}[param] for param in params]
        fields = self.compiler.klass_info["select_fields"]
        self.fields = slice(fields[0], fields[-1] + 1)
        self.names = [column[0].target.attname for column in self.compiler.select[self.fields]]
        self.populators = get_related_populators(self.compiler.klass_info, self.compiler.select, alias)
        # What results_iter would work out again on every call: the columns' converters.
        columns = [column[0] for column in self.compiler.select[: self.compiler.col_count]]
        self.converters = self.compiler.get_converters(columns)

    @classmethod
    def compiled(cls, alias: str) -> _MembershipLookup:
        if alias not in cls._compiled:
            cls._compiled[alias] = cls(alias)
        return cls._compiled[alias]

    def fetch(self, connection: Any, user_id: object, slug: str) -> Membership | None:
        values = (user_id, slug)
        with connection.prepared_cursor() as cursor:
            cursor.execute(self.sql, [values[i] for i in self.order])
            rows = cursor.fetchall()
        for row in self.compiler.apply_converters(rows, self.converters) if self.converters else rows:
            membership = Membership.from_db(connection.alias, self.names, row[self.fields])
            for populator in self.populators:
                populator.populate(row, membership)
            return membership
        return None


def page_membership(request: HttpRequest) -> Membership | None:
    """The active membership of an HTML page, or None when the user belongs to no workspace
    (the pages then show the one "no workspace" state of ``base.html``). The page's numbers are
    written in the workspace's locale from here on (:mod:`config.numbers`)."""
    try:
        membership = request_membership(request)
    except Http404:
        return None
    numbers.activate_locale(membership.workspace.locale)
    return membership


class WorkspaceRolePermission(permissions.BasePermission):
    """Reads need the view's ``read_role``, writes its ``write_role`` (viewer < admin < owner)."""

    message = "Your role in this workspace does not allow this action."

    def has_permission(self, request, view) -> bool:
        membership = view.membership
        needed = view.read_role if request.method in permissions.SAFE_METHODS else view.write_role
        self.message = getattr(view, "role_message", None) or self.message
        return ROLE_RANK[membership.role] >= ROLE_RANK[needed]


_GUARDED = ("get_queryset", "permission_classes", "get_permissions")


class WorkspaceScopedMixin:
    """Base of every workspace-owned API view.

    ``workspace_field`` names the lookup from the view's model to its workspace
    (``"workspace"`` or ``"store__workspace"``); querysets are filtered by it, so a detail lookup
    of another tenant's object is a 404. ``workspace_url_kwarg`` names a URL keyword that holds
    the workspace's slug (``/workspaces/{slug}/members/``). Members read and admins write unless
    ``read_role`` and ``write_role`` say otherwise.
    """

    workspace_scoped: ClassVar[bool] = True
    permission_classes: ClassVar[tuple] = (permissions.IsAuthenticated, WorkspaceRolePermission)
    extra_permission_classes: ClassVar[tuple] = ()
    workspace_field: ClassVar[str] = "workspace"
    workspace_url_kwarg: ClassVar[str | None] = None
    read_role: ClassVar[str] = Membership.Role.VIEWER
    write_role: ClassVar[str] = Membership.Role.ADMIN
    role_message: ClassVar[str | None] = None  # what a refused role is told, when not the default

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Every class of the new one's MRO that comes before this mixin could shadow it.
        for klass in cls.__mro__[: cls.__mro__.index(WorkspaceScopedMixin)]:
            overridden = [name for name in _GUARDED if name in vars(klass)]
            if overridden:
                raise ImproperlyConfigured(
                    f"{klass.__qualname__} overrides {', '.join(overridden)}, which scope a workspace's data: "
                    "use scoped_queryset() and extra_permission_classes instead."
                )

    @property
    def membership(self) -> Membership:
        slug = self.kwargs.get(self.workspace_url_kwarg) if self.workspace_url_kwarg else None
        return request_membership(self.request, slug)

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    def get_permissions(self) -> list:
        return [
            permission() for permission in (*WorkspaceScopedMixin.permission_classes, *self.extra_permission_classes)
        ]

    def scope(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` narrowed to the active workspace's rows."""
        return queryset.filter(**{self.workspace_field: self.workspace})

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        """Hook: refine the already scoped queryset (annotations, ordering, select_related)."""
        return queryset

    def get_queryset(self) -> QuerySet:
        return self.scoped_queryset(self.scope(super().get_queryset()))


class ScopedOrDeclared(permissions.BasePermission):
    """DRF's default permission: a view that did not choose its permissions is refused unless it
    declares ``dangerously_unscoped`` (then it needs a logged-in user). Scoped views replace it
    with their own, so it only ever sees views that forgot both."""

    message = "This endpoint is not available."

    def has_permission(self, request, view) -> bool:
        if not getattr(view, "dangerously_unscoped", ""):
            return False
        return bool(request.user and request.user.is_authenticated)


def _views(patterns, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_view_classes(urlconf: str | None = None, prefix: str = "api/v1/") -> Iterator[tuple[str, type]]:
    """``(route, view class)`` of every DRF view under ``prefix`` of the URLconf."""
    for route, callback in _views(get_resolver(urlconf).url_patterns):
        view_class = getattr(callback, "cls", None)
        if route.startswith(prefix) and view_class is not None:
            yield route, view_class


def undeclared_api_views(urlconf: str | None = None) -> list[str]:
    """Routes whose view is neither workspace-scoped nor declares ``dangerously_unscoped``."""
    return [
        f"{route} ({view.__module__}.{view.__qualname__})"
        for route, view in api_view_classes(urlconf)
        if not getattr(view, "workspace_scoped", False) and not getattr(view, "dangerously_unscoped", "")
    ]
