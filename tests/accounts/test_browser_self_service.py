"""The account and workspace pages in headless Chromium: an invitation from the owner's form to the
invitee's first page as a viewer, with no write controls; every new page at 1366 and 360 px wide
without sideways scrolling; a form driven by the keyboard alone."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.invitations import invitation_token
from accounts.models import Invitation, Membership
from tests.browser import page_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"wide": 1366, "narrow": 360}


def _invitation_link() -> str:
    (message,) = [m for m in mail.outbox if m.subject.startswith("Join ")]
    return re.search(r"http://\S+/accounts/invitations/accept/\?token=\S+", message.body).group(0)


def test_invite_accept_and_the_viewer_sees_no_write_controls(browser_page, owner, workspace, live_server):
    page = browser_page(owner)
    page.click("#nav-workspace")
    page.click(".tabs >> text=Members")
    page.fill("#id_email", "grace@navy.test")
    page.select_option("#id_role", "viewer")
    page.click("#invite-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("We sent an invitation to grace@navy.test.")
    expect(page.locator("#invitations")).to_contain_text("grace@navy.test")
    page.pulse_screenshot("self-service-1-invited")

    invitee = browser_page()
    invitee.goto(_invitation_link())
    expect(invitee.locator("#invitation")).to_contain_text("invited grace@navy.test to the workspace Acme as viewer")
    invitee.pulse_screenshot("self-service-2-invitation")
    invitee.click("#invitation-register")
    expect(invitee.locator("#id_email")).to_have_value("grace@navy.test")
    invitee.fill("#id_full_name", "Grace Hopper")
    invitee.fill("#id_password", "a-long-enough-pass")
    invitee.click("#register-form button[type=submit]")
    expect(invitee.locator("#invitation-accept-form")).to_be_visible()  # back on the invitation
    invitee.click("#invitation-accept-form button[type=submit]")
    invitee.wait_for_url(f"{live_server.url}/")
    expect(invitee.locator(".messages")).to_contain_text("You joined Acme as Viewer.")
    expect(invitee.locator("#workspace-switcher option:checked")).to_have_text("Acme (viewer)")
    invitee.pulse_screenshot("self-service-3-joined")
    assert Membership.objects.get(user__email="grace@navy.test", workspace=workspace).role == "viewer"
    assert Invitation.objects.get().status == "accepted"

    # The viewer reads the members but sees nothing to change them with.
    expect(invitee.locator("#nav-workspace")).to_have_text("Workspace members")
    invitee.click("#nav-workspace")
    expect(invitee.locator("#members")).to_contain_text("owner@acme.test")
    for control in ("#invite-form", "#members select", "#members button", "#invitations", ".tabs >> text=Settings",
                    ".tabs >> text=Audit log"):  # fmt: skip
        expect(invitee.locator(control)).to_have_count(0)
    invitee.pulse_screenshot("self-service-4-viewer-members")


def test_every_new_page_fits_wide_and_narrow_screens(browser_page, owner, workspace):
    now = timezone.now()
    invitation = Invitation.objects.create(
        workspace=workspace, email="someone.with.a.rather.long.address@example.test", role="viewer",
        invited_by=owner, created_at=now, expires_at=now + dt.timedelta(days=7),
    )  # fmt: skip
    anonymous_pages = {
        "password-reset": "/accounts/password/reset/",
        "password-reset-sent": "/accounts/password/reset/sent/",
        "invitation": f"/accounts/invitations/accept/?token={invitation_token(invitation)}",
    }
    owner_pages = {
        "account": "/accounts/profile/",
        "password-change": "/accounts/password/change/",
        "workspace-settings": "/accounts/workspace/settings/",
        "workspace-members": "/accounts/workspace/members/",
        "audit-log": "/accounts/workspace/audit-log/",
    }
    visitor, logged_in = browser_page(), browser_page(owner)
    for width_name, width in WIDTHS.items():
        for page, pages in ((visitor, anonymous_pages), (logged_in, owner_pages)):
            page.set_viewport_size({"width": width, "height": 900})
            for name, path in pages.items():
                page.goto(path)
                expect(page.locator("h1").first).to_be_visible()
                assert page_overflow(page) <= 0, f"{path} scrolls sideways at {width} px"
                page.pulse_screenshot(f"self-service-{name}-{width_name}")
    # The owner's settings form: a field error is shown next to its field, at any width.
    logged_in.set_viewport_size({"width": 360, "height": 900})
    logged_in.goto("/accounts/workspace/settings/")
    logged_in.fill("#id_slug", "Not a slug")
    logged_in.click("#settings-form button[type=submit]")
    expect(logged_in.locator("#id_slug_error")).to_contain_text("Use 2 to 60 lowercase letters")
    expect(logged_in.locator("#id_slug")).to_have_attribute("aria-invalid", "true")
    assert page_overflow(logged_in) <= 0
    logged_in.pulse_screenshot("self-service-settings-error-narrow")


def test_the_error_pages_fit_wide_and_narrow_screens(chromium, live_server, viewer, settings):
    # Their own context: the harness's pages fail a test on the browser's "status 403" console line.
    from tests.conftest import ARTIFACTS
    from tests.factories import PASSWORD

    settings.DEBUG = False
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", viewer.email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    ARTIFACTS.mkdir(exist_ok=True)
    for width_name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for name, path, status in (("403", "/accounts/workspace/audit-log/", 403), ("404", "/no-such-page/", 404)):
            response = page.goto(path)
            assert response.status == status
            expect(page.locator(f"#error-{name}")).to_be_visible()
            expect(page.locator("#nav-account")).to_be_visible()
            assert page_overflow(page) <= 0, f"{path} scrolls sideways at {width} px"
            page.screenshot(path=str(ARTIFACTS / f"self-service-error-{name}-{width_name}.png"), full_page=True)
    context.close()


def test_the_invite_form_works_from_the_keyboard(browser_page, owner, workspace):
    page = browser_page(owner)
    page.goto("/accounts/workspace/members/")
    page.locator("body").focus()
    for _ in range(60):  # Tab through the page until the invitation's address field has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_email":
            break
    assert page.evaluate("document.activeElement.id") == "id_email"
    page.keyboard.type("ada@acme.test")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_role"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("We sent an invitation to ada@acme.test.")
    assert Invitation.objects.get().role == "viewer"
