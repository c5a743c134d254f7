"""HTML pages under /reports/ as owner, admin, viewer, outsider and anonymous, and the admin."""

import datetime as dt

import pytest
from django.test import Client

from reports.models import Annotation, DigestSubscription, ShareLink
from reports.sharing import share_link_create

pytestmark = pytest.mark.django_db
PAGES = ("/reports/annotations/", "/reports/share-links/", "/reports/digest/")


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mark(workspace, other_workspace):
    Annotation.objects.create(
        workspace=other_workspace, starts_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), text="Globex"
    )
    return Annotation.objects.create(workspace=workspace, starts_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), text="Acme")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("owner", [200, 200, 200]),
        ("admin_user", [200, 200, 200]),
        ("viewer", [200, 403, 200]),
    ],
)
def test_members_open_the_pages_their_role_allows(request, mark, role, expected):
    client = _as(request.getfixturevalue(role))
    assert [client.get(page).status_code for page in PAGES] == expected
    html = client.get(PAGES[0]).content.decode()
    assert "Acme" in html
    assert "Globex" not in html
    assert ('id="annotation-new"' in html) == (role != "viewer")


def test_outsider_sees_only_their_own_workspace(outsider, mark):
    html = _as(outsider).get(PAGES[0]).content.decode()
    assert "Globex" in html
    assert ">Acme<" not in html


def test_anonymous_is_sent_to_login():
    for page in PAGES:
        response = Client().get(page)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_admin_adds_an_annotation_in_the_workspace_time_zone(workspace, admin_user):
    workspace.timezone = "Europe/Paris"
    workspace.save()
    form = {
        "workspace": "acme",
        "starts_at": "2026-03-02T09:30",
        "text": "Deploy",
        "next": "/sales/?date_from=2026-03-01",
    }
    response = _as(admin_user).post(PAGES[0], form)
    assert response["Location"] == "/sales/?date_from=2026-03-01"
    added = Annotation.objects.get()
    assert (added.starts_at, added.text, added.created_by) == (
        dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC),
        "Deploy",
        admin_user,
    )


def test_unsafe_next_and_bad_input_stay_on_the_page(admin_user):
    client = _as(admin_user)
    response = client.post(
        PAGES[0], {"workspace": "acme", "starts_at": "2026-03-02T09:30", "text": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/reports/annotations/"
    response = client.post(PAGES[0], {"workspace": "acme", "starts_at": "soon", "text": "x"}, follow=True)
    assert "The annotation was not added: starts_at:" in response.content.decode()
    assert Annotation.objects.count() == 1


def test_viewer_cannot_add_or_delete_annotations(viewer, mark):
    client = _as(viewer)
    assert client.post(PAGES[0], {"workspace": "acme", "starts_at": "2026-03-02T09:30", "text": "x"}).status_code == 403
    assert client.post(PAGES[0], {"workspace": "acme", "delete": mark.pk}).status_code == 403
    assert Annotation.objects.count() == 2


def test_admin_cannot_delete_another_workspace_annotation(admin_user, mark):
    theirs = Annotation.objects.get(text="Globex")
    assert _as(admin_user).post(PAGES[0], {"workspace": "acme", "delete": theirs.pk}).status_code == 404
    assert Annotation.objects.count() == 2


def test_owner_creates_and_revokes_a_share_link_on_the_page(owner, other_workspace, outsider):
    client = _as(owner)
    response = client.post(
        PAGES[1],
        {"workspace": "acme", "dashboard": "sales", "range_kind": "rolling", "rolling_days": "30"},
        follow=True,
    )
    link = ShareLink.objects.get()
    assert (link.dashboard, link.range_kind, link.rolling_days) == ("sales", "rolling", 30)
    assert "it is shown once: http://testserver/s/" in response.content.decode()
    theirs = share_link_create(workspace=other_workspace, user=outsider, dashboard="sales")
    assert client.post(PAGES[1], {"workspace": "acme", "revoke": theirs.link.pk}).status_code == 404
    client.post(PAGES[1], {"workspace": "acme", "revoke": link.pk})
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None
    assert ShareLink.objects.get(pk=theirs.link.pk).revoked_at is None


def test_share_link_page_refuses_bad_input(admin_user):
    response = _as(admin_user).post(PAGES[1], {"workspace": "acme", "dashboard": "api-project"}, follow=True)
    assert "The link was not created" in response.content.decode()
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/admin/reports/annotation/", "/admin/reports/sharelink/", "/admin/reports/digestsubscription/"],
)
def test_admin_lists_reports(client, staff_user, workspace, viewer, owner, mark, url):
    share_link_create(workspace=workspace, user=owner, dashboard="sales", label="Board link")
    DigestSubscription.objects.create(user=viewer, workspace=workspace)
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert {"/admin/reports/annotation/": "Acme", "/admin/reports/sharelink/": "Board link"}.get(
        url, "viewer@acme.test"
    ) in response.content.decode()
    assert client.get("/admin/reports/sharelink/add/").status_code == 403


def test_annotations_page_links_its_csv_which_the_session_downloads(viewer, mark):
    client = _as(viewer)
    html = client.get(PAGES[0]).content.decode()
    assert 'href="/api/v1/annotations/?format=csv"' in html
    lines = client.get("/api/v1/annotations/?format=csv").content.decode().splitlines()
    assert [line.split(",")[4] for line in lines[1:]] == ["Acme"]
