"""The HTML error pages: 403 and 404 inside the site's layout, 500 without any database access."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from config import exceptions
from tests.factories import PASSWORD


@pytest.mark.django_db
def test_404_is_a_page_of_the_site_for_a_visitor(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-404"' in html
    assert '<header class="topbar">' in html
    assert '<a href="/accounts/login/">Log in</a>' in html


@pytest.mark.django_db
def test_404_keeps_the_top_bar_of_a_logged_in_user(settings, owner):
    settings.DEBUG = False
    browser = Client()
    browser.post("/accounts/login/", {"username": owner.email, "password": PASSWORD})
    html = browser.get("/no-such-page/").content.decode()
    assert 'id="error-404"' in html
    assert 'id="nav-account"' in html
    assert 'id="nav-workspace"' in html


@pytest.mark.django_db
def test_403_says_why_inside_the_layout(viewer):
    browser = Client()
    browser.force_login(viewer)
    response = browser.get("/accounts/workspace/audit-log/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-403"' in html
    assert '<header class="topbar">' in html
    assert "Only owners read the audit log." in html


def test_500_renders_without_the_database():
    # No django_db mark: any query would fail the test ("Database access not allowed").
    request = RequestFactory().get("/sales/")
    response = exceptions.handler500(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert 'id="error-500"' in html
    assert '<header class="topbar">' in html
    assert "/static/css/pulse.css" in html


def test_500_of_the_api_stays_json():
    response = exceptions.handler500(RequestFactory().get("/api/v1/sales/summary"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_the_admin_is_titled_pulse():
    assert (admin.site.site_header, admin.site.site_title, admin.site.index_title) == (
        "Pulse administration", "Pulse admin", "Pulse"
    )  # fmt: skip


@pytest.mark.django_db
def test_the_admin_pages_show_the_title(staff_user):
    browser = Client()
    browser.force_login(staff_user)
    html = browser.get("/admin/").content.decode()
    assert "<title>Pulse | Pulse admin</title>" in html
    assert '<a href="/admin/">Pulse administration</a>' in html
