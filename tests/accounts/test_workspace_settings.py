"""Workspace settings and deletion (``/api/v1/workspaces/{slug}/`` and the settings page): owners
write, admins read, viewers, other workspaces' members and anonymous callers get nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from accounts.models import AuditEvent, Membership, Workspace, WorkspaceExport
from accounts.services import workspace_create
from sales.models import SalesRecord, Store
from tests.factories import MembershipFactory
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/workspaces/acme/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def team(owner, admin_user, viewer, outsider):
    return {"owner": owner, "admin": admin_user, "viewer": viewer, "outsider": outsider}


def _payload(workspace: Workspace, role: str) -> dict:
    return {
        "id": workspace.pk,
        "name": workspace.name,
        "slug": workspace.slug,
        "timezone": workspace.timezone,
        "currency": workspace.currency,
        "locale": workspace.locale,
        "week_start": {0: "monday", 6: "sunday"}[workspace.week_start],
        "role": role,
        "personal": workspace.personal_for_id is not None,
        "created_at": workspace.created_at.isoformat().replace("+00:00", "Z"),
    }


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_read_the_settings(api_as, team, workspace, who):
    response = api_as(team[who]).get(URL)
    assert response.status_code == 200
    assert response.json() == _payload(workspace, who)


def test_viewers_do_not_read_the_settings(api_as, team):
    response = api_as(team["viewer"]).get(URL)
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Admins read a workspace's settings; owners change and delete it.",
        "fields": {},
    }


def test_another_workspace_is_not_found(api_as, team):
    for method in ("get", "patch", "delete"):
        response = getattr(api_as(team["outsider"]), method)(URL, {"name": "Mine"}, format="json")
        assert response.status_code == 404, method
    assert Workspace.objects.get(slug="acme").name == "Acme"


def test_anonymous_callers_are_refused(anon_api, workspace):
    for method in ("get", "patch", "delete"):
        assert getattr(anon_api, method)(URL).status_code == 401


def test_owners_change_every_setting_and_it_is_audited(api_as, team, workspace):
    changes = {"name": "Acme Ltd", "slug": "acme-ltd", "timezone": "Europe/Paris", "currency": "eur",
               "week_start": "sunday"}  # fmt: skip
    response = api_as(team["owner"]).patch(URL, changes, format="json")
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert (workspace.name, workspace.slug, workspace.timezone, workspace.currency, workspace.week_start) == (
        "Acme Ltd", "acme-ltd", "Europe/Paris", "EUR", Workspace.WeekStart.SUNDAY
    )  # fmt: skip
    assert response.json() == _payload(workspace, "owner")
    event = AuditEvent.objects.get(workspace=workspace)
    assert (event.actor, event.action, event.target) == (team["owner"], "workspace.settings_changed", "acme-ltd")
    assert event.details == {
        "name": ["Acme", "Acme Ltd"],
        "slug": ["acme", "acme-ltd"],
        "timezone": ["UTC", "Europe/Paris"],
        "currency": ["USD", "EUR"],
        "week_start": [0, 6],
    }
    # The new slug names it from now on.
    assert api_as(team["owner"]).get("/api/v1/workspaces/acme-ltd/").status_code == 200
    assert api_as(team["owner"]).get(URL).status_code == 404


def test_an_unchanged_setting_records_nothing(api_as, team, workspace):
    assert api_as(team["owner"]).patch(URL, {"name": "Acme"}, format="json").status_code == 200
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_owners_change_settings(api_as, team, workspace, who):
    response = api_as(team[who]).patch(URL, {"name": "Taken over"}, format="json")
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "Bad Slug"}, "slug",
         "Use 2 to 60 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
        ({"slug": "-acme"}, "slug",
         "Use 2 to 60 lowercase letters, digits and hyphens, starting and ending with a letter or digit."),
        ({"slug": "globex"}, "slug", "The slug 'globex' is taken by another workspace."),
        ({"slug": "pulse-system"}, "slug", "The slug 'pulse-system' is reserved."),
        ({"timezone": "Mars/Olympus"}, "timezone", "'Mars/Olympus' is not an IANA time zone name."),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an ISO 4217 currency code."),
        ({"locale": "xx_YY"}, "locale", "'xx_YY' is not a known locale (such as en_GB, de_DE or fr_CA)."),
        ({"week_start": "wednesday"}, "week_start", '"wednesday" is not a valid choice.'),
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "x" * 121}, "name", "Ensure this field has no more than 120 characters."),
    ],
)  # fmt: skip
def test_bad_settings_are_field_errors_and_change_nothing(api_as, team, workspace, other_workspace, changes, field,
                                                          message):  # fmt: skip
    before = Workspace.objects.filter(pk=workspace.pk).values().get()
    response = api_as(team["owner"]).patch(URL, {"name": "Renamed", **changes}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert Workspace.objects.filter(pk=workspace.pk).values().get() == before
    assert not AuditEvent.objects.exists()


def test_pulse_keeps_its_own_slug(api_as, owner):
    system = Workspace.objects.create(name="Pulse", slug="pulse-system")
    Membership.objects.create(user=owner, workspace=system, role="owner")
    response = api_as(owner).patch("/api/v1/workspaces/pulse-system/", {"slug": "mine"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"slug": ["Pulse's own workspace keeps its slug."]}


# --- creation honours the slug ----------------------------------------------------------------


def test_a_slug_sent_on_create_is_taken_as_it_is(api_as, owner):
    response = api_as(owner).post("/api/v1/workspaces/", {"name": "Coffee Lab", "slug": "beans"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "beans"
    assert Workspace.objects.get(slug="beans").name == "Coffee Lab"


@pytest.mark.parametrize(
    ("slug", "message"),
    [("acme", "The slug 'acme' is taken by another workspace."),
     ("pulse-system", "The slug 'pulse-system' is reserved."),
     ("No Spaces", "Use 2 to 60 lowercase letters, digits and hyphens, starting and ending with a letter or digit.")],
)  # fmt: skip
def test_a_slug_sent_on_create_is_refused_with_the_reason_never_replaced(api_as, owner, workspace, slug, message):
    before = Workspace.objects.count()
    response = api_as(owner).post("/api/v1/workspaces/", {"name": "Acme", "slug": slug}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"slug": [message]}
    assert Workspace.objects.count() == before


# --- week start and the caches ----------------------------------------------------------------


def test_a_changed_week_start_changes_the_next_weekly_answer(api_as, owner, workspace):
    store = StoreFactory(workspace=workspace)
    # Sunday 8 March and Monday 9 March 2026: one week from Monday, two from Sunday.
    for day, revenue in ((dt.date(2026, 3, 8), "10.00"), (dt.date(2026, 3, 9), "20.00")):
        SalesRecordFactory(store=store, date=day, revenue=Decimal(revenue), ad_spend=Decimal("0"))
    client = api_as(owner)
    weekly = {"interval": "week", "date_from": "2026-03-02", "date_to": "2026-03-15"}
    mondays = client.get("/api/v1/sales/series", weekly).json()["buckets"]
    assert [(b["bucket"], b["revenue"]) for b in mondays] == [("2026-03-02", "10.00"), ("2026-03-09", "20.00")]
    assert client.get("/api/v1/sales/series", weekly).json()["buckets"] == mondays  # cached
    assert client.patch(URL, {"week_start": "sunday"}, format="json").status_code == 200
    sundays = client.get("/api/v1/sales/series", weekly).json()["buckets"]
    assert [(b["bucket"], b["revenue"]) for b in sundays] == [
        ("2026-03-01", "0.00"),
        ("2026-03-08", "30.00"),
        ("2026-03-15", "0.00"),
    ]


# --- deletion ---------------------------------------------------------------------------------


def test_owners_delete_a_workspace_with_its_data_and_files(api_as, team, workspace, other_workspace,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    SalesRecordFactory(store=StoreFactory(workspace=workspace))
    SalesRecordFactory(store=StoreFactory(workspace=other_workspace))
    name = default_storage.save("exports/test/acme.zip", ContentFile(b"zip"))
    WorkspaceExport.objects.create(workspace=workspace, status="ready", file=name)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(team["owner"]).delete(URL, {"confirm": "acme"}, format="json")
    assert response.status_code == 204
    assert not Workspace.objects.filter(slug="acme").exists()
    assert not Membership.objects.filter(workspace_id=workspace.pk).exists()
    assert (Store.objects.count(), SalesRecord.objects.count()) == (1, 1)  # Globex's
    assert not default_storage.exists(name)
    event = AuditEvent.objects.get(action="workspace.deleted")
    assert (event.workspace, event.actor, event.target) == (None, team["owner"], "acme")
    assert event.details == {"id": workspace.pk, "slug": "acme", "name": "Acme"}


@pytest.mark.parametrize("confirm", ["", "ACME", "globex", "Acme"])
def test_deletion_needs_the_slug_typed(api_as, team, workspace, confirm):
    response = api_as(team["owner"]).delete(URL, {"confirm": confirm}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["confirm"]
    assert Workspace.objects.filter(slug="acme").exists()


def test_deletion_without_a_body_is_refused(api_as, team, workspace):
    response = api_as(team["owner"]).delete(URL)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"confirm": ["This field is required."]}


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_only_owners_delete(api_as, team, workspace, who):
    assert api_as(team[who]).delete(URL, {"confirm": "acme"}, format="json").status_code == 403
    assert Workspace.objects.filter(slug="acme").exists()


def test_a_personal_workspace_is_not_deleted(api_as, owner):
    personal = workspace_create(owner=owner, name="Mine", slug="mine", personal=True)
    response = api_as(owner).delete("/api/v1/workspaces/mine/", {"confirm": "mine"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "A personal workspace is deleted only with its account: delete its data instead."
    )
    assert Workspace.objects.filter(pk=personal.pk).exists()


def test_pulse_own_workspace_is_not_deleted(api_as, owner):
    system = Workspace.objects.create(name="Pulse", slug="pulse-system")
    Membership.objects.create(user=owner, workspace=system, role="owner")
    response = api_as(owner).delete("/api/v1/workspaces/pulse-system/", {"confirm": "pulse-system"}, format="json")
    assert response.status_code == 409
    assert Workspace.objects.filter(slug="pulse-system").exists()


# --- the settings page ------------------------------------------------------------------------


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


FORM = {"workspace": "acme", "name": "Acme", "slug": "acme", "timezone": "UTC", "currency": "USD", "locale": "en_US",
        "week_start": "0"}  # fmt: skip


def test_the_owner_sees_and_saves_the_settings(owner, workspace):
    browser = _browser(owner)
    page = browser.get("/accounts/workspace/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("name", "slug", "timezone", "currency"):
        assert f'<label for="id_{field}">' in html
    assert '<option value="Europe/Paris">Europe/Paris</option>' in html
    assert '<option value="EUR">EUR · Euro</option>' in html
    assert 'id="export-form"' in html
    assert 'id="delete-form"' in html
    data = {**FORM, "name": "Acme Ltd", "timezone": "Europe/Paris", "currency": "EUR", "week_start": "6"}
    response = browser.post("/accounts/workspace/settings/", data)
    assert (response.status_code, response["Location"]) == (302, "/accounts/workspace/settings/")
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone, workspace.currency, workspace.week_start) == (
        "Acme Ltd", "Europe/Paris", "EUR", 6
    )  # fmt: skip
    assert AuditEvent.objects.get().details == {"name": ["Acme", "Acme Ltd"], "timezone": ["UTC", "Europe/Paris"],
                                                "currency": ["USD", "EUR"], "week_start": [0, 6]}  # fmt: skip


def test_a_new_slug_keeps_the_session_in_the_workspace(owner, workspace):
    browser = _browser(owner)
    browser.post("/accounts/workspace/settings/", {**FORM, "slug": "acme-ltd"})
    assert browser.session["workspace_slug"] == "acme-ltd"
    assert browser.get("/accounts/workspace/settings/").context["workspace"].slug == "acme-ltd"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"slug": "globex"}, {"slug": ["The slug 'globex' is taken by another workspace."]}),
        ({"slug": "Not OK"}, {"slug": ["Use 2 to 60 lowercase letters, digits and hyphens, starting and ending with a "
                                       "letter or digit."]}),
        ({"timezone": "Mars/Olympus"}, {"timezone": ["Select a valid choice. Mars/Olympus is not one of the available "
                                                     "choices."]}),
        ({"currency": "XYZ"}, {"currency": ["Select a valid choice. XYZ is not one of the available choices."]}),
        ({"locale": "xx_YY"}, {"locale": ["Select a valid choice. xx_YY is not one of the available choices."]}),
        ({"week_start": "3"}, {"week_start": ["Select a valid choice. 3 is not one of the available choices."]}),
        ({"name": ""}, {"name": ["This field is required."]}),
    ],
)  # fmt: skip
def test_the_settings_page_shows_field_errors_and_writes_nothing(owner, workspace, other_workspace, changes, errors):
    before = Workspace.objects.filter(pk=workspace.pk).values().get()
    response = _browser(owner).post("/accounts/workspace/settings/", {**FORM, "name": "Renamed", **changes})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert Workspace.objects.filter(pk=workspace.pk).values().get() == before


def test_admins_read_the_settings_page_without_controls(admin_user, workspace):
    browser = _browser(admin_user)
    page = browser.get("/accounts/workspace/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="read-only-notice"' in html
    assert "Save settings" not in html
    assert 'id="delete-form"' not in html
    assert 'id="export-form"' not in html
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert browser.post("/accounts/workspace/settings/", {**FORM, "name": "Admin's"}).status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme"


def test_viewers_get_the_styled_403_page(viewer, workspace):
    response = _browser(viewer).get("/accounts/workspace/settings/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-403"' in html
    assert 'class="topbar"' in html
    assert "Admins read a workspace&#x27;s settings; owners change them." in html


def test_a_post_for_another_workspace_changes_nothing(owner, outsider, workspace):
    # The outsider's active workspace is Globex; a form naming Acme changes neither.
    response = _browser(outsider).post("/accounts/workspace/settings/", {**FORM, "name": "Hijacked"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/workspace/settings/")
    assert set(Workspace.objects.values_list("name", flat=True)) == {"Acme", "Globex"}


def test_a_form_of_the_workspace_switched_away_from_changes_nothing(owner, workspace, other_workspace):
    MembershipFactory(user=owner, workspace=other_workspace, role="owner")
    browser = _browser(owner)
    browser.post("/accounts/workspace/switch/", {"workspace": "globex"})
    response = browser.post("/accounts/workspace/settings/", {**FORM, "name": "Wrong tab"})
    assert response.status_code == 302
    assert set(Workspace.objects.values_list("name", flat=True)) == {"Acme", "Globex"}


def test_anonymous_visitors_are_sent_to_log_in(workspace):
    response = Client().get("/accounts/workspace/settings/")
    assert response["Location"] == "/accounts/login/?next=/accounts/workspace/settings/"
    assert Client().post("/accounts/workspace/delete/", {"workspace": "acme", "confirm": "acme"}).status_code == 302
    assert Workspace.objects.filter(slug="acme").exists()


def test_the_delete_form_needs_the_slug_and_then_deletes(owner, workspace):
    browser = _browser(owner)
    wrong = browser.post("/accounts/workspace/delete/", {"workspace": "acme", "confirm": "Acme"})
    assert wrong.status_code == 200
    assert wrong.context["delete_form"].errors == {"confirm": ["Type the workspace's slug, acme, to confirm."]}
    assert Workspace.objects.filter(slug="acme").exists()
    done = browser.post("/accounts/workspace/delete/", {"workspace": "acme", "confirm": "acme"})
    assert (done.status_code, done["Location"]) == (302, "/")
    assert not Workspace.objects.filter(slug="acme").exists()


@pytest.mark.parametrize("who", ["admin_user", "viewer"])
def test_only_owners_delete_from_the_page(request, workspace, who):
    user = request.getfixturevalue(who)
    assert (
        _browser(user).post("/accounts/workspace/delete/", {"workspace": "acme", "confirm": "acme"}).status_code == 403
    )
    assert Workspace.objects.filter(slug="acme").exists()


def test_a_personal_workspace_page_says_why_it_stays(owner):
    personal = workspace_create(owner=owner, name="Mine", slug="mine", personal=True)
    browser = _browser(owner)
    browser.post("/accounts/workspace/switch/", {"workspace": personal.slug})
    html = browser.get("/accounts/workspace/settings/").content.decode()
    assert 'id="not-deletable"' in html
    assert 'id="delete-form"' not in html


@pytest.mark.parametrize(
    ("who", "link"),
    [("owner", '<a href="/accounts/workspace/settings/" id="nav-workspace">Workspace settings</a>'),
     ("admin_user", '<a href="/accounts/workspace/settings/" id="nav-workspace">Workspace settings</a>'),
     ("viewer", '<a href="/accounts/workspace/members/" id="nav-workspace">Workspace members</a>')],
)  # fmt: skip
def test_the_top_bar_leads_to_the_account_and_the_workspace(request, workspace, who, link):
    user = request.getfixturevalue(who)
    html = _browser(user).get("/").content.decode()
    assert link in html
    assert f'<a href="/accounts/profile/" id="nav-account" title="{user.email}">Account</a>' in html


def test_deletion_takes_the_confirmation_in_the_query_string_too(api_as, owner, workspace):
    assert api_as(owner).delete(f"{URL}?confirm=nope").status_code == 400
    assert api_as(owner).delete(f"{URL}?confirm=acme").status_code == 204
    assert not Workspace.objects.filter(slug="acme").exists()


PAGES = ["/accounts/workspace/settings/", "/accounts/workspace/members/", "/accounts/workspace/audit-log/"]
# What each page answers each person: Acme's owner, admin and viewer, Globex's owner.
SEEN = {"owner": (200, 200, 200), "admin_user": (200, 200, 403), "viewer": (403, 200, 403), "outsider": (200, 200, 200)}


@pytest.mark.parametrize("who", sorted(SEEN))
def test_each_workspace_page_answers_each_role(request, workspace, other_workspace, who):
    user = request.getfixturevalue(who)
    browser = _browser(user)
    for path, expected in zip(PAGES, SEEN[who], strict=True):
        response = browser.get(path)
        assert response.status_code == expected, path
        if expected == 200:
            # Another workspace's member sees their own workspace, never Acme.
            assert response.context["workspace"].slug == ("globex" if who == "outsider" else "acme")


@pytest.mark.parametrize("path", [*PAGES, "/accounts/profile/", "/accounts/password/change/"])
def test_each_page_sends_anonymous_visitors_to_log_in(workspace, path):
    response = Client().get(path)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")


def test_reading_the_settings_costs_a_fixed_number_of_queries(api_as, owner, workspace, django_assert_num_queries):
    client = api_as(owner)
    # savepoint, user with their membership and its workspace, release
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
