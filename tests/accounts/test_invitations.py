"""Invitations: owners invite an address with a role; a signed, single-use, expiring link; the
invitee accepts when logged in with that address. Members join by invitation only."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from accounts.invitations import INVITATION_SALT, invitation_token
from accounts.models import AuditEvent, Invitation, Membership
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

INVITATIONS = "/api/v1/workspaces/acme/invitations/"
ACCEPT = "/api/v1/invitations/accept"
MEMBERS = "/api/v1/workspaces/acme/members/"


def _invite(client, callbacks, email="new@acme.test", role="viewer"):
    with callbacks(execute=True):
        return client.post(INVITATIONS, {"email": email, "role": role}, format="json")


def _mailed_token(message) -> str:
    link = re.search(r"(http://testserver/accounts/invitations/accept/\?token=\S+)", message.body).group(1)
    return parse_qs(urlsplit(link).query)["token"][0]


def _payload(invitation: Invitation, status: str = "pending") -> dict:
    def ts(value):
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "id": invitation.pk, "email": invitation.email, "role": invitation.role, "status": status,
        "invited_by": invitation.invited_by.email if invitation.invited_by else None,
        "created_at": ts(invitation.created_at), "expires_at": ts(invitation.expires_at),
        "responded_at": ts(invitation.responded_at),
    }  # fmt: skip


def test_an_owner_invites_and_the_address_gets_a_link(api_as, owner, workspace, django_capture_on_commit_callbacks):
    response = _invite(api_as(owner), django_capture_on_commit_callbacks, email=" New@Acme.test", role="admin")
    assert response.status_code == 201
    invitation = Invitation.objects.get()
    assert response.json() == _payload(invitation)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("new@acme.test", "admin", owner)
    assert invitation.expires_at == invitation.created_at + dt.timedelta(seconds=settings.INVITATION_MAX_AGE)
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["new@acme.test"], "Join Acme on Pulse")
    assert "to join the workspace Acme on Pulse as admin" in message.body
    assert signing.loads(_mailed_token(message), salt=INVITATION_SALT) == {
        "id": invitation.pk,
        "email": "new@acme.test",
    }
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.target) == (owner, "member.invited", "new@acme.test")
    assert event.details == {"role": "admin", "invitation_id": invitation.pk}


def test_the_answer_is_the_same_whether_the_address_has_an_account(api_as, owner, workspace,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    client = api_as(owner)
    UserFactory(email="known@acme.test")
    known = _invite(client, django_capture_on_commit_callbacks, email="known@acme.test").json()
    unknown = _invite(client, django_capture_on_commit_callbacks, email="unknown@acme.test").json()
    for body in (known, unknown):
        del body["id"], body["email"], body["created_at"], body["expires_at"]
    assert known == unknown
    assert [m.to for m in mail.outbox] == [["known@acme.test"], ["unknown@acme.test"]]


def test_inviting_again_replaces_the_pending_invitation(api_as, owner, workspace, django_capture_on_commit_callbacks):
    client = api_as(owner)
    first = _invite(client, django_capture_on_commit_callbacks).json()
    second = _invite(client, django_capture_on_commit_callbacks, role="admin").json()
    assert Invitation.objects.get(pk=first["id"]).status == "revoked"
    assert Invitation.objects.get(pk=second["id"]).status == "pending"
    assert client.get(INVITATIONS).json()["results"][0]["role"] == "admin"


def test_a_member_is_not_invited(api_as, owner, viewer, workspace):
    response = api_as(owner).post(INVITATIONS, {"email": "VIEWER@acme.test"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "conflict", "message": "This address is already a member of the "
                                        "workspace.", "fields": {"email": ["Already a member."]}}  # fmt: skip
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"), [({"email": "nope"}, "email"), ({}, "email"), ({"email": "a@b.test", "role": "god"}, "role")]
)
def test_bad_invitations_are_field_errors_and_write_nothing(api_as, owner, workspace, payload, field):
    response = api_as(owner).post(INVITATIONS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_admins_read_invitations_but_only_owners_invite_and_withdraw(api_as, owner, admin_user, viewer, workspace,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    invitation_id = _invite(api_as(owner), django_capture_on_commit_callbacks).json()["id"]
    admin = api_as(admin_user)
    assert admin.get(INVITATIONS).json()["count"] == 1
    assert admin.get(f"{INVITATIONS}{invitation_id}/").status_code == 200
    assert admin.post(INVITATIONS, {"email": "x@acme.test"}, format="json").status_code == 403
    assert admin.delete(f"{INVITATIONS}{invitation_id}/").status_code == 403
    for response in (api_as(viewer).get(INVITATIONS), api_as(viewer).post(INVITATIONS, {"email": "x@acme.test"})):
        assert response.status_code == 403
    assert Invitation.objects.get().status == "pending"


def test_another_workspace_and_anonymous_callers_get_nothing(api_as, anon_api, owner, outsider, workspace,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    invitation_id = _invite(api_as(owner), django_capture_on_commit_callbacks).json()["id"]
    client = api_as(outsider)
    assert client.get(INVITATIONS).status_code == 404
    assert client.post(INVITATIONS, {"email": "x@acme.test"}, format="json").status_code == 404
    assert client.delete(f"{INVITATIONS}{invitation_id}/").status_code == 404
    assert client.get(f"/api/v1/workspaces/globex/invitations/{invitation_id}/").status_code == 404
    assert anon_api.get(INVITATIONS).status_code == 401
    assert anon_api.post(ACCEPT, {"token": "x"}, format="json").status_code == 401
    assert Invitation.objects.get().status == "pending"


def test_withdrawing_ends_the_link(api_as, owner, workspace, django_capture_on_commit_callbacks):
    client = api_as(owner)
    invitation_id = _invite(client, django_capture_on_commit_callbacks).json()["id"]
    token = _mailed_token(mail.outbox[0])
    assert client.delete(f"{INVITATIONS}{invitation_id}/").status_code == 204
    assert client.delete(f"{INVITATIONS}{invitation_id}/").status_code == 409
    invitee = UserFactory(email="new@acme.test")
    response = api_as(invitee).post(ACCEPT, {"token": token}, format="json")
    assert response.status_code == 400
    withdrawn = "This invitation was withdrawn."
    assert response.json()["error"] == {
        "code": "invitation_unusable", "message": f"token: {withdrawn}", "fields": {"token": [withdrawn]}
    }  # fmt: skip
    assert not Membership.objects.filter(user=invitee).exists()
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["invitation.revoked", "member.invited"]


# --- accepting ------------------------------------------------------------------------------


@pytest.fixture
def invited(owner, workspace):
    now = dt.datetime.now(dt.UTC)
    return Invitation.objects.create(
        workspace=workspace, email="new@acme.test", role="admin", invited_by=owner, created_at=now,
        expires_at=now + dt.timedelta(days=7),
    )  # fmt: skip


def test_the_invitee_accepts_and_joins_with_the_role(api_as, invited, workspace):
    invitee = UserFactory(email="NEW@acme.test".lower())
    response = api_as(invitee).post(ACCEPT, {"token": invitation_token(invited)}, format="json")
    assert response.status_code == 200
    assert response.json() == {"workspace": "acme", "name": "Acme", "role": "admin"}
    assert Membership.objects.get(user=invitee, workspace=workspace).role == "admin"
    invited.refresh_from_db()
    assert (invited.status, invited.accepted_by) == ("accepted", invitee)
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.target) == (invitee, "invitation.accepted", "new@acme.test")


def test_an_invitation_works_once(api_as, invited):
    invitee = UserFactory(email="new@acme.test")
    token = invitation_token(invited)
    assert api_as(invitee).post(ACCEPT, {"token": token}, format="json").status_code == 200
    again = api_as(invitee).post(ACCEPT, {"token": token}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"token": ["This invitation was already accepted."]}
    assert Membership.objects.filter(user=invitee).count() == 1


def test_an_invitation_expires(api_as, owner, workspace, django_capture_on_commit_callbacks):
    start = dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        _invite(api_as(owner), django_capture_on_commit_callbacks)
    token = _mailed_token(mail.outbox[0])
    invitee = UserFactory(email="new@acme.test")
    with time_machine.travel(start + dt.timedelta(seconds=settings.INVITATION_MAX_AGE + 1), tick=False):
        late = api_as(invitee).post(ACCEPT, {"token": token}, format="json")
    assert late.status_code == 400
    assert late.json()["error"]["fields"] == {"token": ["This invitation has expired: ask for a new one."]}
    assert not Membership.objects.filter(user=invitee).exists()
    with time_machine.travel(start + dt.timedelta(seconds=settings.INVITATION_MAX_AGE - 60), tick=False):
        assert api_as(invitee).post(ACCEPT, {"token": token}, format="json").status_code == 200


def test_a_shortened_expiry_in_the_row_counts_too(api_as, invited):
    Invitation.objects.filter(pk=invited.pk).update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    invitee = UserFactory(email="new@acme.test")
    response = api_as(invitee).post(ACCEPT, {"token": invitation_token(invited)}, format="json")
    assert response.json()["error"]["fields"] == {"token": ["This invitation has expired: ask for a new one."]}


def test_another_address_is_refused(api_as, invited, outsider):
    response = api_as(outsider).post(ACCEPT, {"token": invitation_token(invited)}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "This invitation was sent to another address than yours (owner@globex.test): "
        "log in with the address it was sent to."
    )
    invited.refresh_from_db()
    assert invited.status == "pending"
    assert not Membership.objects.filter(user=outsider, workspace=invited.workspace).exists()


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        signing.dumps({"id": 1, "email": "new@acme.test"}, salt="another-salt"),
        signing.dumps({"id": 999, "email": "new@acme.test"}, salt=INVITATION_SALT),
        signing.dumps({"id": "x"}, salt=INVITATION_SALT),
        signing.dumps([1, 2], salt=INVITATION_SALT),
    ],
)
def test_tampered_tokens_are_refused(api_as, invited, token):
    invitee = UserFactory(email="new@acme.test")
    response = api_as(invitee).post(ACCEPT, {"token": token}, format="json")
    assert response.status_code == 400
    if token:
        assert response.json()["error"] == {"code": "invalid", "message": "token: This invitation link is invalid.",
                                            "fields": {"token": ["This invitation link is invalid."]}}  # fmt: skip
    assert not Membership.objects.filter(user=invitee).exists()


def test_a_token_for_one_address_cannot_name_another(api_as, invited):
    # The signature covers the address: a token naming the invitation with another address fails.
    forged = signing.dumps({"id": invited.pk, "email": "intruder@acme.test"}, salt="wrong")
    intruder = UserFactory(email="intruder@acme.test")
    assert api_as(intruder).post(ACCEPT, {"token": forged}, format="json").status_code == 400


def test_a_member_already_keeps_their_role(api_as, invited, workspace):
    invitee = MembershipFactory(workspace=workspace, role="viewer", user__email="new@acme.test").user
    response = api_as(invitee).post(ACCEPT, {"token": invitation_token(invited)}, format="json")
    assert response.json()["role"] == "viewer"
    assert Membership.objects.get(user=invitee, workspace=workspace).role == "viewer"


# --- members/ POST invites ------------------------------------------------------------------


def test_adding_an_address_answers_byte_for_byte_alike_before_and_after_it_has_an_account(api_as, owner, workspace):
    client = api_as(owner)
    without_account = client.post(MEMBERS, {"email": "probe@acme.test"}, format="json")
    UserFactory(email="probe@acme.test")
    with_account = client.post(MEMBERS, {"email": "probe@acme.test"}, format="json")
    assert _comparable(with_account) == _comparable(without_account)


def _comparable(response) -> tuple:
    headers = {k: v for k, v in response.items() if k not in {"X-Request-ID", "Date"}}
    return response.status_code, headers, response.content


def test_adding_a_member_invites_and_answers_alike_for_any_address(api_as, owner, viewer, workspace,
                                                                    django_capture_on_commit_callbacks):  # fmt: skip
    client = api_as(owner)
    UserFactory(email="known@acme.test")
    answers = {}
    for email in ("known@acme.test", "unknown@acme.test", "viewer@acme.test"):
        with django_capture_on_commit_callbacks(execute=True):
            answers[email] = client.post(MEMBERS, {"email": email, "role": "admin"}, format="json")
    for email, response in answers.items():
        assert response.status_code == 202
        assert response.json() == {"detail": f"We sent {email} an invitation, unless it is a member already.",
                                   "email": email, "role": "admin"}  # fmt: skip
    # Nobody joined; the two non-members were invited, the member was left as they are.
    assert sorted(workspace.memberships.values_list("user__email", "role")) == [
        ("owner@acme.test", "owner"), ("viewer@acme.test", "viewer")]  # fmt: skip
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["known@acme.test", "unknown@acme.test"]
    assert sorted(m.to[0] for m in mail.outbox) == ["known@acme.test", "unknown@acme.test"]


@pytest.fixture
def low_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "member_add_user": "3/hour", "member_add_workspace": "4/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_invitations_are_throttled_per_owner_and_per_workspace(api_as, owner, workspace, low_rates):
    other = WorkspaceFactory(slug="other")
    MembershipFactory(user=owner, workspace=other, role="owner")
    client = api_as(owner)
    for n, path in enumerate((INVITATIONS, MEMBERS, "/api/v1/workspaces/other/invitations/")):
        assert client.post(path, {"email": f"p{n}@x.test"}, format="json").status_code in (201, 202)
    response = client.post(INVITATIONS, {"email": "p9@x.test"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Acme's budget (4): three spent by the first owner (DRF counts every throttle of a request,
    # the refused one's too), one left for the second.
    second = MembershipFactory(workspace=workspace, role="owner", user__email="second@acme.test").user
    assert api_as(second).post(INVITATIONS, {"email": "q1@x.test"}, format="json").status_code == 201
    assert api_as(second).post(INVITATIONS, {"email": "q2@x.test"}, format="json").status_code == 429


def test_strangers_do_not_spend_the_budget(api_as, owner, viewer, outsider, workspace, low_rates):
    for _ in range(5):
        assert api_as(viewer).post(INVITATIONS, {"email": "p@x.test"}, format="json").status_code == 403
        assert api_as(outsider).post(INVITATIONS, {"email": "p@x.test"}, format="json").status_code == 404
    assert api_as(owner).post(INVITATIONS, {"email": "p@x.test"}, format="json").status_code == 201


# --- the accept page --------------------------------------------------------------------------


def test_the_page_leads_a_newcomer_through_registration_back_to_accept(invited, workspace):
    browser = Client()
    token = invitation_token(invited)
    page = browser.get("/accounts/invitations/accept/", {"token": token})
    assert page.status_code == 200
    html = page.content.decode()
    assert "invited <strong>new@acme.test</strong> to the workspace" in html
    register_url = page.context["register_url"]
    assert register_url.startswith("/accounts/register/?next=%2Faccounts%2Finvitations%2Faccept%2F%3Ftoken%3D")
    form = browser.get(register_url)
    assert form.context["form"]["email"].value() == "new@acme.test"
    next_url = form.context["next"]
    data = {"email": "new@acme.test", "password": "a-good-passphrase", "next": next_url, "full_name": "New Comer"}
    registered = browser.post(register_url, data)
    assert registered["Location"] == next_url
    accept_page = browser.get(next_url)
    assert accept_page.context["can_accept"] is True
    joined = browser.post("/accounts/invitations/accept/", {"token": token})
    assert joined["Location"] == "/"
    invitee = Membership.objects.get(workspace=workspace, user__email="new@acme.test")
    assert invitee.role == "admin"
    assert browser.session["workspace_slug"] == "acme"


def test_the_page_logs_in_an_existing_account_and_comes_back(invited):
    UserFactory(email="new@acme.test")
    browser = Client()
    page = browser.get("/accounts/invitations/accept/", {"token": invitation_token(invited)})
    login_url = page.context["login_url"]
    next_url = parse_qs(urlsplit(login_url).query)["next"][0]
    logged_in = browser.post(login_url, {"username": "new@acme.test", "password": PASSWORD, "next": next_url})
    assert logged_in["Location"] == next_url
    assert browser.get(next_url).context["can_accept"] is True


def test_the_page_refuses_another_address_clearly(invited, outsider):
    browser = Client()
    browser.force_login(outsider)
    page = browser.get("/accounts/invitations/accept/", {"token": invitation_token(invited)})
    assert page.status_code == 403
    assert "This invitation was sent to another address than yours (owner@globex.test)" in page.content.decode()
    refused = browser.post("/accounts/invitations/accept/", {"token": invitation_token(invited)})
    assert refused.status_code == 403
    invited.refresh_from_db()
    assert invited.status == "pending"


@pytest.mark.parametrize(
    ("state", "message"),
    [("accepted", "This invitation was already accepted."), ("revoked", "This invitation was withdrawn.")],
)
def test_the_page_explains_a_used_or_withdrawn_invitation(invited, state, message):
    Invitation.objects.filter(pk=invited.pk).update(status=state)
    page = Client().get("/accounts/invitations/accept/", {"token": invitation_token(invited)})
    assert page.status_code == 400
    assert message in page.content.decode()


def test_the_page_explains_a_tampered_link(db):
    page = Client().get("/accounts/invitations/accept/", {"token": "garbage"})
    assert page.status_code == 400
    assert "This invitation link is invalid." in page.content.decode()


# --- the members page -------------------------------------------------------------------------


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_owners_invite_and_withdraw_from_the_members_page(owner, workspace, django_capture_on_commit_callbacks):
    browser = _browser(owner)
    page = browser.get("/accounts/workspace/members/").content.decode()
    assert 'id="invite-form"' in page
    assert '<label for="id_email">' in page
    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post("/accounts/workspace/members/", {"workspace": "acme", "action": "invite",
                                                             "email": "new@acme.test", "role": "viewer"})  # fmt: skip
    assert sent["Location"] == "/accounts/workspace/members/"
    invitation = Invitation.objects.get()
    assert [m.to for m in mail.outbox] == [["new@acme.test"]]
    assert "new@acme.test" in browser.get("/accounts/workspace/members/").content.decode()
    browser.post("/accounts/workspace/members/", {"workspace": "acme", "action": "revoke",
                                                  "invitation_id": invitation.pk})  # fmt: skip
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


@pytest.mark.parametrize(
    ("data", "errors"),
    [({"email": "nope", "role": "viewer"}, {"email": ["Enter a valid email address."]}),
     ({"email": "viewer@acme.test", "role": "viewer"}, {"email": ["Already a member."]}),
     ({"email": "x@acme.test", "role": "god"}, {"role": ["Select a valid choice. god is not one of the available "
                                                         "choices."]})],
)  # fmt: skip
def test_the_invite_form_shows_field_errors_and_writes_nothing(owner, viewer, workspace, data, errors):
    response = _browser(owner).post("/accounts/workspace/members/", {"workspace": "acme", "action": "invite", **data})
    assert response.status_code == 200
    assert response.context["invite_form"].errors == errors
    assert not Invitation.objects.exists()


def test_owners_change_roles_and_remove_members_from_the_page(owner, viewer, workspace):
    browser = _browser(owner)
    browser.post("/accounts/workspace/members/", {"workspace": "acme", "action": "role", "user_id": viewer.pk,
                                                  "role": "admin"})  # fmt: skip
    assert Membership.objects.get(user=viewer).role == "admin"
    browser.post("/accounts/workspace/members/", {"workspace": "acme", "action": "remove", "user_id": viewer.pk})
    assert not Membership.objects.filter(user=viewer).exists()
    # The last owner stays.
    browser.post("/accounts/workspace/members/", {"workspace": "acme", "action": "role", "user_id": owner.pk,
                                                  "role": "viewer"})  # fmt: skip
    assert Membership.objects.get(user=owner).role == "owner"
    messages = [str(m) for m in browser.get("/accounts/workspace/members/").context["messages"]]
    assert messages[-1] == "A workspace keeps at least one owner."
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "target", "details")) == [
        ("member.role_changed", "viewer@acme.test", {"user_id": viewer.pk, "from": "viewer", "to": "admin"}),
        ("member.removed", "viewer@acme.test", {"user_id": viewer.pk, "role": "admin"}),
    ]


@pytest.mark.parametrize("who", ["admin_user", "viewer"])
def test_only_owners_manage_from_the_page(request, owner, workspace, who):
    user = request.getfixturevalue(who)
    browser = _browser(user)
    page = browser.get("/accounts/workspace/members/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="invite-form"' not in html
    assert "Change role" not in html
    assert "Remove" not in html
    for data in ({"action": "invite", "email": "x@acme.test", "role": "owner"},
                 {"action": "role", "user_id": user.pk, "role": "owner"}):  # fmt: skip
        assert browser.post("/accounts/workspace/members/", {"workspace": "acme", **data}).status_code == 403
    assert Membership.objects.get(user=user).role != "owner"
    assert not Invitation.objects.exists()


def test_another_workspaces_member_sees_their_own_members(outsider, workspace):
    page = _browser(outsider).get("/accounts/workspace/members/")
    assert [m.user.email for m in page.context["page"]] == ["owner@globex.test"]
