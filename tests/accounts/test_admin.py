"""Django admin for users, workspaces and memberships, with search and filters, and the workspace
filter of tenant-owned lists."""

import pytest

from accounts.admin import WorkspaceListFilter
from sales.models import Store
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user, owner, viewer, outsider):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("/admin/accounts/user/?q=acme.test", ["owner@acme.test", "viewer@acme.test"], ["owner@globex.test"]),
        ("/admin/accounts/user/?is_staff__exact=1", ["staff@pulse.test"], ["owner@acme.test"]),
        ("/admin/accounts/user/?is_verified__exact=1", ["owner@acme.test"], []),
        ("/admin/accounts/workspace/?q=glob", ["Globex"], ["Acme"]),
        ("/admin/accounts/workspace/?currency=USD", ["Globex", "Acme"], []),
        ("/admin/accounts/membership/?role__exact=viewer", ["viewer@acme.test"], ["owner@acme.test"]),
        ("/admin/accounts/membership/?q=globex", ["owner@globex.test"], ["viewer@acme.test"]),
    ],
)
def test_admin_lists_search_and_filter(staff_client, url, shown, hidden):
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in shown:
        assert text in html
    for text in hidden:
        assert f">{text}<" not in html


@pytest.mark.parametrize("model", ["user", "workspace", "membership"])
def test_admin_add_and_change_pages_render(staff_client, owner, model):
    assert staff_client.get(f"/admin/accounts/{model}/add/").status_code == 200


def test_admin_user_change_page_shows_memberships(staff_client, owner):
    response = staff_client.get(f"/admin/accounts/user/{owner.pk}/change/")
    assert response.status_code == 200
    assert "Acme" in response.content.decode()


def test_admin_is_staff_only(client, owner):
    client.force_login(owner)
    assert client.get("/admin/accounts/user/")["Location"].startswith("/admin/login/")


def test_workspace_filter_offers_a_bounded_list_and_filters_by_slug(staff_client, workspace, other_workspace):
    """Tenant-owned lists filter by workspace without listing every tenant."""
    Store.objects.create(workspace=workspace, name="Acme Downtown", city="Leeds")
    Store.objects.create(workspace=other_workspace, name="Globex Harbour", city="Hull")
    for n in range(WorkspaceListFilter.shown + 5):
        WorkspaceFactory(name=f"Tenant {n}", slug=f"zz-{n:02d}")

    listing = staff_client.get("/admin/sales/store/").content.decode()
    assert listing.count("?workspace=") == WorkspaceListFilter.shown  # acme, globex and 18 of the 25 others
    assert "?workspace=acme" in listing
    assert "?workspace=zz-17" in listing
    assert "?workspace=zz-18" not in listing

    filtered = staff_client.get("/admin/sales/store/?workspace=globex").content.decode()
    assert "Globex Harbour" in filtered
    assert "Acme Downtown" not in filtered

    beyond = staff_client.get("/admin/sales/store/?workspace=zz-24").content.decode()
    assert "?workspace=zz-24" in beyond  # the chosen one is offered even past the first ones
    assert "Acme Downtown" not in beyond
    assert "Globex Harbour" not in beyond

    # Any other slug is typed into the filter's box, which keeps the list's search and ordering.
    page = staff_client.get("/admin/sales/store/?q=Harbour&o=1&p=0").content.decode()
    box = page.split('<form method="get" class="workspace-filter">')[1].split("</form>")[0]
    assert '<input type="search" name="workspace" value=""' in box
    assert '<input type="hidden" name="q" value="Harbour">' in box
    assert '<input type="hidden" name="o" value="1">' in box
    assert 'name="p"' not in box  # a new filter starts on the first page

    unknown = staff_client.get("/admin/sales/store/?workspace=nope")
    assert unknown.status_code == 302
    assert unknown["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    ("url", "field"),
    [("/admin/apimetrics/project/add/", "workspace"), ("/admin/token_blacklist/blacklistedtoken/add/", "token")],
)
def test_workspaces_and_tokens_are_picked_by_id_not_from_a_dropdown_of_all(staff_client, url, field):
    html = staff_client.get(url).content.decode()
    assert f'<input type="text" name="{field}"' in html
    assert 'class="vForeignKeyRawIdAdminField"' in html
    assert f'<select name="{field}"' not in html


def test_refresh_tokens_are_listed_newest_first_and_found_by_email(staff_client, owner, outsider):
    from rest_framework_simplejwt.tokens import RefreshToken

    first, second = RefreshToken.for_user(owner), RefreshToken.for_user(owner)
    other = RefreshToken.for_user(outsider)
    listed = staff_client.get("/admin/token_blacklist/outstandingtoken/").context["cl"].result_list
    assert [token.jti for token in listed] == [other["jti"], second["jti"], first["jti"]]
    found = staff_client.get("/admin/token_blacklist/outstandingtoken/", {"q": owner.email}).context["cl"]
    assert [token.jti for token in found.result_list] == [second["jti"], first["jti"]]
    second.blacklist()
    blacklisted = staff_client.get("/admin/token_blacklist/blacklistedtoken/", {"q": owner.email}).context["cl"]
    assert [entry.token.jti for entry in blacklisted.result_list] == [second["jti"]]
