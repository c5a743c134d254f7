"""Adding a member: members join by invitation, so an add sends one; the answer never tells
whether an address has an account, and adds are throttled per owner and per workspace."""

import os
import subprocess
import sys

import pytest
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Invitation, Membership
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/workspaces/acme/members/"


def _added(email: str, role: str = "viewer") -> dict:
    return {"detail": f"We sent {email} an invitation, unless it is a member already.", "email": email,
            "role": role}  # fmt: skip


def _comparable(response) -> tuple:
    """Everything a caller sees of an answer, less what differs between any two requests."""
    headers = {k: v for k, v in response.items() if k not in {"X-Request-ID", "Date"}}
    return response.status_code, headers, response.content


def test_owner_adds_an_account_by_inviting_it_with_its_role(api_as, owner, workspace):
    newcomer = UserFactory(email="new@acme.test")
    response = api_as(owner).post(MEMBERS, {"email": " NEW@acme.test", "role": "admin"}, format="json")
    assert response.status_code == 202
    assert response.json() == _added("new@acme.test", "admin")
    # Not a member until they accept.
    assert not Membership.objects.filter(user=newcomer, workspace=workspace).exists()
    assert Invitation.objects.values_list("email", "role", "status").get() == ("new@acme.test", "admin", "pending")


def test_an_added_member_is_invited_as_a_viewer_by_default(api_as, owner, workspace):
    UserFactory(email="new@acme.test")
    assert api_as(owner).post(MEMBERS, {"email": "new@acme.test"}, format="json").json() == _added("new@acme.test")
    assert Invitation.objects.get().role == "viewer"


def test_an_address_with_an_account_and_one_without_are_answered_alike(api_as, owner, workspace):
    client = api_as(owner)
    without_account = client.post(MEMBERS, {"email": "probe@acme.test"}, format="json")
    UserFactory(email="probe@acme.test")
    with_account = client.post(MEMBERS, {"email": "probe@acme.test"}, format="json")
    # The same address, first without and then with an account: byte for byte the same answer.
    assert _comparable(with_account) == _comparable(without_account)
    assert with_account.status_code == 202
    assert with_account.json() == _added("probe@acme.test")
    assert list(workspace.memberships.values_list("user__email", flat=True)) == ["owner@acme.test"]
    # The second invitation replaced the first.
    assert sorted(Invitation.objects.values_list("email", "status")) == [
        ("probe@acme.test", "pending"), ("probe@acme.test", "revoked")]  # fmt: skip


def test_an_existing_member_is_answered_alike_and_keeps_their_role(api_as, owner, viewer, workspace):
    client = api_as(owner)
    member = client.post(MEMBERS, {"email": "viewer@acme.test", "role": "admin"}, format="json")
    stranger = client.post(MEMBERS, {"email": "nobody@acme.test", "role": "admin"}, format="json")
    assert member.status_code == stranger.status_code == 202
    assert member.json() == _added("viewer@acme.test", "admin")
    assert Membership.objects.get(user=viewer, workspace=workspace).role == "viewer"
    assert list(Invitation.objects.values_list("email", flat=True)) == ["nobody@acme.test"]


@pytest.fixture
def low_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "member_add_user": "3/hour", "member_add_workspace": "4/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600


def test_adds_are_throttled_per_owner_across_workspaces(api_as, owner, workspace, low_rates):
    other = WorkspaceFactory(slug="other")
    MembershipFactory(user=owner, workspace=other, role="owner")
    client = api_as(owner)
    for n in range(3):
        slug = ("acme", "other", "acme")[n]
        path = f"/api/v1/workspaces/{slug}/members/"
        assert client.post(path, {"email": f"p{n}@x.test"}, format="json").status_code == 202
    _assert_throttled(client.post("/api/v1/workspaces/other/members/", {"email": "p9@x.test"}, format="json"))
    # Reading the members is not throttled.
    assert client.get(MEMBERS).status_code == 200


def test_adds_are_throttled_per_workspace_across_owners(api_as, owner, workspace, low_rates):
    second = MembershipFactory(workspace=workspace, role="owner", user__email="second@acme.test").user
    for n, who in enumerate((owner, owner, second, second)):
        assert api_as(who).post(MEMBERS, {"email": f"p{n}@x.test"}, format="json").status_code == 202
    _assert_throttled(api_as(second).post(MEMBERS, {"email": "p9@x.test"}, format="json"))


def test_strangers_do_not_spend_a_workspaces_budget(api_as, owner, viewer, outsider, workspace, low_rates):
    for _ in range(6):
        assert api_as(viewer).post(MEMBERS, {"email": "p@x.test"}, format="json").status_code == 403
        assert api_as(outsider).post(MEMBERS, {"email": "p@x.test"}, format="json").status_code == 404
    assert api_as(owner).post(MEMBERS, {"email": "p@x.test"}, format="json").status_code == 202


def test_the_rates_come_from_the_environment():
    script = "import django; django.setup(); from django.conf import settings as s; "
    script += "r = s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; print(r['member_add_user'], r['member_add_workspace'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"THROTTLE_MEMBER_ADD_USER": "5/min", "THROTTLE_MEMBER_ADD_WORKSPACE": "7/day"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.split()[-2:] == ["5/min", "7/day"]
