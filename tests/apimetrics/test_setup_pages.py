"""The API metrics setup pages: projects, keys and the first-event panel, as each role."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.test import Client

from accounts.models import AuditEvent, Membership
from apimetrics import keys
from apimetrics.models import ApiKey, Project
from tests.apimetrics.factories import issue_key
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW, SETTINGS, KEYS = "/api-metrics/projects/new", "/api-metrics/shop/settings/", "/api-metrics/shop/keys/"
STATUS = "/api-metrics/shop/first-event"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
PROJECT = {
    "name": "Shop API",
    "key": "shop",
    "timezone": "Europe/Paris",
    "retention_days": "30",
    "apdex_threshold_ms": "300",
}


def login(client, user) -> Client:
    client.force_login(user)
    return client


def field_error(response, name: str) -> str:
    match = re.search(rf'id="id_{name}_error"><li>(.*?)</li>', response.content.decode())
    return html.unescape(match.group(1)) if match else ""


def settings_of(project: Project) -> tuple:
    project.refresh_from_db()
    return project.name, project.key, project.timezone, project.retention_days, project.apdex_threshold_ms


def audit() -> list[tuple]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "actor_email", "target"))


def test_pages_need_a_login(client, project, api_key):
    pk = api_key[0].pk
    for url in (NEW, SETTINGS, KEYS, STATUS):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    for url in (NEW, SETTINGS, "/api-metrics/shop/delete", KEYS, f"{KEYS}{pk}/rotate", f"{KEYS}{pk}/revoke"):
        response = client.post(url, {"workspace": "acme", **PROJECT, "key": "new", "confirm": "shop"})
        assert response.status_code == 302
    assert settings_of(project) == ("Shop API", "shop", "UTC", 90, 500)
    assert list(ApiKey.objects.values_list("pk", "revoked_at", "expires_at")) == [(pk, None, None)]
    assert Project.objects.count() == 1


def test_viewers_read_settings_but_change_nothing_and_see_no_keys(client, viewer, project, api_key):
    login(client, viewer)
    listing = client.get("/api-metrics/").content.decode()
    assert 'id="project-actions"' not in listing
    assert f'href="{SETTINGS}"' in listing
    assert f'href="{KEYS}"' not in listing
    page = client.get(SETTINGS)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="read-only-notice"' in content
    assert 'value="shop"' in content
    assert "disabled" in content
    assert "Save settings" not in content
    assert client.get(STATUS).json() == {"received": False}
    assert client.get(NEW).status_code == 403
    assert client.get(KEYS).status_code == 403
    pk = api_key[0].pk
    for url in (NEW, SETTINGS, "/api-metrics/shop/delete", KEYS, f"{KEYS}{pk}/rotate", f"{KEYS}{pk}/revoke"):
        assert client.post(url, {"workspace": "acme", **PROJECT, "confirm": "shop"}).status_code == 403, url
    assert settings_of(project) == ("Shop API", "shop", "UTC", 90, 500)
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().is_active()
    assert [row[0] for row in audit()] == ["api_key.created"]  # the fixture's key only


def test_another_workspace_finds_none_of_the_project(client, outsider, project, api_key):
    login(client, outsider)
    pk = api_key[0].pk
    for url in (SETTINGS, KEYS, STATUS):
        assert client.get(url).status_code == 404
    for url in (SETTINGS, "/api-metrics/shop/delete", KEYS, f"{KEYS}{pk}/rotate", f"{KEYS}{pk}/revoke"):
        assert client.post(url, {"workspace": "globex", **PROJECT, "confirm": "shop"}).status_code == 404, url
    # A form of Acme's pages, posted by a member of Globex only: nothing is written anywhere.
    response = client.post(NEW, {"workspace": "acme", **PROJECT, "key": "mine"})
    assert (response.status_code, response["Location"]) == (302, NEW)
    assert list(Project.objects.values_list("key", flat=True)) == ["shop"]
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().is_active()


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_create_a_project_and_land_on_its_keys(client, request, role, workspace):
    response = login(client, request.getfixturevalue(role)).post(NEW, {"workspace": "acme", **PROJECT})
    assert (response.status_code, response["Location"]) == (302, KEYS)
    project = Project.objects.get()
    assert (project.workspace, *settings_of(project)) == (workspace, "Shop API", "shop", "Europe/Paris", 30, 300)
    assert project.rollup_state.rolled_until is None


def test_the_new_project_link_shows_once_whether_or_not_there_are_projects(client, owner, request):
    listing = login(client, owner).get("/api-metrics/").content.decode()
    assert listing.count(f'href="{NEW}"') == 1  # the empty state's step, not a second button
    assert 'id="project-actions"' not in listing
    request.getfixturevalue("project")
    listing = client.get("/api-metrics/").content.decode()
    assert listing.count(f'href="{NEW}"') == 1
    assert 'id="project-actions"' in listing


def test_empty_optional_settings_take_the_apis_defaults(client, owner):
    data = {"workspace": "acme", **PROJECT, "retention_days": "", "apdex_threshold_ms": ""}
    assert login(client, owner).post(NEW, data).status_code == 302
    assert settings_of(Project.objects.get()) == ("Shop API", "shop", "Europe/Paris", 90, 500)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"key": "no spaces"}, "key", 'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'),
        ({"key": ""}, "key", "This field may not be blank."),
        ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not an IANA time zone name."),
        ({"retention_days": "7"}, "retention_days", "Ensure this value is greater than or equal to 8."),
        ({"retention_days": "x"}, "retention_days", "A valid integer is required."),
        ({"apdex_threshold_ms": "0"}, "apdex_threshold_ms", "Ensure this value is greater than or equal to 1."),
        ({"apdex_threshold_ms": "600001"}, "apdex_threshold_ms", "Ensure this value is less than or equal to 600000."),
    ],
)
def test_bad_project_input_is_shown_next_to_the_field_and_writes_nothing(client, owner, data, field, message):
    response = login(client, owner).post(NEW, {"workspace": "acme", **PROJECT, **data})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, field) == message
    assert not Project.objects.exists()


def test_a_key_taken_is_refused_next_to_the_key(client, owner, project):
    response = login(client, owner).post(NEW, {"workspace": "acme", **PROJECT})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, "key") == "A project with the key 'shop' already exists in this workspace."
    assert Project.objects.count() == 1


def test_settings_are_changed_by_admins(client, admin_user, project):
    login(client, admin_user)
    data = {"workspace": "acme", **PROJECT, "name": "Shop", "key": "shop-v2", "timezone": "Asia/Tokyo"}
    response = client.post(SETTINGS, data)
    assert (response.status_code, response["Location"]) == (302, "/api-metrics/shop-v2/settings/")
    assert settings_of(project) == ("Shop", "shop-v2", "Asia/Tokyo", 30, 300)
    response = client.post("/api-metrics/shop-v2/settings/", {**data, "apdex_threshold_ms": "-3", "name": "Other"})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, "apdex_threshold_ms") == "Ensure this value is greater than or equal to 1."
    assert settings_of(project) == ("Shop", "shop-v2", "Asia/Tokyo", 30, 300)


def test_a_project_is_deleted_after_typing_its_key(client, owner, project, api_key):
    login(client, owner)
    response = client.post("/api-metrics/shop/delete", {"workspace": "acme", "confirm": "Shop"})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, "confirm") == "Type shop exactly to delete the project."
    assert Project.objects.filter(pk=project.pk).exists()
    response = client.post("/api-metrics/shop/delete", {"workspace": "acme", "confirm": "shop"})
    assert (response.status_code, response["Location"]) == (302, "/api-metrics/")
    assert not Project.objects.exists()
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_a_new_key_is_shown_once_hashed_and_audited_once(client, request, role, project):
    user = request.getfixturevalue(role)
    response = login(client, user).post(KEYS, {"workspace": "acme", "name": "production"})
    assert response.status_code == 201
    content = response.content.decode()
    secret = re.search(r'<code id="new-key">(pk_[0-9a-f]{12}_[\w-]+)</code>', content).group(1)
    api_key = ApiKey.objects.get()
    assert (api_key.name, api_key.hashed_key, api_key.created_by) == ("production", keys.digest(secret), user)
    assert 'data-copy="new-key"' in content
    assert f"-H &#x27;X-API-Key: {secret}&#x27;" in content  # the snippets carry it
    assert audit() == [("api_key.created", user.email, f"production ({api_key.public_prefix}…)")]
    again = client.get(KEYS).content.decode()
    assert secret not in again
    assert 'id="new-key"' not in again
    assert "YOUR_API_KEY" in again


def test_an_empty_key_name_is_the_apis_default_and_a_long_one_is_refused(client, owner, project):
    login(client, owner)
    assert client.post(KEYS, {"workspace": "acme", "name": ""}).status_code == 201
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["Default"]
    response = client.post(KEYS, {"workspace": "acme", "name": "k" * 101})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, "name") == "Ensure this field has no more than 100 characters."
    assert ApiKey.objects.count() == 1


def test_unverified_people_create_no_key(client, workspace, project):
    unverified = UserFactory(is_verified=False)
    MembershipFactory(user=unverified, workspace=workspace, role=Membership.Role.OWNER)
    response = login(client, unverified).post(KEYS, {"workspace": "acme", "name": "x"})
    assert response.status_code == 200  # the form again, with its errors
    assert "Confirm your email address before creating API keys." in response.content.decode()
    assert not ApiKey.objects.exists()
    assert audit() == []


def test_rotation_keeps_the_old_key_for_the_grace_given(client, owner, project, api_key):
    old = api_key[0]
    login(client, owner)
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"{KEYS}{old.pk}/rotate", {"workspace": "acme", "grace_hours": "2"})
    assert response.status_code == 201
    content = response.content.decode()
    secret = re.search(r'<code id="new-key">(pk_[\w-]+)</code>', content).group(1)
    new = ApiKey.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert (new.hashed_key, new.rotated_from, new.name) == (keys.digest(secret), old, "Default")
    assert (old.revoked_at, old.expires_at) == (None, NOW + dt.timedelta(hours=2))
    assert "keeps working until 2026-03-10 14:00 UTC" in content
    assert [row[0] for row in audit()] == ["api_key.created", "api_key.rotated"]


@pytest.mark.parametrize(
    ("grace", "message"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("721", "Ensure this value is less than or equal to 720."),
        ("soon", "A valid number is required."),
    ],
)
def test_bad_grace_is_shown_next_to_its_field_and_rotates_nothing(client, owner, project, api_key, grace, message):
    old = api_key[0]
    response = login(client, owner).post(f"{KEYS}{old.pk}/rotate", {"workspace": "acme", "grace_hours": grace})
    assert response.status_code == 200  # the form again, with its errors
    row = re.search(rf'<tr id="key-{old.pk}">.*?</tr>', response.content.decode(), re.S).group(0)
    assert f"<li>{message}</li>" in row
    assert ApiKey.objects.count() == 1
    assert ApiKey.objects.get().expires_at is None


def test_rotating_with_no_grace_revokes_at_once(client, owner, project, api_key):
    login(client, owner)
    with time_machine.travel(NOW, tick=False):
        assert (
            client.post(f"{KEYS}{api_key[0].pk}/rotate", {"workspace": "acme", "grace_hours": "0"}).status_code == 201
        )
    assert ApiKey.objects.get(pk=api_key[0].pk).revoked_at == NOW


def test_revoking_keeps_the_last_active_key(client, owner, project, api_key):
    login(client, owner)
    url = f"{KEYS}{api_key[0].pk}/revoke"
    response = client.post(url, {"workspace": "acme"}, follow=True)
    assert "was kept: This is the project&#x27;s last active key" in response.content.decode()
    assert ApiKey.objects.get().is_active()
    second, _ = issue_key(project, name="second")
    response = client.post(url, {"workspace": "acme"})
    assert (response.status_code, response["Location"]) == (302, KEYS)
    assert not ApiKey.objects.get(pk=api_key[0].pk).is_active()
    assert ApiKey.objects.get(pk=second.pk).is_active()
    assert [row[:2] for row in audit()][-1] == ("api_key.revoked", owner.email)


def test_keys_show_their_state_and_last_use(client, owner, project, api_key):
    ApiKey.objects.filter(pk=api_key[0].pk).update(last_used_at=NOW)
    revoked, _ = issue_key(project, name="old")
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=NOW)
    content = login(client, owner).get(KEYS).content.decode()
    row = re.search(rf'<tr id="key-{api_key[0].pk}">.*?</tr>', content, re.S).group(0)
    assert '<time datetime="2026-03-10T12:00:00+00:00">2026-03-10 12:00 UTC</time>' in row
    assert "Active" in row
    row = re.search(rf'<tr id="key-{revoked.pk}">.*?</tr>', content, re.S).group(0)
    assert "Revoked 2026-03-10 12:00 UTC" in row
    assert "Never" in row
    assert "Rotate" not in row


def test_the_snippets_carry_the_absolute_tracking_url(client, owner, project, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "pulse.example"]
    content = html.unescape(login(client, owner).get(KEYS, HTTP_HOST="pulse.example:8443").content.decode())
    assert '<code id="tracking-url">http://pulse.example:8443/api/v1/track</code>' in content
    assert "curl -X POST 'http://pulse.example:8443/api/v1/track'" in content
    assert (
        'requests.post(\n    "http://pulse.example:8443/api/v1/track",\n    headers={"X-API-Key": "YOUR_API_KEY"}'
        in content
    )
    assert 'fetch("http://pulse.example:8443/api/v1/track", {' in content


def test_the_indicator_turns_green_with_the_first_event(client, owner, project, api_key, track):
    login(client, owner)
    assert 'class="indicator waiting"' in client.get(KEYS).content.decode()
    assert client.get(STATUS).json() == {"received": False}
    assert (
        track({"method": "GET", "path": "/hello", "status_code": 200, "response_time_ms": 42}, api_key[1]).status_code
        == 202
    )
    assert client.get(STATUS).json() == {"received": True}
    assert 'class="indicator ok"' in client.get(KEYS).content.decode()


def test_setup_forms_carry_csrf_tokens_and_labels(owner, project, api_key):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    content = client.get(KEYS).content.decode()
    # The switcher, log out, the key's rotate and revoke forms, the new key form.
    assert content.count('name="csrfmiddlewaretoken"') == 5
    assert f'<label for="grace-{api_key[0].pk}">' in content
    assert '<label for="id_name">' in content
    assert client.post(KEYS, {"workspace": "acme", "name": "x"}).status_code == 403
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_the_project_list_leads_writers_to_the_setup_pages(client, request, role, project):
    content = login(client, request.getfixturevalue(role)).get("/api-metrics/").content.decode()
    assert '<a class="button" href="/api-metrics/projects/new">New project</a>' in content
    assert f'<a href="{SETTINGS}">Settings</a> · <a href="{KEYS}">Keys</a>' in content


def test_a_revoked_key_is_not_rotated_and_the_page_says_why(client, owner, project, api_key):
    ApiKey.objects.filter(pk=api_key[0].pk).update(revoked_at=NOW)
    login(client, owner)
    response = client.post(f"{KEYS}{api_key[0].pk}/rotate", {"workspace": "acme", "grace_hours": "1"}, follow=True)
    assert response.redirect_chain == [(KEYS, 302)]
    assert (
        f"Default ({api_key[0].public_prefix}…) was not rotated: This key is revoked or expired and cannot be rotated."
        in html.unescape(response.content.decode())
    )
    assert ApiKey.objects.count() == 1


def test_key_ids_beyond_the_databases_range_are_not_found(client, owner, project):
    login(client, owner)
    for action in ("rotate", "revoke"):
        assert client.post(f"{KEYS}{'9' * 30}/{action}", {"workspace": "acme"}).status_code == 404
