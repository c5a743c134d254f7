"""The API metrics setup pages: projects (create, settings, delete), their keys (create, rotate,
revoke) and the "send your first event" panel with its live indicator.

The roles are the API's: members read projects, admins and owners change them, and only admins
and owners see keys. Forms are validated by the API's serializers and written by the same
services, so the audit log records each key's creation, rotation and revocation once.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from accounts.models import Membership
from accounts.workspace_pages import WorkspacePage
from apimetrics import keys, projects, snippets
from apimetrics.forms import KeyCreateForm, KeyRotateForm, ProjectDeleteForm, ProjectForm
from apimetrics.models import ApiKey, MinuteRollup, Project, RequestEvent
from config.errors import Conflict, DomainError

ADMIN = Membership.Role.ADMIN
KEYS_SHOWN = 100


class ProjectPage(WorkspacePage):
    write_role = ADMIN
    refused = "Members read API projects; admins and owners change them."

    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(Project, workspace=self.workspace, key=self.kwargs["key"])
        return self._project

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_write=self.has_role(self.write_role), **kwargs)


class ProjectCreatePage(ProjectPage):
    template_name = "apimetrics/project_new.html"
    read_role = ADMIN

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ProjectForm(initial={"timezone": self.workspace.timezone}))
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = ProjectForm(request.POST)
        if form.is_valid():
            data = dict(form.validated)
            try:
                project = projects.project_create(workspace=self.workspace, timezone_name=data.pop("timezone"), **data)
            except Conflict as error:
                form.add_error("key", error.message)
            else:
                messages.success(request, f"The project {project.name} was created: now give it a key.")
                return redirect("apimetrics:project-keys", key=project.key)
        return self.render_to_response(self.get_context_data(form=form))


class ProjectSettingsPage(ProjectPage):
    template_name = "apimetrics/project_settings.html"

    def get_context_data(self, **kwargs):
        project = self.get_project()
        if "form" not in kwargs:
            fields = ("name", "key", "timezone", "retention_days", "apdex_threshold_ms")
            kwargs["form"] = ProjectForm(initial={name: getattr(project, name) for name in fields})
            for form_field in kwargs["form"].fields.values():
                form_field.disabled = not self.has_role(self.write_role)
        kwargs.setdefault("delete_form", ProjectDeleteForm(project_key=project.key))
        return super().get_context_data(project=project, **kwargs)

    def post(self, request, key: str):
        project = self.get_project()
        form = ProjectForm(request.POST, instance=project)
        if form.is_valid():
            try:
                projects.project_update(project=project, data=form.validated)
            except Conflict as error:
                form.add_error("key", error.message)
            else:
                messages.success(request, "The project's settings were saved.")
                return redirect("apimetrics:project-settings", key=project.key)
        project.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form))


class ProjectDeletePage(ProjectSettingsPage):
    http_method_names = ["post"]

    def post(self, request, key: str):
        project = self.get_project()
        form = ProjectDeleteForm(request.POST, project_key=project.key)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(delete_form=form))
        projects.project_delete(project=project)
        messages.success(request, f"The project {project.name}, its keys and its events were deleted.")
        return redirect("apimetrics:projects")


class KeysPage(ProjectPage):
    """The project's keys; a key just issued (created or rotated) is shown once, in the answer to
    the POST that made it, and fills in the snippets."""

    template_name = "apimetrics/project_keys.html"
    read_role = ADMIN
    refused = "Only admins and owners see and manage a project's keys."

    def get_context_data(self, **kwargs):
        project = self.get_project()
        issued = kwargs.get("issued")
        url = self.request.build_absolute_uri(reverse("api:apimetrics-track"))
        kwargs.setdefault("form", KeyCreateForm())
        kwargs.setdefault("rotate_form", KeyRotateForm())
        return super().get_context_data(
            project=project,
            api_keys=list(project.api_keys.select_related("created_by").order_by("-created_at", "-pk")[:KEYS_SHOWN]),
            grace_hours=keys.default_grace().total_seconds() / 3600,
            tracking_url=url,
            snippets=snippets.all_snippets(url, issued.secret if issued else None),
            received=first_event_received(project),
            **kwargs,
        )

    def post(self, request, key: str):
        form = KeyCreateForm(request.POST)
        if form.is_valid():
            try:
                keys.check_can_issue(request.user)
                issued = keys.api_key_create(project=self.get_project(), user=request.user, **form.validated)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                return self.render_to_response(self.get_context_data(issued=issued, created=True), status=201)
        return self.render_to_response(self.get_context_data(form=form))


class KeyRotatePage(KeysPage):
    http_method_names = ["post"]

    def post(self, request, key: str, pk: int):
        api_key = get_object_or_404(ApiKey, project=self.get_project(), pk=pk)
        form = KeyRotateForm(request.POST)
        if form.is_valid():
            try:
                keys.check_can_issue(request.user)
                issued = keys.api_key_rotate(api_key=api_key, user=request.user, grace=form.serializer.grace)
            except DomainError as error:
                # Not the grace's fault (a key revoked meanwhile, an address to confirm): the
                # key's row may have no form any more, so the message goes above the page.
                messages.error(request, f"{api_key.name} ({api_key.public_prefix}…) was not rotated: {error.message}")
                return redirect("apimetrics:project-keys", key=self.get_project().key)
            else:
                api_key.refresh_from_db()
                context = self.get_context_data(issued=issued, rotated=api_key)
                return self.render_to_response(context, status=201)
        context = self.get_context_data(rotate_form=form, rotate_error_for=api_key.pk)
        return self.render_to_response(context)


class KeyRevokePage(KeysPage):
    http_method_names = ["post"]

    def post(self, request, key: str, pk: int):
        api_key = get_object_or_404(ApiKey, project=self.get_project(), pk=pk)
        try:
            keys.api_key_revoke(api_key=api_key, user=request.user)
        except DomainError as error:
            messages.error(request, f"{api_key.name} ({api_key.public_prefix}…) was kept: {error.message}")
        else:
            messages.success(request, f"The key {api_key.name} ({api_key.public_prefix}…) was revoked.")
        return redirect("apimetrics:project-keys", key=self.get_project().key)


def first_event_received(project: Project) -> bool:
    """Whether the project ever received an event: a raw one, or one already rolled up (raw
    events past the retention are gone, their rollups stay)."""
    return (
        RequestEvent.objects.filter(project=project).exists() or MinuteRollup.objects.filter(project=project).exists()
    )


class FirstEventStatus(ProjectPage):
    """What the live indicator polls: ``{"received": bool}``."""

    http_method_names = ["get"]

    def get(self, request, key: str):
        return JsonResponse({"received": first_event_received(self.get_project())})
