"""HTML pages under /reports/: annotations, share links, the digest subscription and its preview.

They call the services the API calls, through the API's serializers, in the active workspace
(``accounts.workspace_pages.WorkspacePage``: its role checks and the form's workspace guard).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Membership
from accounts.workspace_pages import WorkspacePage
from config.errors import DomainError
from reports import annotations, digests, sharing
from reports.api.annotations import AnnotationSerializer
from reports.api.digests import DigestSubscriptionSerializer
from reports.api.sharing import ShareLinkSerializer
from reports.models import Annotation, DigestSubscription, ShareLink

ADMIN, VIEWER = Membership.Role.ADMIN, Membership.Role.VIEWER
ANNOTATION_FIELDS = ("starts_at", "ends_at", "text", "project_id")
LINK_FIELDS = ("label", "dashboard", "range_kind", "date_from", "date_to", "rolling_days", "expires_at", "password")


def _errors(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {_errors(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_errors(value) for value in detail)
    return str(detail)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return redirect(target if target and safe else default)


class AnnotationsPage(WorkspacePage):
    """The workspace's annotations; admins and owners add (also from a chart) and delete them."""

    template_name = "reports/annotations.html"
    write_role = ADMIN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        rows = Annotation.objects.filter(workspace=self.workspace).select_related("created_by").order_by("-starts_at")
        return super().get_context_data(annotations=rows[:200], can_write=self.has_role(ADMIN), **kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        if "delete" in request.POST:
            get_object_or_404(Annotation, workspace=self.workspace, pk=request.POST["delete"]).delete()
            messages.success(request, "Annotation deleted.")
            return redirect("reports:annotations")
        data = {
            name: request.POST[name]
            for name in ("starts_at", "ends_at", "text", "project_id")
            if request.POST.get(name)
        }
        # A chart's date and the form's local time are the workspace's wall clock.
        with timezone.override(ZoneInfo(self.workspace.timezone)):
            serializer = AnnotationSerializer(data=data)
            valid = serializer.is_valid()
        try:
            if not valid:
                raise DomainError(_errors(serializer.errors))
            annotations.annotation_create(workspace=self.workspace, user=request.user, **serializer.validated_data)
        except DomainError as error:
            messages.error(request, f"The annotation was not added: {error.message}")
        else:
            messages.success(request, "Annotation added.")
        return _back(request, "reports:annotations")


class ShareLinksPage(WorkspacePage):
    """Owners and admins list, create and revoke the workspace's share links."""

    template_name = "reports/share_links.html"
    read_role = ADMIN
    write_role = ADMIN
    refused = "Owners and admins manage share links."

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            links=ShareLink.objects.filter(workspace=self.workspace)[:200],
            dashboards=sorted(sharing.DASHBOARDS),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if "revoke" in request.POST:
            link = get_object_or_404(ShareLink, workspace=self.workspace, pk=request.POST["revoke"])
            sharing.share_link_revoke(link=link)
            messages.success(request, f"{link} revoked.")
            return redirect("reports:share-links")
        data: dict[str, Any] = {
            name: request.POST[name]
            for name in (
                "label",
                "dashboard",
                "range_kind",
                "date_from",
                "date_to",
                "rolling_days",
                "expires_at",
                "password",
            )
            if request.POST.get(name)
        }
        if request.POST.get("key"):
            data["filters"] = {"key": request.POST["key"]}
        data["allowed_origins"] = request.POST.get("allowed_origins", "").split()
        data["allow_csv"] = request.POST.get("allow_csv") == "on"
        serializer = ShareLinkSerializer(data=data, context={"request": request})
        try:
            if not serializer.is_valid():
                raise DomainError(_errors(serializer.errors))
            issued = sharing.share_link_create(workspace=self.workspace, user=request.user, **serializer.validated_data)
        except DomainError as error:
            messages.error(request, f"The link was not created: {error.message}")
            return redirect("reports:share-links")
        messages.success(
            request, f"Link created; copy it now, it is shown once: {request.build_absolute_uri(issued.path)}"
        )
        return redirect("reports:share-links")


class DigestPage(WorkspacePage):
    """The member's own digest of the workspace: frequency, local hour, time zone; a preview."""

    template_name = "reports/digest.html"
    write_role = VIEWER

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        subscription = digests.subscription_of(self.request.user, self.workspace)
        return super().get_context_data(
            subscription=subscription,
            frequencies=DigestSubscription.Frequency.choices,
            hours=range(24),
            preview=digests.written(digests.preview(subscription), self.workspace.locale),
            **kwargs,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        data = {name: request.POST.get(name, "") for name in ("frequency", "hour", "timezone")}
        serializer = DigestSubscriptionSerializer(data={**data, "active": request.POST.get("active") == "on"})
        if serializer.is_valid():
            digests.subscription_save(user=request.user, workspace=self.workspace, **serializer.validated_data)
            messages.success(request, "Your digest settings are saved.")
        else:
            messages.error(request, f"Nothing was saved: {_errors(serializer.errors)}")
        return redirect("reports:digest")


@method_decorator(csrf_exempt, name="dispatch")  # mail clients' one-click POST (RFC 8058) has no CSRF token
class UnsubscribeView(View):
    """GET asks to confirm (mail scanners follow links); POST unsubscribes. The signed token names
    one subscription and is good for nothing else."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.subscription = digests.subscription_for_token(kwargs["token"])
        if self.subscription is None:
            return render(request, "reports/unsubscribe.html", {"invalid": True}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return render(request, "reports/unsubscribe.html", {"subscription": self.subscription})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        DigestSubscription.objects.filter(pk=self.subscription.pk).update(active=False)
        return render(request, "reports/unsubscribe.html", {"subscription": self.subscription, "done": True})
