"""Workspace resolution (X-Workspace, the personal workspace, the session's) and scoping."""

import pytest

from accounts.models import Membership, Workspace
from tests.conftest import bearer_client
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.scoped_urls")]

URL = "/api/v1/test/scoped/"


def test_x_workspace_selects_the_workspace(api_as, owner, admin_user, viewer, outsider, workspace):
    response = api_as(owner).get(URL)
    assert response.status_code == 200
    assert [(r["email"], r["role"]) for r in response.json()] == [
        ("admin@acme.test", "admin"),
        ("owner@acme.test", "owner"),
        ("viewer@acme.test", "viewer"),
    ]


def test_without_header_the_personal_workspace_is_used(owner, workspace):
    personal = Workspace.objects.create(name="Mine", slug="mine", personal_for=owner)
    Membership.objects.create(user=owner, workspace=personal, role="owner")
    response = bearer_client(owner).get(URL)
    assert [r["email"] for r in response.json()] == ["owner@acme.test"]
    assert Membership.objects.get(pk=response.json()[0]["id"]).workspace == personal


def test_without_header_or_personal_workspace_the_first_membership_is_used(owner):
    assert len(bearer_client(owner).get(URL).json()) == 1


@pytest.mark.parametrize("slug", ["globex", "does-not-exist", "bad slug!", "x" * 200])
def test_an_unknown_or_foreign_workspace_is_not_found(api_as, owner, other_workspace, slug):
    response = bearer_client(owner).get(URL, HTTP_X_WORKSPACE=slug)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_another_tenants_object_is_not_found(api_as, owner, outsider, other_workspace):
    foreign = Membership.objects.get(user=outsider)
    assert api_as(owner).get(f"{URL}{foreign.pk}/").status_code == 404
    own = Membership.objects.get(user=owner)
    assert api_as(owner).get(f"{URL}{own.pk}/").json() == {"id": own.pk, "email": "owner@acme.test", "role": "owner"}


def test_outsider_sees_only_their_workspace(api_as, owner, outsider, other_workspace):
    response = api_as(outsider, other_workspace).get(URL)
    assert [r["email"] for r in response.json()] == ["owner@globex.test"]


def test_viewers_read_but_do_not_write(api_as, viewer):
    client = api_as(viewer)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "Your role in this workspace does not allow this action.",
            "fields": {},
        }
    }


@pytest.mark.parametrize("fixture", ["owner", "admin_user"])
def test_admins_and_owners_write(api_as, request, fixture):
    response = api_as(request.getfixturevalue(fixture)).post(URL, {}, format="json")
    assert response.status_code == 400  # past the permission check, into the view


def test_owner_only_views_refuse_admins_even_to_read(api_as, owner, admin_user):
    assert api_as(owner).get("/api/v1/test/owners/").status_code == 200
    assert api_as(admin_user).get("/api/v1/test/owners/").status_code == 403


def test_anonymous_is_401(anon_api, workspace):
    anon_api.credentials(HTTP_X_WORKSPACE="acme")
    assert anon_api.get(URL).status_code == 401


def test_session_users_keep_the_workspace_they_switched_to(client, owner, outsider, other_workspace):
    MembershipFactory(user=owner, workspace=other_workspace, role="viewer")
    client.force_login(owner)
    client.post("/accounts/workspace/switch/", {"workspace": "globex"})
    assert sorted(r["email"] for r in client.get(URL).json()) == ["owner@acme.test", "owner@globex.test"]


def test_a_session_workspace_left_since_falls_back_to_the_personal_one(client, owner, outsider, other_workspace):
    MembershipFactory(user=owner, workspace=other_workspace, role="viewer")
    client.force_login(owner)
    client.post("/accounts/workspace/switch/", {"workspace": "globex"})
    Membership.objects.filter(user=owner, workspace=other_workspace).delete()
    response = client.get(URL)
    assert response.status_code == 200
    assert [r["email"] for r in response.json()] == ["owner@acme.test"]
    assert "workspace_slug" not in client.session
