"""The HTML login, register, logout and workspace-switch pages (sessions)."""

import pytest
from django.core import mail

from accounts.models import Membership, User
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_home_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_renders_the_form(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="login-form"' in html
    assert 'name="username"' in html
    assert 'type="password"' in html
    assert 'href="/accounts/register/"' in html


def test_login_with_the_right_password_lands_on_home(client, owner):
    response = client.post("/accounts/login/", {"username": "OWNER@acme.test", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert f"Welcome, {owner.full_name}" in html
    assert "owner@acme.test" in html
    assert '<option value="acme" selected>Acme (owner)</option>' in html


def test_login_follows_a_safe_next_only(client, owner):
    response = client.post("/accounts/login/?next=/health/", {"username": owner.email, "password": PASSWORD})
    assert response["Location"] == "/health/"
    client.logout()
    response = client.post(
        "/accounts/login/?next=https://evil.example/", {"username": owner.email, "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_login_with_a_wrong_password_shows_an_error(client, owner):
    response = client.post("/accounts/login/", {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_form_is_throttled_per_account(client, owner):
    for n in range(10):
        client.post("/accounts/login/", {"username": owner.email, "password": f"wrong{n}"}, REMOTE_ADDR=f"10.8.0.{n}")
    response = client.post("/accounts/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.8.1.1")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many attempts. Try again in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_register_page_renders_the_form(client):
    response = client.get("/accounts/register/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="register-form"' in html
    for name in ("full_name", "email", "password"):
        assert f'name="{name}"' in html


def test_register_creates_the_account_and_personal_workspace_and_logs_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {"full_name": "Grace Hopper", "email": "Grace@Navy.test", "password": "a-long-enough-pass"},
            follow=True,
        )
    assert response.redirect_chain == [("/", 302)]
    user = User.objects.get(email="grace@navy.test")
    assert user.full_name == "Grace Hopper"
    assert user.is_verified is False
    assert user.check_password("a-long-enough-pass")
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.workspace.name, membership.workspace.slug) == (
        "owner",
        "Grace Hopper's workspace",
        "grace-hoppers-workspace",
    )
    assert membership.workspace.personal_for == user
    html = response.content.decode()
    assert "Welcome to Pulse. We sent you an email to confirm your address." in html
    assert "Your email address is not confirmed yet" in html
    assert int(client.session["_auth_user_id"]) == user.pk
    assert [m.to for m in mail.outbox] == [["grace@navy.test"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "owner@acme.test", "password": "a-long-enough-pass"}, "An account with this email address"),
        ({"email": "new@acme.test", "password": "123"}, "This password is too short."),
        ({"email": "not-an-email", "password": "a-long-enough-pass"}, "Enter a valid email address."),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(client, owner, data, message):
    before = User.objects.count()
    response = client.post("/accounts/register/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session


def test_register_redirects_a_logged_in_user(client, owner):
    client.force_login(owner)
    assert client.get("/accounts/register/")["Location"] == "/"


def test_logout_ends_the_session(client, owner):
    client.force_login(owner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_logout_needs_a_post(client, owner):
    client.force_login(owner)
    assert client.get("/accounts/logout/").status_code == 405


@pytest.fixture
def two_workspaces(owner, other_workspace):
    MembershipFactory(user=owner, workspace=other_workspace, role="viewer")
    return owner


def test_switcher_lists_every_workspace_of_the_user(client, two_workspaces):
    client.force_login(two_workspaces)
    html = client.get("/").content.decode()
    assert '<option value="acme" selected>Acme (owner)</option>' in html
    assert '<option value="globex" >Globex (viewer)</option>' in html


def test_switching_workspace_changes_the_active_one(client, two_workspaces):
    client.force_login(two_workspaces)
    response = client.post("/accounts/workspace/switch/", {"workspace": "globex", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert client.session["workspace_slug"] == "globex"
    html = response.content.decode()
    assert "Workspace <strong>Globex</strong> · your role: viewer" in html
    assert '<option value="globex" selected>Globex (viewer)</option>' in html


def test_switching_to_a_foreign_workspace_is_refused(client, owner, other_workspace):
    client.force_login(owner)
    response = client.post("/accounts/workspace/switch/", {"workspace": "globex"}, follow=True)
    assert "You are not a member of that workspace." in response.content.decode()
    assert "workspace_slug" not in client.session
    assert "Workspace <strong>Acme</strong>" in response.content.decode()


def test_switching_never_redirects_off_site(client, two_workspaces):
    client.force_login(two_workspaces)
    response = client.post("/accounts/workspace/switch/", {"workspace": "globex", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    [
        "http://testserver/sales/",  # this site, downgraded to http
        "//evil.example/",
        "https://evil.example/",
        "http:/evil.example/",
        "javascript:alert(1)",
        "/\\evil.example/",
    ],
)
def test_switching_over_https_refuses_a_downgrading_or_off_site_next(client, two_workspaces, target):
    client.force_login(two_workspaces)
    response = client.post("/accounts/workspace/switch/", {"workspace": "globex", "next": target}, secure=True)
    assert response["Location"] == "/"
    assert client.session["workspace_slug"] == "globex"


@pytest.mark.parametrize("target", ["/sales/?date_from=2026-01-01", "https://testserver/ecommerce/"])
def test_switching_over_https_keeps_a_next_on_this_site(client, two_workspaces, target):
    client.force_login(two_workspaces)
    response = client.post("/accounts/workspace/switch/", {"workspace": "globex", "next": target}, secure=True)
    assert response["Location"] == target


def test_switching_needs_a_login_and_a_post(client, owner):
    assert client.post("/accounts/workspace/switch/", {"workspace": "acme"})["Location"].startswith("/accounts/login/")
    client.force_login(owner)
    assert client.get("/accounts/workspace/switch/").status_code == 405


def test_plotly_js_is_a_static_file():
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/plotly/plotly.min.js")
    assert not finders.find("plotly/plotly.min.js")
