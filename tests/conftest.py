"""Fixtures shared by every test: fast settings, eager Celery, a clean cache, and the four
people each endpoint is tested as (owner, viewer, outsider, anonymous) plus an admin."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership
from apimetrics import ratelimit
from config.celery import app as celery_app
from tests.browser import one_at_a_time
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory


def pytest_collection_modifyitems(config, items):
    """``PULSE_BROWSER_TESTS=0`` skips the Chromium tests: .ci/run's embedded-default pass sets it,
    the PostgreSQL + Redis pass beside it runs them."""
    if os.environ.get("PULSE_BROWSER_TESTS") != "0":
        return
    skip = pytest.mark.skip(reason="PULSE_BROWSER_TESTS=0: the browser tests run in the PostgreSQL + Redis pass")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True, scope="session")
def _eager_celery():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    ratelimit._leases.clear()  # drawn from the cache's rate-limit counters
    yield
    cache.clear()
    ratelimit._leases.clear()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory(name="Globex", slug="globex")


@pytest.fixture
def owner(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.OWNER, user__email="owner@acme.test").user


@pytest.fixture
def admin_user(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN, user__email="admin@acme.test").user


@pytest.fixture
def viewer(workspace):
    return MembershipFactory(workspace=workspace, role=Membership.Role.VIEWER, user__email="viewer@acme.test").user


@pytest.fixture
def outsider(other_workspace):
    return MembershipFactory(
        workspace=other_workspace, role=Membership.Role.OWNER, user__email="owner@globex.test"
    ).user


@pytest.fixture
def staff_user(db):
    return UserFactory(email="staff@pulse.test", is_staff=True, is_superuser=True)


def bearer_client(user, workspace=None) -> APIClient:
    """An API client that authenticates like a real one: a bearer token and X-Workspace."""
    client = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}
    if workspace is not None:
        headers["HTTP_X_WORKSPACE"] = workspace.slug
    client.credentials(**headers)
    return client


@pytest.fixture
def api_as(workspace):
    """``api_as(user)``: a bearer-token client acting in ``workspace`` (or the one given)."""

    def make(user, in_workspace=None):
        return bearer_client(user, in_workspace or workspace)

    return make


@pytest.fixture
def anon_api():
    return APIClient()


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; our fixtures' ORM calls are sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server; where it shares the test database's connection (in-memory
    SQLite) it serves one request at a time (``tests.browser.one_at_a_time``)."""
    if live_server.thread.connections_override:
        httpd = live_server.thread.httpd
        httpd.set_app(one_at_a_time(httpd.get_app()))
    return live_server


@pytest.fixture
def browser_page(chromium, live_server):
    """``browser_page(user=None)``: a fresh page, logged in through the HTML form when a user is given.

    ``page.pulse_screenshot(name)`` saves a full-page screenshot under test-artifacts/. A script
    error or an error in the browser's console on any page fails the test.
    """
    contexts = []
    errors: list[str] = []

    def make(user=None):
        context = chromium.new_context(viewport={"width": 1400, "height": 1000}, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None
        )
        if user is not None:
            page.goto("/accounts/login/")
            page.fill("#id_username", user.email)
            page.fill("#id_password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

        def screenshot(name: str) -> Path:
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        page.pulse_screenshot = screenshot
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, "errors in the browser:\n" + "\n".join(errors)
