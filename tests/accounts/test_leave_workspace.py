"""Leaving a workspace: any member but its last owner, through the API and the home page."""

import pytest

from accounts.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LEAVE = "/api/v1/workspaces/acme/leave"
LAST_OWNER = "You are the workspace's last owner: make another member an owner before you leave."


@pytest.mark.parametrize("who", ["viewer", "admin_user"])
def test_a_member_leaves(api_as, workspace, owner, who, request):
    member = request.getfixturevalue(who)
    response = api_as(member).post(LEAVE)
    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(user=member, workspace=workspace).exists()
    # the workspace is theirs no more: 404, as any workspace they are not a member of
    assert api_as(member).get("/api/v1/workspaces/acme/members/").status_code == 404
    assert list(workspace.memberships.values_list("user__email", flat=True)) == ["owner@acme.test"]


def test_the_last_owner_cannot_leave(api_as, workspace, owner, viewer):
    response = api_as(owner).post(LEAVE)
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "conflict", "message": LAST_OWNER, "fields": {}}}
    assert Membership.objects.get(user=owner, workspace=workspace).role == "owner"


def test_an_owner_leaves_when_another_owner_remains(api_as, workspace, owner):
    second = MembershipFactory(workspace=workspace, role="owner", user__email="second@acme.test").user
    assert api_as(owner).post(LEAVE).status_code == 204
    assert list(workspace.memberships.values_list("user", flat=True)) == [second.pk]
    assert api_as(second).post(LEAVE).status_code == 409


def test_leaving_a_workspace_of_which_one_is_no_member_is_not_found(api_as, outsider, workspace, owner):
    response = api_as(outsider).post(LEAVE)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_as(owner).post("/api/v1/workspaces/nope/leave").status_code == 404
    assert workspace.memberships.count() == 1


def test_leaving_needs_a_login(anon_api, workspace):
    assert anon_api.post(LEAVE).status_code == 401


def test_the_schema_documents_leave(client):
    operation = client.get("/api/schema/?format=json").json()["paths"]["/api/v1/workspaces/{slug}/leave"]["post"]
    assert sorted(operation["responses"]) == ["204", "401", "403", "404", "409"]


# --- the home page's button ----------------------------------------------------------------


def test_the_home_page_offers_a_viewer_to_leave(client, viewer, workspace):
    client.force_login(viewer)
    html = client.get("/").content.decode()
    assert 'action="/accounts/workspace/leave/"' in html
    assert '<input type="hidden" name="workspace" value="acme">' in html
    assert ">Leave this workspace</button>" in html
    response = client.post("/accounts/workspace/leave/", {"workspace": "acme"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "You left Acme." in response.content.decode()
    assert not Membership.objects.filter(user=viewer, workspace=workspace).exists()


def test_the_home_page_tells_the_last_owner_why_they_cannot_leave(client, owner, workspace):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Leave this workspace</button>" not in html
    assert "You are this workspace's last owner: make another member an owner before you can leave it." in html
    response = client.post("/accounts/workspace/leave/", {"workspace": "acme"}, follow=True)
    assert LAST_OWNER.replace("'", "&#x27;") in response.content.decode()
    assert Membership.objects.filter(user=owner, workspace=workspace).exists()


def test_leaving_by_the_form_needs_a_post(client, viewer):
    client.force_login(viewer)
    assert client.get("/accounts/workspace/leave/").status_code == 405
