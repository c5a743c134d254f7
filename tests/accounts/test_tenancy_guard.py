"""Tenancy cannot be forgotten: every API view is scoped or says why not, and a scoped view
cannot unscope itself."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import path
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.tenancy import WorkspaceScopedMixin, api_view_classes, undeclared_api_views
from config.urls import urlpatterns as project_urlpatterns


def test_every_api_view_is_workspace_scoped_or_declares_why_not():
    routes = list(api_view_classes())
    assert len(routes) > 40  # the walk reaches the apps' URLconfs
    assert undeclared_api_views() == []


class Forgotten(APIView):
    def get(self, request):
        return Response({"secret": "everyone's"})


class ForgottenPublic(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        return Response({"secret": "everyone's"})


urlpatterns = [
    path("api/v1/test/forgotten/", Forgotten.as_view()),
    path("api/v1/test/forgotten-public/", ForgottenPublic.as_view()),
    *project_urlpatterns,
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_unscoped_api_view_fails_the_walk():
    assert undeclared_api_views(__name__) == [
        f"api/v1/test/forgotten/ ({__name__}.Forgotten)",
        f"api/v1/test/forgotten-public/ ({__name__}.ForgottenPublic)",
    ]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_default_permission_refuses_a_view_that_chose_nothing(api_as, owner):
    response = api_as(owner).get("/api/v1/test/forgotten/")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "This endpoint is not available.",
        "fields": {},
    }


def test_the_system_check_names_an_undeclared_view():
    from accounts.checks import api_views_are_scoped

    with override_settings(ROOT_URLCONF=__name__):
        errors = api_views_are_scoped(None)
    assert [error.id for error in errors] == ["pulse.E010", "pulse.E010"]
    assert "api/v1/test/forgotten/" in errors[0].msg


@pytest.mark.parametrize("name", ["get_queryset", "permission_classes", "get_permissions"])
def test_a_scoped_view_cannot_override_what_scopes_it(name):
    body = {name: (lambda self: None) if name.startswith("get_") else [permissions.AllowAny]}
    with pytest.raises(ImproperlyConfigured, match=f"overrides {name}"):
        type("Unscoping", (WorkspaceScopedMixin, generics.ListAPIView), body)


def test_nor_can_a_mixin_placed_before_it():
    class Leaky:
        def get_queryset(self):
            return Membership.objects.all()

    with pytest.raises(ImproperlyConfigured, match="Leaky overrides get_queryset"):
        type("Unscoping", (Leaky, WorkspaceScopedMixin, generics.ListAPIView), {})


def test_the_hooks_refine_without_unscoping():
    class Refined(WorkspaceScopedMixin, generics.ListAPIView):
        queryset = Membership.objects.all()
        extra_permission_classes = (permissions.IsAdminUser,)

        def scoped_queryset(self, queryset):
            return queryset.order_by("pk")

    permission_types = [type(permission) for permission in Refined().get_permissions()]
    assert permission_types[-1] is permissions.IsAdminUser
    assert len(permission_types) == 3
