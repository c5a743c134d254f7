"""HTML pages of the active workspace: settings (owners change them, admins read them), exports
and deletion, members and invitations, the audit log. They call the services the API calls.

Every form carries the slug of the workspace it was shown for: a POST made after the user
switched workspace in another tab changes nothing (it would otherwise act on the other one).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from accounts import exports, invitations, services
from accounts.audit import audit_events
from accounts.forms import (
    AuditFilterForm,
    InvitationForm,
    RoleForm,
    WorkspaceDeleteForm,
    WorkspaceSettingsForm,
    add_domain_error,
)
from accounts.models import SYSTEM_WORKSPACE_SLUG, Invitation, Membership, WorkspaceExport
from accounts.tenancy import ROLE_RANK, SESSION_WORKSPACE_KEY, page_membership
from accounts.throttles import MemberAddUserThrottle, MemberAddWorkspaceThrottle
from accounts.views import THROTTLED_MESSAGE
from config.errors import DomainError

OWNER, ADMIN, VIEWER = Membership.Role.OWNER, Membership.Role.ADMIN, Membership.Role.VIEWER
SWITCHED = "You switched workspace in another tab: nothing was changed. Check this page and try again."


class WorkspacePage(LoginRequiredMixin, TemplateView):
    """A page of the active workspace: ``read_role`` to see it, ``write_role`` to post to it."""

    read_role = VIEWER
    write_role = OWNER
    refused = "Your role in this workspace does not allow this."

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.membership = page_membership(request)
        if self.membership is None:
            raise Http404("You belong to no workspace.")
        self.workspace = self.membership.workspace
        if request.method == "POST" and request.POST.get("workspace") != self.workspace.slug:
            messages.error(request, SWITCHED)
            return redirect(request.path)
        needed = self.write_role if request.method == "POST" else self.read_role
        if not self.has_role(needed):
            raise PermissionDenied(self.refused)
        return super().dispatch(request, *args, **kwargs)

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.membership.role] >= ROLE_RANK[role]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            workspace=self.workspace,
            membership=self.membership,
            is_owner=self.has_role(OWNER),
            is_admin=self.has_role(ADMIN),
            **kwargs,
        )


class SettingsPage(WorkspacePage):
    template_name = "accounts/workspace_settings.html"
    read_role = ADMIN
    refused = "Admins read a workspace's settings; owners change them."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault(
            "form", WorkspaceSettingsForm.for_workspace(self.workspace, read_only=not self.has_role(OWNER))
        )
        context.setdefault("delete_form", WorkspaceDeleteForm())
        if self.has_role(OWNER):
            recent = WorkspaceExport.objects.filter(workspace=self.workspace).order_by("-created_at", "-pk")[:5]
            context["exports"] = list(recent)
            context["export_busy"] = any(e.status in ("pending", "running") for e in context["exports"])
        context["export_hours"] = settings.EXPORT_MAX_AGE // 3600
        context["deletable"] = self.workspace.personal_for_id is None and self.workspace.slug != SYSTEM_WORKSPACE_SLUG
        return context

    def post(self, request):
        form = WorkspaceSettingsForm.for_workspace(self.workspace, request.POST)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            try:
                workspace = services.workspace_update(workspace=self.workspace, actor=request.user, data=changed)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                request.session[SESSION_WORKSPACE_KEY] = workspace.slug
                messages.success(request, "The settings were saved." if changed else "Nothing changed.")
                return redirect("accounts:workspace-settings")
        self.workspace.refresh_from_db()  # the form's values stay; the page's title is the saved name
        return self.render_to_response(self.get_context_data(form=form))


class ExportStartPage(SettingsPage):
    http_method_names = ["post"]
    read_role = OWNER
    refused = "Only owners export a workspace."

    def post(self, request):
        try:
            exports.export_request(workspace=self.workspace, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "We are making the export: it appears below when it is ready.")
        return redirect("accounts:workspace-settings")


class ExportDownloadPage(SettingsPage):
    http_method_names = ["get"]
    read_role = OWNER
    refused = "Only owners download a workspace's export."

    def get(self, request, export_id: int):
        export = get_object_or_404(WorkspaceExport, pk=export_id, workspace=self.workspace)
        try:
            handle = exports.export_download(export=export, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("accounts:workspace-settings")
        filename = f"pulse-{self.workspace.slug}-export-{export.pk}.zip"
        return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")


class DeletePage(SettingsPage):
    refused = "Only owners delete a workspace."

    def post(self, request):
        form = WorkspaceDeleteForm(request.POST)
        if form.is_valid():
            name = self.workspace.name
            try:
                services.workspace_delete(workspace=self.workspace, actor=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                request.session.pop(SESSION_WORKSPACE_KEY, None)
                messages.success(request, f"The workspace {name} and all its data were deleted.")
                return redirect("home")
        return self.render_to_response(self.get_context_data(delete_form=form))


class MembersPage(WorkspacePage):
    template_name = "accounts/workspace_members.html"
    refused = "Only owners manage members."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        members = self.workspace.memberships.select_related("user").order_by("user__email")
        context["page"] = Paginator(members, 50).get_page(self.request.GET.get("page"))
        context["roles"] = Membership.Role.choices
        context.setdefault("invite_form", InvitationForm())
        context["invitation_days"] = settings.INVITATION_MAX_AGE // 86400
        if self.has_role(ADMIN):
            pending = Invitation.objects.filter(workspace=self.workspace, status=Invitation.Status.PENDING)
            context["invitations"] = pending.select_related("invited_by").order_by("-created_at")[:100]
        context["is_last_owner"] = (
            self.membership.is_owner
            and not self.workspace.memberships.filter(role=OWNER).exclude(pk=self.membership.pk).exists()
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        handlers = {"invite": self._invite, "role": self._role, "remove": self._remove, "revoke": self._revoke}
        handler = handlers.get(action)
        if handler is None:
            messages.error(request, "Unknown action.")
            return redirect("accounts:workspace-members")
        return handler(request)

    def _invite(self, request):
        form = InvitationForm(request.POST)
        for throttle in (MemberAddUserThrottle(), MemberAddWorkspaceThrottle()):
            if not throttle.allow_request(request, self):
                form.add_error(None, THROTTLED_MESSAGE.format(wait=max(1, int(throttle.wait() or 1))))
                return self.render_to_response(self.get_context_data(invite_form=form), status=429)
        if form.is_valid():
            try:
                invitation = invitations.invitation_create(
                    workspace=self.workspace,
                    invited_by=request.user,
                    base_url=request.build_absolute_uri("/"),
                    **form.cleaned_data,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"We sent an invitation to {invitation.email}.")
                return redirect("accounts:workspace-members")
        return self.render_to_response(self.get_context_data(invite_form=form))

    def _member(self, request) -> Membership:
        return get_object_or_404(Membership, workspace=self.workspace, user_id=request.POST.get("user_id") or 0)

    def _role(self, request):
        membership, form = self._member(request), RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a role among owner, admin and viewer.")
        else:
            role = form.cleaned_data["role"]
            self._apply(request, services.member_set_role, membership, f"is {role} now", role=role)
        return redirect("accounts:workspace-members")

    def _remove(self, request):
        self._apply(request, services.member_remove, self._member(request), "was removed")
        return redirect("accounts:workspace-members")

    def _revoke(self, request):
        pk = request.POST.get("invitation_id") or 0
        invitation = get_object_or_404(Invitation, workspace=self.workspace, pk=pk)
        try:
            invitations.invitation_revoke(invitation=invitation, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
        return redirect("accounts:workspace-members")

    @staticmethod
    def _apply(request, service, membership: Membership, done: str, **kwargs) -> None:
        try:
            service(membership=membership, actor=request.user, **kwargs)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{membership.user.email} {done}.")


class AuditLogPage(WorkspacePage):
    template_name = "accounts/audit_log.html"
    read_role = OWNER
    refused = "Only owners read the audit log."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None)
        action = form.cleaned_data.get("action") if form.is_valid() else None
        events = audit_events(self.workspace, action=action or None)
        context.update(filter_form=form, page=Paginator(events, 50).get_page(self.request.GET.get("page")))
        return context
