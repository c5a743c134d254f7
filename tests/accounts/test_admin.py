"""Django admin for users, workspaces and memberships, with search and filters."""

import pytest

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
