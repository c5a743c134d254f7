"""The workspace's locale: read and changed with the other settings (owners write, admins read),
any locale Babel knows through the API, a short list on the settings page."""

import pytest
from django.test import Client

from accounts.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db

URL = "/api/v1/workspaces/acme/"
PAGE = "/accounts/workspace/settings/"
FORM = {"workspace": "acme", "name": "Acme", "slug": "acme", "timezone": "UTC", "currency": "USD", "week_start": "0"}


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_new_workspace_writes_numbers_as_before(api_as, owner, workspace):
    assert workspace.locale == "en_US"
    created = api_as(owner).post("/api/v1/workspaces/", {"name": "Coffee Lab"}, format="json").json()
    assert created["locale"] == "en_US"
    chosen = api_as(owner).post("/api/v1/workspaces/", {"name": "Kaffee", "locale": "de_AT"}, format="json").json()
    assert Workspace.objects.get(slug=chosen["slug"]).locale == "de_AT"


@pytest.mark.parametrize(("sent", "kept"), [("de_DE", "de_DE"), ("fr-CA", "fr_CA"), ("sw_KE", "sw_KE")])
def test_owners_set_any_known_locale_through_the_api(api_as, owner, workspace, sent, kept):
    response = api_as(owner).patch(URL, {"locale": sent}, format="json")
    assert (response.status_code, response.json()["locale"]) == (200, kept)
    workspace.refresh_from_db()
    assert workspace.locale == kept
    event = AuditEvent.objects.get(workspace=workspace)
    assert event.details == {"locale": ["en_US", kept]}


def test_admins_read_the_locale_but_do_not_change_it(api_as, admin_user, workspace):
    client = api_as(admin_user)
    assert client.get(URL).json()["locale"] == "en_US"
    response = client.patch(URL, {"locale": "de_DE"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    workspace.refresh_from_db()
    assert workspace.locale == "en_US"


def test_viewers_outsiders_and_anonymous_callers_neither_read_nor_change_it(api_as, anon_api, viewer, outsider,
                                                                            workspace):  # fmt: skip
    assert api_as(viewer).patch(URL, {"locale": "de_DE"}, format="json").status_code == 403
    assert api_as(outsider).patch(URL, {"locale": "de_DE"}, format="json").status_code == 404
    assert anon_api.patch(URL, {"locale": "de_DE"}, format="json").status_code == 401
    workspace.refresh_from_db()
    assert workspace.locale == "en_US"


@pytest.mark.parametrize("locale", ["xx_YY", "de_XX_YY", "", "en_" + "G" * 40, "../../etc"])
def test_an_unknown_locale_is_a_field_error_in_the_one_shape(api_as, owner, workspace, locale):
    response = api_as(owner).patch(URL, {"locale": locale}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == ("invalid", ["locale"])
    workspace.refresh_from_db()
    assert workspace.locale == "en_US"


def test_the_owner_chooses_the_locale_on_the_settings_page(owner, workspace):
    browser = _browser(owner)
    html = browser.get(PAGE).content.decode()
    assert '<label for="id_locale">' in html
    assert '<option value="de_DE">de_DE · German (Germany)</option>' in html
    response = browser.post(PAGE, {**FORM, "locale": "de_DE"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    workspace.refresh_from_db()
    assert workspace.locale == "de_DE"
    refused = browser.post(PAGE, {**FORM, "locale": "xx_YY"})
    assert refused.context["form"].errors == {
        "locale": ["Select a valid choice. xx_YY is not one of the available choices."]
    }


def test_a_locale_set_through_the_api_stays_when_the_page_saves_other_settings(owner, workspace):
    Workspace.objects.filter(pk=workspace.pk).update(locale="sw_KE")
    browser = _browser(owner)
    assert '<option value="sw_KE" selected>sw_KE · Swahili (Kenya)</option>' in browser.get(PAGE).content.decode()
    browser.post(PAGE, {**FORM, "name": "Acme Ltd", "locale": "sw_KE"})
    workspace.refresh_from_db()
    assert (workspace.name, workspace.locale) == ("Acme Ltd", "sw_KE")


@pytest.mark.parametrize(("who", "status"), [("admin_user", 200), ("viewer", 403)])
def test_admins_see_the_locale_read_only_and_viewers_not_at_all(request, workspace, who, status):
    response = _browser(request.getfixturevalue(who)).get(PAGE)
    assert response.status_code == status
    if status == 200:
        assert response.context["form"].fields["locale"].disabled
        assert response.context["form"]["locale"].value() == "en_US"


def test_another_workspace_member_and_anonymous_visitors_do_not_change_it(outsider, workspace):
    assert _browser(outsider).post(PAGE, {**FORM, "locale": "de_DE"}).status_code == 302  # their own tab: nothing
    assert Client().post(PAGE, {**FORM, "locale": "de_DE"})["Location"].startswith("/accounts/login/")
    workspace.refresh_from_db()
    assert workspace.locale == "en_US"


def test_the_admin_lists_the_locale(client, django_user_model, workspace):
    staff = django_user_model.objects.create_superuser("staff@pulse.test", "x")
    client.force_login(staff)
    html = client.get("/admin/accounts/workspace/").content.decode()
    assert '<th scope="col" class="sortable column-locale">' in html
    assert '<td class="field-locale">en_US</td>' in html
