"""users/me, workspaces and members, as owner, admin, viewer, another workspace's member and
anonymous, with whole payloads."""

import pytest

from accounts.models import Membership, Workspace
from tests.conftest import bearer_client
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ts(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def team(owner, admin_user, viewer, outsider):
    return {"owner": owner, "admin": admin_user, "viewer": viewer, "outsider": outsider}


def _members_payload(workspace):
    rows = workspace.memberships.select_related("user").order_by("user__email")
    return [
        {
            "user_id": m.user.pk,
            "email": m.user.email,
            "full_name": m.user.full_name,
            "role": m.role,
            "created_at": _ts(m.created_at),
        }
        for m in rows
    ]


# --- users/me -----------------------------------------------------------------------------


def test_me_returns_the_user_with_workspaces_and_roles(api_as, owner, workspace, django_assert_num_queries):
    personal = Workspace.objects.create(name="Zed personal", slug="zed", personal_for=owner)
    Membership.objects.create(user=owner, workspace=personal, role="owner")
    client = api_as(owner)
    # savepoint (ATOMIC_REQUESTS), user from the token, memberships with workspaces, release
    with django_assert_num_queries(4):
        response = client.get("/api/v1/users/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": owner.pk,
        "email": "owner@acme.test",
        "full_name": owner.full_name,
        "is_verified": True,
        "is_staff": False,
        "date_joined": _ts(owner.date_joined),
        "workspaces": [
            {"slug": "acme", "name": "Acme", "role": "owner", "personal": False},
            {"slug": "zed", "name": "Zed personal", "role": "owner", "personal": True},
        ],
    }


@pytest.mark.parametrize("who", ["admin", "viewer", "outsider"])
def test_me_answers_each_user_their_own_account(api_as, team, who):
    user = team[who]
    body = bearer_client(user).get("/api/v1/users/me").json()
    assert body["email"] == user.email
    assert [w["slug"] for w in body["workspaces"]] == ["globex" if who == "outsider" else "acme"]


def test_me_needs_authentication(anon_api):
    response = anon_api.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided.", "fields": {}}
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_refuses_a_garbage_token(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = anon_api.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


# --- workspaces ---------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "role"), [("owner", "owner"), ("admin", "admin"), ("viewer", "viewer")])
def test_workspace_list_shows_the_role_of_each_member(api_as, team, workspace, who, role):
    response = api_as(team[who]).get("/api/v1/workspaces/")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": workspace.pk,
                "name": "Acme",
                "slug": "acme",
                "timezone": "UTC",
                "currency": "USD",
                "locale": "en_US",
                "week_start": "monday",
                "role": role,
                "personal": False,
                "created_at": _ts(workspace.created_at),
            }
        ],
    }


def test_workspace_list_never_shows_another_tenant(api_as, team, other_workspace):
    body = api_as(team["outsider"], other_workspace).get("/api/v1/workspaces/").json()
    assert [w["slug"] for w in body["results"]] == ["globex"]
    assert body["count"] == 1


def test_workspace_list_is_paginated(api_as, owner, django_assert_num_queries):
    for n in range(7):
        MembershipFactory(user=owner, workspace__name=f"Shop {n}", workspace__slug=f"shop-{n}", role="viewer")
    client = api_as(owner)
    # savepoint, user from the token, count of the memberships, a page of them with workspaces, release
    with django_assert_num_queries(5):
        response = client.get("/api/v1/workspaces/?page=2&page_size=3")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    assert body["next"] == "http://testserver/api/v1/workspaces/?page=3&page_size=3"
    assert body["previous"] == "http://testserver/api/v1/workspaces/?page_size=3"
    # Acme, Shop 0, Shop 1 | Shop 2, Shop 3, Shop 4 | Shop 5, Shop 6
    assert [(w["slug"], w["role"]) for w in body["results"]] == [
        ("shop-2", "viewer"),
        ("shop-3", "viewer"),
        ("shop-4", "viewer"),
    ]


def test_workspace_list_page_past_the_end_is_not_found(api_as, owner):
    response = api_as(owner).get("/api/v1/workspaces/?page=2")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Invalid page.", "fields": {}}}


def test_workspace_list_needs_authentication(anon_api):
    assert anon_api.get("/api/v1/workspaces/").status_code == 401
    assert anon_api.post("/api/v1/workspaces/", {"name": "X"}, format="json").status_code == 401


@pytest.mark.parametrize("who", ["owner", "admin", "viewer", "outsider"])
def test_any_user_creates_a_workspace_they_own(api_as, team, who):
    response = api_as(team[who]).post(
        "/api/v1/workspaces/", {"name": "Coffee Lab", "timezone": "Europe/Paris", "currency": "eur"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = Workspace.objects.get(slug="coffee-lab")
    assert response.json() == {
        "id": created.pk,
        "name": "Coffee Lab",
        "slug": "coffee-lab",
        "timezone": "Europe/Paris",
        "currency": "EUR",
        "locale": "en_US",
        "week_start": "monday",
        "role": "owner",
        "personal": False,
        "created_at": _ts(created.created_at),
    }
    assert created.memberships.get().user == team[who]
    assert created.personal_for is None


def test_workspace_slugs_stay_unique(api_as, owner):
    client = api_as(owner)
    slugs = [client.post("/api/v1/workspaces/", {"name": "Acme"}, format="json").json()["slug"] for _ in range(2)]
    assert slugs == ["acme-2", "acme-3"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "X", "currency": "EURO"}, "currency"),
        ({"name": ""}, "name"),
        ({}, "name"),
    ],
)
def test_workspace_create_rejects_bad_input_and_writes_nothing(api_as, owner, payload, field):
    before = Workspace.objects.count()
    response = api_as(owner).post("/api/v1/workspaces/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert Workspace.objects.count() == before


# --- members ------------------------------------------------------------------------------

MEMBERS = "/api/v1/workspaces/acme/members/"


@pytest.mark.parametrize("who", ["owner", "admin", "viewer"])
def test_members_list_for_every_member(api_as, team, workspace, who, django_assert_num_queries):
    client = api_as(team[who])
    # savepoint, user with the caller's membership, count of the members, a page of them with
    # their users, release
    with django_assert_num_queries(5):
        response = client.get(MEMBERS)
    assert response.status_code == 200
    assert response.json() == {"count": 3, "next": None, "previous": None, "results": _members_payload(workspace)}
    assert [m["email"] for m in response.json()["results"]] == [
        "admin@acme.test",
        "owner@acme.test",
        "viewer@acme.test",
    ]


def test_members_list_is_paginated(api_as, team, workspace):
    # 3 members of the fixture (admin, owner, viewer @acme.test) and 58 more: 61
    for n in range(58):
        MembershipFactory(workspace=workspace, role="viewer", user__email=f"m{n:02d}@acme.test")
    owner = team["owner"]
    response = api_as(owner).get(f"{MEMBERS}?page_size=5")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 61
    assert len(body["results"]) == 5
    assert [m["email"] for m in body["results"]] == [
        "admin@acme.test",
        "m00@acme.test",
        "m01@acme.test",
        "m02@acme.test",
        "m03@acme.test",
    ]
    assert body["next"] == f"http://testserver{MEMBERS}?page=2&page_size=5"
    assert body["previous"] is None
    last = api_as(owner).get(f"{MEMBERS}?page=13&page_size=5").json()
    assert [m["email"] for m in last["results"]] == ["viewer@acme.test"]
    assert last["next"] is None


def test_members_of_another_workspace_are_not_found(api_as, team):
    response = api_as(team["outsider"]).get(MEMBERS)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_members_of_an_unknown_workspace_are_not_found(api_as, team):
    assert api_as(team["owner"]).get("/api/v1/workspaces/nope/members/").status_code == 404


def test_members_need_authentication(anon_api, workspace):
    assert anon_api.get(MEMBERS).status_code == 401
    assert anon_api.post(MEMBERS, {"email": "a@b.c"}, format="json").status_code == 401
    assert anon_api.patch(f"{MEMBERS}1/", {"role": "admin"}, format="json").status_code == 401
    assert anon_api.delete(f"{MEMBERS}1/").status_code == 401


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_owners_add_members(api_as, team, workspace, who):
    UserFactory(email="new@acme.test")
    response = api_as(team[who]).post(MEMBERS, {"email": "new@acme.test"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": "Only owners manage members.", "fields": {}}
    }
    assert workspace.memberships.count() == 3


def test_outsider_cannot_add_members(api_as, team, workspace):
    UserFactory(email="new@acme.test")
    assert api_as(team["outsider"]).post(MEMBERS, {"email": "new@acme.test"}, format="json").status_code == 404
    assert workspace.memberships.count() == 3


def test_adding_with_a_bad_role_is_invalid(api_as, team):
    UserFactory(email="new@acme.test")
    response = api_as(team["owner"]).post(MEMBERS, {"email": "new@acme.test", "role": "god"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"role": ['"god" is not a valid choice.']}


def test_owner_changes_a_role(api_as, team, workspace):
    viewer = team["viewer"]
    response = api_as(team["owner"]).patch(f"{MEMBERS}{viewer.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 200
    membership = Membership.objects.get(user=viewer, workspace=workspace)
    assert membership.role == "admin"
    assert response.json() == {
        "user_id": viewer.pk,
        "email": "viewer@acme.test",
        "full_name": viewer.full_name,
        "role": "admin",
        "created_at": _ts(membership.created_at),
    }


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_owners_change_roles(api_as, team, who):
    target = team["viewer"]
    response = api_as(team[who]).patch(f"{MEMBERS}{target.pk}/", {"role": "owner"}, format="json")
    assert response.status_code == 403
    assert Membership.objects.get(user=target).role == "viewer"


def test_outsider_cannot_change_roles(api_as, team):
    target = team["viewer"]
    assert api_as(team["outsider"]).patch(f"{MEMBERS}{target.pk}/", {"role": "owner"}, format="json").status_code == 404


def test_changing_the_role_of_a_non_member_is_not_found(api_as, team):
    response = api_as(team["owner"]).patch(f"{MEMBERS}{team['outsider'].pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 404


def test_the_last_owner_cannot_be_demoted(api_as, team, workspace):
    owner = team["owner"]
    response = api_as(owner).patch(f"{MEMBERS}{owner.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "conflict",
        "message": "A workspace keeps at least one owner.",
        "fields": {},
    }
    assert Membership.objects.get(user=owner, workspace=workspace).role == "owner"


def test_the_last_owner_cannot_be_removed(api_as, team, workspace):
    owner = team["owner"]
    response = api_as(owner).delete(f"{MEMBERS}{owner.pk}/")
    assert response.status_code == 409
    assert Membership.objects.filter(user=owner, workspace=workspace).exists()


def test_an_owner_can_leave_when_another_owner_remains(api_as, team, workspace):
    owner = team["owner"]
    second = MembershipFactory(workspace=workspace, role="owner", user__email="second@acme.test").user
    assert api_as(owner).patch(f"{MEMBERS}{owner.pk}/", {"role": "viewer"}, format="json").status_code == 200
    # now `second` is the last owner
    assert api_as(second).delete(f"{MEMBERS}{second.pk}/").status_code == 409
    assert api_as(second).delete(f"{MEMBERS}{owner.pk}/").status_code == 204
    assert list(workspace.memberships.values_list("user__email", flat=True).order_by("user__email")) == [
        "admin@acme.test",
        "second@acme.test",
        "viewer@acme.test",
    ]


def test_owner_removes_a_member(api_as, team, workspace):
    viewer = team["viewer"]
    response = api_as(team["owner"]).delete(f"{MEMBERS}{viewer.pk}/")
    assert response.status_code == 204
    assert response.content == b""
    assert not Membership.objects.filter(user=viewer, workspace=workspace).exists()
    # the removed member no longer sees the workspace
    assert api_as(viewer, workspace).get(MEMBERS).status_code == 404


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_owners_remove_members(api_as, team, workspace, who):
    target = team["viewer"] if who == "admin" else team["admin"]
    assert api_as(team[who]).delete(f"{MEMBERS}{target.pk}/").status_code == 403
    assert workspace.memberships.count() == 3


def test_outsider_cannot_remove_members(api_as, team, workspace):
    assert api_as(team["outsider"]).delete(f"{MEMBERS}{team['viewer'].pk}/").status_code == 404
    assert workspace.memberships.count() == 3
