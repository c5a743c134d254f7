"""The auto-refresh toggle of the API metrics live views (project dashboard, endpoint and consumer
pages): offered only when the range reaches the present, off unless the URL says ``live=1``, and,
in Chromium, reloading the figures while the tab is shown and not while it is hidden."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apimetrics.models import RequestEvent
from tests.apimetrics.factories import ProjectFactory, make_event

NOW = dt.datetime(2026, 3, 10, 9, 3, 30, tzinfo=dt.UTC)
PAGES = [
    ("apimetrics:project", {}),
    ("apimetrics:endpoint", {"method": "GET", "endpoint": "/items"}),
    ("apimetrics:consumer", {"consumer": "a"}),
]
TOGGLE = 'id="auto-refresh"'


@pytest.fixture
def shop(workspace):
    project = ProjectFactory(workspace=workspace, key="shop", name="Shop API", timezone="Europe/Paris")
    RequestEvent.objects.bulk_create([make_event(project, NOW - dt.timedelta(minutes=m), consumer="a") for m in (1, 2)])
    return project


def _get(client, name, params, query):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse(name, kwargs={"key": "shop"}), {**params, **query})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PAGES)
@pytest.mark.parametrize(
    ("query", "offered"),
    [
        ({"preset": "15m"}, True),
        ({"preset": "24h"}, True),
        ({"preset": "today"}, True),
        ({"preset": "30d"}, True),  # ends today
        ({"preset": "all"}, True),
        ({"preset": "yesterday"}, False),
        ({"preset": "custom", "date_from": "2026-03-10T08:00:00Z", "date_to": "2026-03-10T09:00:00Z"}, False),
        ({"preset": "custom", "date_from": "2026-03-10T09:00:00Z", "date_to": "2026-03-10T09:04:00Z"}, True),
        ({"preset": "custom", "date_from": "2026-03-11", "date_to": "2026-03-12"}, False),  # to come
    ],
)
def test_the_toggle_is_offered_when_the_range_reaches_now(shop, client, owner, name, params, query, offered):
    client.force_login(owner)
    html = _get(client, name, params, query).content.decode()
    assert (TOGGLE in html) is offered
    if offered:
        assert '<label><input type="checkbox" name="live" value="1" id="auto-refresh" data-refresh-ms="30000"' in html
        assert "checked" not in html.split(TOGGLE)[1].split(">")[0]  # off by default
        # In the project's time zone (Paris, UTC+1 in March), to the second.
        assert 'Updated at <time datetime="2026-03-10T10:03:30+01:00">10:03:30 CET</time>' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PAGES)
@pytest.mark.parametrize(("live", "checked"), [("1", True), ("0", False), ("yes", False), ("1" * 300, False)])
def test_live_in_the_url_ticks_the_toggle(shop, client, owner, name, params, live, checked):
    client.force_login(owner)
    response = _get(client, name, params, {"preset": "15m", "live": live})
    assert response.status_code == 200
    tag = response.content.decode().split(TOGGLE)[1].split(">")[0]
    assert ("checked" in tag) is checked


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), PAGES)
def test_live_views_for_members_only(shop, client, owner, admin_user, viewer, outsider, name, params):
    for user in (owner, admin_user, viewer):
        client.force_login(user)
        response = _get(client, name, params, {"preset": "15m", "live": "1"})
        assert (response.status_code, TOGGLE in response.content.decode()) == (200, True), user
    client.force_login(outsider)
    assert _get(client, name, params, {"preset": "15m", "live": "1"}).status_code == 404
    client.logout()
    response = _get(client, name, params, {"preset": "15m", "live": "1"})
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)


REQUESTS = "#kpis .kpi:first-child .value"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_auto_refresh_reloads_the_figures_and_pauses_while_hidden(browser_page, owner, workspace):
    """The test shortens the 30 s through the box's data attribute before ticking it."""
    project = ProjectFactory(workspace=workspace, key="shop", name="Shop API")
    now = timezone.now()
    RequestEvent.objects.bulk_create([make_event(project, now - dt.timedelta(minutes=m)) for m in (1, 2)])
    page = browser_page(owner)
    page.goto("/api-metrics/shop/?preset=15m")
    assert page.locator(REQUESTS).inner_text() == "2"
    assert not page.locator("#auto-refresh").is_checked()
    assert page.get_by_label("Auto-refresh every 30 s").count() == 1
    updated = page.locator("#live-updated time").get_attribute("datetime")

    # Hidden tab: the reload falls due but waits.
    page.evaluate("Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})")
    page.evaluate("document.getElementById('auto-refresh').setAttribute('data-refresh-ms', '200')")
    RequestEvent.objects.create(project=project, **_fields(make_event(project, timezone.now())))
    navigations: list[str] = []  # the page's loads (the URL's change of live=1 is not one)
    page.on("load", lambda loaded: navigations.append(loaded.url))
    page.locator("#auto-refresh").check()
    assert page.url.endswith("/api-metrics/shop/?preset=15m&live=1")
    page.wait_for_timeout(1000)
    assert navigations == []
    assert page.locator(REQUESTS).inner_text() == "2"

    # Shown again: it reloads, with the new request, the box still ticked and a later time.
    # The project page reads many figures, and the live server answers one request at a time on
    # SQLite: a loaded machine may need more than the default 15 s for the reload.
    with page.expect_navigation(wait_until="load", timeout=60_000):
        page.evaluate(
            "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
    assert page.locator(REQUESTS).inner_text() == "3"
    assert len(navigations) == 1
    assert page.locator("#auto-refresh").is_checked()
    assert page.locator("#live-updated time").get_attribute("datetime") > updated

    # Ticked off: no more reloads, and the URL forgets it.
    page.evaluate("document.getElementById('auto-refresh').setAttribute('data-refresh-ms', '200')")
    page.locator("#auto-refresh").uncheck()
    page.wait_for_timeout(800)
    assert len(navigations) == 1
    assert page.url.endswith("/api-metrics/shop/?preset=15m")


def _fields(event: RequestEvent) -> dict:
    return {f.name: getattr(event, f.name) for f in event._meta.concrete_fields if f.name not in ("id", "project")}
