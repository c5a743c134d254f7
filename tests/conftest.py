"""Fixtures shared by every test: fast settings, eager Celery, a clean cache, and the four
people each endpoint is tested as (owner, viewer, outsider, anonymous) plus an admin."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership
from config.celery import app as celery_app
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex", slug="globex")


@pytest.fixture
def owner(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.OWNER, user__email="owner@acme.test").user


@pytest.fixture
def admin_user(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__email="admin@acme.test").user


@pytest.fixture
def viewer(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.VIEWER, user__email="viewer@acme.test").user


@pytest.fixture
def outsider(other_workspace):
    return MembershipFactory(
        workspace=other_workspace, role=Membership.Role.OWNER, user__email="owner@globex.test"
    ).user


@pytest.fixture
def staff_user(db):
    return UserFactory(email="staff@pulse.test", is_staff=True, is_superuser=True)


def bearer_client(user, workspace=None) -> APIClient:
    """An API client that authenticates like a real one: a bearer token and X-Workspace."""
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}
    if workspace is not None:
        headers["HTTP_X_WORKSPACE"] = workspace.slug
    client.credentials(**headers)
    return client


@pytest.fixture
def api_as(workspace):
    """``api_as(user)``: a bearer-token client acting in ``workspace`` (or the one given)."""

    def make(user, in_workspace=None):
        return bearer_client(user, in_workspace or workspace)

    return make


@pytest.fixture
def anon_api():
    return APIClient()
