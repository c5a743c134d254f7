"""'Load sample data': the demo sets go into a workspace of the user's own, never into theirs."""

import pytest
import structlog
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Workspace
from accounts.tenancy import SESSION_WORKSPACE_KEY
from apimetrics.models import Project
from catalog.models import ProductType
from config import demo
from ecommerce.models import ImportJob, ReturnLine, SalesLine
from sales import demo as sales_demo
from sales.models import SalesRecord, Store

pytestmark = pytest.mark.django_db

URL = "/accounts/workspace/sample/"


def owned_rows(workspace) -> dict:
    return {
        "stores": Store.objects.filter(workspace=workspace).count(),
        "records": SalesRecord.objects.filter(workspace=workspace).count(),
        "sales_lines": SalesLine.objects.filter(workspace=workspace).count(),
        "imports": ImportJob.objects.filter(workspace=workspace).count(),
        "projects": Project.objects.filter(workspace=workspace).count(),
    }


def test_the_url_is_named():
    assert reverse("accounts:sample-data") == URL


def test_a_user_without_a_sample_workspace_gets_one_filled_with_every_demo_set(client, owner, workspace):
    client.force_login(owner)

    with structlog.testing.capture_logs() as logs:
        response = client.post(URL)

    sample = Workspace.objects.get(sample_for=owner)
    # The sample's tracking key is made and hashed, and never written to a log.
    assert [entry["event"] for entry in logs if "pk_" in repr(entry)] == []
    assert any(entry["event"] == "sample_workspace_loaded" for entry in logs)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_WORKSPACE_KEY] == sample.slug
    assert (sample.name, sample.slug, sample.timezone, sample.currency) == (
        "Sample shop",
        "sample-shop",
        "Europe/London",
        "GBP",
    )
    assert list(sample.memberships.values_list("user", "role")) == [(owner.pk, Membership.Role.OWNER)]
    rows = owned_rows(sample)
    assert rows["stores"] == len(sales_demo.DEMO_STORES) == 3
    assert rows["records"] == 3 * sales_demo.DAYS
    assert rows["imports"] == 1
    assert rows["sales_lines"] > 10_000
    assert rows["projects"] == 1
    # The demo's invoice numbers (D…, CD…) are the sample's alone.
    assert not SalesLine.objects.filter(workspace=sample).exclude(invoice_no__startswith="D").exists()
    assert not ReturnLine.objects.filter(workspace=sample).exclude(invoice_no__startswith="CD").exists()
    # The user's own workspace has nothing of it, and the installation's menu is not the sample's.
    assert owned_rows(workspace) == {"stores": 0, "records": 0, "sales_lines": 0, "imports": 0, "projects": 0}
    assert not ProductType.objects.exists()
    page = client.get("/")
    assert "Sample data loaded into the workspace Sample shop: your own stays as it was." in page.content.decode()


def test_a_second_click_opens_the_same_sample_workspace_and_loads_nothing_again(client, owner):
    client.force_login(owner)
    client.post(URL)
    sample = Workspace.objects.get(sample_for=owner)
    before = owned_rows(sample)
    client.post(reverse("accounts:switch-workspace"), {"workspace": "acme"})
    assert client.session[SESSION_WORKSPACE_KEY] == "acme"

    response = client.post(URL, follow=True)

    assert Workspace.objects.filter(sample_for=owner).get() == sample
    assert Workspace.objects.count() == 2
    assert owned_rows(sample) == before
    assert client.session[SESSION_WORKSPACE_KEY] == sample.slug
    assert "Your sample data are in the workspace Sample shop." in response.content.decode()


def test_a_user_who_left_their_sample_workspace_gets_it_back(client, owner, viewer):
    client.force_login(owner)
    client.post(URL)
    sample = Workspace.objects.get(sample_for=owner)
    Membership.objects.create(user=viewer, workspace=sample, role=Membership.Role.OWNER)
    Membership.objects.filter(user=owner, workspace=sample).delete()

    client.post(URL)

    assert sample.memberships.get(user=owner).role == Membership.Role.OWNER
    assert owned_rows(sample)["imports"] == 1


@pytest.mark.parametrize("who", ["admin_user", "viewer", "outsider"])
def test_every_member_gets_a_sample_workspace_of_their_own_whatever_their_role(client, request, who, owner):
    user = request.getfixturevalue(who)
    client.force_login(owner)
    client.post(URL)
    client.force_login(user)

    response = client.post(URL)

    assert response.status_code == 302
    mine, theirs = Workspace.objects.get(sample_for=user), Workspace.objects.get(sample_for=owner)
    assert mine != theirs
    assert mine.slug == "sample-shop-2"
    assert list(mine.memberships.values_list("user", "role")) == [(user.pk, Membership.Role.OWNER)]
    assert not theirs.memberships.filter(user=user).exists()
    assert owned_rows(mine) == owned_rows(theirs)
    for own in Workspace.objects.filter(slug__in=["acme", "globex"]):
        assert owned_rows(own) == {"stores": 0, "records": 0, "sales_lines": 0, "imports": 0, "projects": 0}


def test_anonymous_is_sent_to_the_login_page_and_nothing_is_made(client):
    response = client.post(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"
    assert not Workspace.objects.exists()


def test_only_a_post_with_its_csrf_token_loads(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.get(URL).status_code == 405
    assert client.post(URL).status_code == 403
    assert not Workspace.objects.filter(sample_for=owner).exists()
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(URL, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Workspace.objects.filter(sample_for=owner).exists()


def test_a_failing_loader_leaves_no_sample_workspace_behind(client, owner, monkeypatch):
    def broken(*, workspace, user, stdout):
        raise RuntimeError("the demo import failed")

    loaders = [*demo.workspace_loaders(), demo.DemoLoader("broken", 99, broken)]
    monkeypatch.setattr(demo, "workspace_loaders", lambda: loaders)
    client.force_login(owner)
    client.raise_request_exception = False

    response = client.post(URL)

    assert response.status_code == 500
    assert not Workspace.objects.filter(sample_for=owner).exists()
    assert Store.objects.count() == SalesLine.objects.count() == ImportJob.objects.count() == 0
