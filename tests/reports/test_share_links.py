"""Share links: who manages them (API), and what an anonymous holder of a link sees at /s/<token>/
with a valid, expired, revoked, wrong-password and tampered token."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from reports.models import ShareLink
from reports.sharing import share_link_create, token_hash
from tests.sales.factories import SalesRecordFactory, StoreFactory

URL = "/api/v1/share-links/"
BODY = {
    "dashboard": "sales",
    "label": "Board",
    "range_kind": "fixed",
    "date_from": "2026-03-01",
    "date_to": "2026-03-31",
}
TAMPERINGS = [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:20], lambda t: t + "x"]


@pytest.fixture
def sales(workspace):
    store = StoreFactory(workspace=workspace, name="Downtown")
    SalesRecordFactory(store=store, date=dt.date(2026, 3, 2), revenue=Decimal("1234.50"), ad_spend=Decimal("100"))
    SalesRecordFactory(store=store, date=dt.date(2026, 4, 2), revenue=Decimal("999.00"), ad_spend=Decimal("10"))
    return store


@pytest.fixture
def issued(workspace, owner, sales):
    return share_link_create(
        workspace=workspace,
        user=owner,
        dashboard="sales",
        range_kind="fixed",
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31),
        allowed_origins=["https://intranet.example"],
    )


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_owner_and_admin_create_a_link_shown_once(request, api_as, workspace, role):
    client = api_as(request.getfixturevalue(role))
    response = client.post(URL, {**BODY, "password": "s3cret", "allowed_origins": ["HTTPS://Intranet.example/"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    token = re.fullmatch(r"http://testserver/s/([A-Za-z0-9_-]{43})/", body["url"]).group(1)
    link = ShareLink.objects.get()
    assert link.token_hash == token_hash(token)
    assert token not in link.token_hash
    assert link.password_hash.startswith(("md5$", "argon2"))
    assert "s3cret" not in link.password_hash
    assert (body["has_password"], body["allowed_origins"], body["view_count"]) == (
        True,
        ["https://intranet.example"],
        0,
    )
    listed = client.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [link.pk]
    assert listed[0]["url"] is None
    assert "password" not in listed[0]


def test_viewer_outsider_and_anonymous_cannot_manage_links(api_as, anon_api, viewer, outsider, issued):
    assert api_as(viewer).get(URL).status_code == 403
    assert api_as(viewer).post(URL, BODY, format="json").status_code == 403
    assert api_as(outsider).get(URL).status_code == 404
    assert api_as(outsider).delete(f"{URL}{issued.link.pk}/").status_code == 404
    assert anon_api.get(URL).status_code == 401
    assert ShareLink.objects.get().revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "dashboard": "admin"}, "dashboard"),
        ({**BODY, "range_kind": "fixed", "date_from": None}, "date_from"),
        ({**BODY, "range_kind": "rolling", "rolling_days": None}, "rolling_days"),
        ({**BODY, "allowed_origins": ["javascript:alert(1)"]}, "allowed_origins"),
        ({**BODY, "filters": {"evil": "1"}}, "filters"),
        ({**BODY, "dashboard": "api-project"}, "filters"),
        ({**BODY, "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_links_are_refused_and_nothing_is_written(api_as, owner, body, field):
    response = api_as(owner).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ShareLink.objects.exists()


def test_delete_revokes_and_the_link_stops_working(api_as, owner, issued):
    assert api_as(owner).delete(f"{URL}{issued.link.pk}/").status_code == 204
    assert ShareLink.objects.get().revoked_at is not None
    assert Client().get(issued.path).status_code == 410


def test_valid_link_shows_the_dashboard_and_nothing_else(issued):
    response = Client().get(issued.path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1,234.50" in html or "1234.50" in html  # March only: April's 999.00 is outside the range
    assert "999.00" not in html
    assert re.findall(r"<a\b[^>]*\bhref=\"(?!#)", html) == []
    assert "<form" not in html
    assert "owner@acme.test" not in html
    assert "<body data-shared>" in html  # scripts that navigate (a chart's click) can tell
    assert "frame-ancestors https://intranet.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    link = ShareLink.objects.get()
    assert (link.view_count, link.last_viewed_at is not None) == (1, True)


def test_link_without_origins_may_not_be_framed(workspace, owner, sales):
    issued = share_link_create(workspace=workspace, user=owner, dashboard="sales")
    response = Client().get(issued.path)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_expired_link_answers_410(workspace, owner, sales):
    with time_machine.travel(dt.datetime(2026, 5, 1, tzinfo=dt.UTC), tick=False):
        issued = share_link_create(
            workspace=workspace, user=owner, dashboard="sales", expires_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
        )
        assert Client().get(issued.path).status_code == 200
    with time_machine.travel(dt.datetime(2026, 5, 2, tzinfo=dt.UTC), tick=False):
        response = Client().get(issued.path)
    assert response.status_code == 410
    assert "no longer works" in response.content.decode()


@pytest.mark.parametrize("mangle", TAMPERINGS)
def test_tampered_token_answers_404(issued, mangle):
    response = Client().get(f"/s/{mangle(issued.token)}/")
    assert response.status_code == 404
    assert ShareLink.objects.get().view_count == 0


def test_password_protected_link(workspace, owner, sales):
    issued = share_link_create(workspace=workspace, user=owner, dashboard="sales", password="open sesame")
    client = Client()
    asked = client.get(issued.path)
    assert asked.status_code == 200
    assert 'name="password"' in asked.content.decode()
    assert "Downtown" not in asked.content.decode()
    wrong = client.post(issued.path, {"password": "guess"})
    assert wrong.status_code == 403
    assert "Wrong password." in wrong.content.decode()
    assert client.post(issued.path, {"password": "open sesame"}).status_code == 302
    shown = client.get(issued.path)
    assert shown.status_code == 200
    assert "Downtown" in shown.content.decode()
    assert ShareLink.objects.get().view_count == 1
    assert Client().get(issued.path).content.decode().count('name="password"') == 1  # another visitor is asked


def test_views_are_rate_limited(settings, issued):
    settings.SHARE_LINK_RATE_PER_MINUTE = 2
    client = Client()
    # Counted in windows of a clock minute: start early in the next one, so that the views (a
    # quarter of a second each on a busy machine) are not split by a minute's turn.
    start = dt.datetime.now(dt.UTC).replace(second=5, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(start, tick=True):
        assert [client.get(issued.path).status_code for _ in range(3)] == [200, 200, 429]
        assert 1 <= int(client.get(issued.path)["Retry-After"]) <= 55


def test_share_context_opens_no_api_nor_page(issued):
    client = Client()
    client.get(issued.path)
    for path in ("/api/v1/sales/summary", URL, "/api/v1/users/me", "/sales/", "/reports/share-links/"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403, 404), path


@pytest.mark.parametrize(
    "dashboard", ["ecommerce", "ecommerce-customers", "ecommerce-products", "ecommerce-forecast", "api-project"]
)
def test_every_shareable_dashboard_renders_without_links(workspace, owner, dashboard):
    from tests.apimetrics.factories import ProjectFactory

    ProjectFactory(workspace=workspace, key="shop-api")
    filters = {"key": "shop-api"} if dashboard == "api-project" else {}
    issued = share_link_create(workspace=workspace, user=owner, dashboard=dashboard, filters=filters)
    response = Client().get(issued.path)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"<a\b[^>]*\bhref=\"(?!#)", html) == []
    assert "<form" not in html


def test_link_to_another_workspace_project_shows_nothing(workspace, other_workspace, owner):
    from tests.apimetrics.factories import ProjectFactory

    ProjectFactory(workspace=other_workspace, key="theirs")
    issued = share_link_create(workspace=workspace, user=owner, dashboard="api-project", filters={"key": "theirs"})
    assert Client().get(issued.path).status_code == 404


def test_csv_downloads_only_when_the_link_allows_them(workspace, owner, sales):
    closed = share_link_create(workspace=workspace, user=owner, dashboard="sales")
    assert "share-downloads" not in Client().get(closed.path).content.decode()
    assert Client().get(f"{closed.path}csv/sales.by_store").status_code == 404
    issued = share_link_create(
        workspace=workspace,
        user=owner,
        dashboard="sales",
        range_kind="fixed",
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31),
        allow_csv=True,
    )
    html = Client().get(issued.path).content.decode()
    hrefs = [href for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html) if not href.startswith("#")]
    assert hrefs == [f"{issued.path}csv/{name}" for name in ("sales.summary", "sales.series", "sales.by_store")]
    response = Client().get(f"{issued.path}csv/sales.by_store")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sales-by-store.csv"'
    assert response.content.decode().splitlines() == [
        "store_id,name,city,total_revenue,total_ad_spend,roas,records",
        f"{sales.pk},Downtown,Springfield,1234.50,100.00,12.345,1",
    ]
    # Only the dashboard's own tables: not another app's, not the account's.
    for name in ("ecommerce.kpis", "sales.top_users", "accounts.members"):
        assert Client().get(f"{issued.path}csv/{name}").status_code == 404


def test_password_protected_csv_asks_for_the_password_first(workspace, owner, sales):
    issued = share_link_create(workspace=workspace, user=owner, dashboard="sales", password="pw", allow_csv=True)
    response = Client().get(f"{issued.path}csv/sales.by_store")
    assert response.status_code == 302
    assert response["Location"] == issued.path


def test_rolling_range_ends_today_in_the_workspace_time_zone(workspace, owner):
    from reports.sharing import query_of

    workspace.timezone = "Pacific/Auckland"
    workspace.save()
    issued = share_link_create(
        workspace=workspace, user=owner, dashboard="sales", range_kind="rolling", rolling_days=7, filters={"store": "3"}
    )
    with time_machine.travel(dt.datetime(2026, 3, 9, 20, tzinfo=dt.UTC), tick=False):  # 10 March, 09:00 there
        assert query_of(issued.link) == {"store": "3", "date_from": "2026-03-04", "date_to": "2026-03-10"}


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer", "outsider"])
def test_logged_in_visitors_see_the_shared_page_and_nothing_of_their_account(request, issued, role):
    user = request.getfixturevalue(role)
    client = Client()
    client.force_login(user)
    response = client.get(issued.path)
    assert response.status_code == 200
    html = response.content.decode()
    assert user.email not in html
    assert "workspace-switcher" not in html
    assert re.findall(r"<a\b[^>]*\bhref=\"(?!#)", html) == []
