"""Every HTML page runs under a Content-Security-Policy that allows scripts from our own origin
only, and says no word about it in headless Chromium: a refused inline script, event handler or
eval is an error in the console, which the ``browser_page`` fixture fails on. The pages are
filled with every app's demo data so that each draws its charts and tables."""

import importlib
import io

import pytest

from apimetrics.models import Project
from catalog.models import Product
from config.headers import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# (path, a selector that shows the page drew what it draws with scripts, or None)
ANONYMOUS_PAGES = [
    ("/accounts/login/", "#login-form"),
    ("/accounts/register/", "form"),
    ("/menu/", None),
    ("/api/docs/", ".swagger-ui .info .title"),
    ("/api/redoc/", "redoc h1, [role=navigation]"),
]
MEMBER_PAGES = [
    ("/", ".cards"),
    ("/sales/", "#revenue-chart .main-svg"),
    ("/ecommerce/", ".pulse-chart .main-svg"),
    ("/ecommerce/customers/", ".pulse-chart .main-svg"),
    ("/ecommerce/products/", ".pulse-chart .main-svg"),
    ("/ecommerce/forecast/", ".pulse-chart .main-svg"),
    ("/api-metrics/", None),
    ("/api-metrics/demo-shop-api/", "#requests-chart .main-svg"),
]
STAFF_PAGES = [
    ("/admin/", "#content"),
    ("/admin/jobs/", "#content"),
    ("/admin/accounts/user/", "#changelist"),
    ("/admin/ecommerce/salesline/", "#changelist"),
    ("/admin/django_celery_beat/periodictask/", "#changelist"),
]


@pytest.fixture
def demo_data(workspace, owner):
    for app in ("sales", "ecommerce", "apimetrics", "catalog"):
        importlib.import_module(f"{app}.demo").load(workspace=workspace, user=owner, stdout=io.StringIO())
    return workspace


def _visit(page, path: str, ready: str | None) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
    assert headers["permissions-policy"] == PERMISSIONS_POLICY, path
    if ready:
        page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")


def test_no_page_breaks_its_content_security_policy(browser_page, demo_data, owner, staff_user):
    staff_user.is_verified = True
    staff_user.save(update_fields=["is_verified"])
    anonymous = browser_page()
    anonymous.set_default_timeout(60_000)
    for path, ready in ANONYMOUS_PAGES:
        _visit(anonymous, path, ready)
    member = browser_page(owner)
    member.set_default_timeout(60_000)  # the machine running the suite may be busy
    for path, ready in MEMBER_PAGES:
        _visit(member, path, ready)
    # The switcher and the confirmations are wired by static/js/pulse.js, not inline handlers.
    MembershipFactory(workspace=demo_data, role="owner")  # so that the owner may leave
    member.goto("/")
    member.on("dialog", lambda dialog: dialog.dismiss())
    member.click("#leave-workspace button")
    assert member.url.endswith("/")  # dismissed: still a member, still home
    staff = browser_page(staff_user)
    staff.set_default_timeout(60_000)
    product = Product.objects.order_by("pk").first()
    project = Project.objects.get(key="demo-shop-api")
    pages = [*STAFF_PAGES, (f"/admin/catalog/product/{product.pk}/change/", "#content")]
    pages.append((f"/admin/apimetrics/project/{project.pk}/change/", "#content"))
    for path, ready in pages:
        _visit(staff, path, ready)
    # Errors in any page's console fail the test when the fixture closes the pages.
