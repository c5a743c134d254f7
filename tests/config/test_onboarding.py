"""A new workspace's pages say what to do next (config.onboarding) instead of drawing empty charts."""

import datetime as dt
import html as htmllib

import pytest
from django.urls import reverse

from apimetrics.models import Project
from config import onboarding
from tests.apimetrics.factories import ProjectFactory
from tests.ecommerce.factories import SalesLineFactory
from tests.factories import UserFactory
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db

SAMPLE_FORM = '<form method="post" action="/accounts/workspace/sample/" class="sample-data">'
CHART = 'class="pulse-chart"'
DASHBOARDS = ["home", "sales:dashboard", "ecommerce:dashboard", "ecommerce:customers", "ecommerce:products"]
DASHBOARDS += ["ecommerce:forecast", "apimetrics:projects"]


def page(client, user, name: str, **query) -> str:
    client.force_login(user)
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return htmllib.unescape(response.content.decode())


def step_urls() -> dict:
    return {step.app: step.url for step in onboarding.steps()}


def test_each_app_names_its_step_in_order():
    assert [(step.app, step.title, step.url_names) for step in onboarding.steps()] == [
        ("ecommerce", "Upload your orders", ("ecommerce:imports",)),
        ("sales", "Add a store", ("sales:stores", "sales:dashboard")),
        ("apimetrics", "Create an API project", ("apimetrics:project-new", "apimetrics:projects")),
    ]


def test_a_step_links_to_the_first_page_this_installation_serves():
    step = onboarding.Step("x", 1, "t", "", ("nowhere:page", "sales:dashboard", "home"), lambda workspace: False)
    assert step.url == "/sales/"
    assert onboarding.Step("x", 1, "t", "", ("nowhere:page",), lambda workspace: False).url == ""


def test_a_step_is_done_by_the_workspaces_own_data(workspace, other_workspace):
    def done(space):
        return {step.app: step.done(space) for step in onboarding.steps()}

    assert done(workspace) == {"ecommerce": False, "sales": False, "apimetrics": False}
    SalesLineFactory(workspace=workspace)
    StoreFactory(workspace=workspace)
    ProjectFactory(workspace=workspace)
    assert done(workspace) == {"ecommerce": True, "sales": True, "apimetrics": True}
    assert done(other_workspace) == {"ecommerce": False, "sales": False, "apimetrics": False}


@pytest.mark.parametrize("who", ["owner", "admin_user"])
def test_the_home_page_of_an_empty_workspace_links_every_next_step_for_those_who_write(client, request, who):
    html = page(client, request.getfixturevalue(who), "home")

    assert "<h2>Get started: this workspace is empty</h2>" in html
    urls = step_urls()
    for app, title in (("sales", "Add a store"), ("apimetrics", "Create an API project")):
        assert f'<a class="button" href="{urls[app]}">{title}</a>' in html
    if urls["ecommerce"]:
        assert f'<a class="button" href="{urls["ecommerce"]}">Upload your orders</a>' in html
    else:  # until the upload page is served: the API's import, in the docs
        assert '<strong>Upload your orders</strong> <span class="muted">A CSV, CSV.GZ or XLSX' in html
    assert SAMPLE_FORM in html
    assert "A year of a made-up gift shop, its stores and an API, in a separate workspace of your own: Acme" in html


def test_a_viewer_is_told_who_can_take_the_steps_and_may_load_sample_data(client, viewer):
    html = page(client, viewer, "home")

    assert 'class="button"' not in html.split('id="get-started"')[1].split("</ul>")[0]
    assert html.count("An owner or admin of Acme can do this; your role is viewer.") == 3
    assert SAMPLE_FORM in html


def test_another_workspaces_member_sees_their_own_workspaces_state(client, outsider, workspace):
    StoreFactory(workspace=workspace)  # Acme is not empty; Globex is

    html = page(client, outsider, "home")

    assert "<h2>Get started: this workspace is empty</h2>" in html
    assert "your own: Globex stays as it is" in html
    assert "Acme" not in html


@pytest.mark.parametrize("name", DASHBOARDS)
def test_a_user_of_no_workspace_is_offered_no_steps(client, name):
    html = page(client, UserFactory(email="loner@example.com"), name)

    assert 'id="get-started"' not in html


@pytest.mark.parametrize("name", DASHBOARDS)
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_once_a_step_is_taken_the_home_page_stops_offering_them(client, owner, workspace):
    ProjectFactory(workspace=workspace)

    html = page(client, owner, "home")

    assert 'id="get-started"' not in html
    assert SAMPLE_FORM not in html


@pytest.mark.parametrize("who", ["owner", "viewer"])
@pytest.mark.parametrize(
    ("name", "lead"),
    [
        ("sales:dashboard", "No stores yet"),
        ("ecommerce:dashboard", "No orders yet"),
        ("ecommerce:customers", "No orders yet"),
        ("ecommerce:products", "No orders yet"),
        ("ecommerce:forecast", "No orders yet"),
        ("apimetrics:projects", "No monitored API yet"),
    ],
)
def test_an_empty_dashboard_shows_its_next_step_instead_of_empty_charts(client, request, who, name, lead):
    html = page(client, request.getfixturevalue(who), name)

    assert f"<h2>{lead}</h2>" in html
    assert html.count('<li class="" data-step=') == 1  # this page's step alone
    assert SAMPLE_FORM in html
    assert CHART not in html
    assert "None" not in html
    assert "→" not in html


@pytest.mark.parametrize(
    ("name", "what", "charts"),
    [
        # Each with a chart of its ranking's bars (countries, top customers) beside the table.
        ("ecommerce:dashboard", "orders", 4),
        ("ecommerce:customers", "orders from known customers", 4),
        # The most-returned products' chart is a sentence: these orders have no returns.
        ("ecommerce:products", "orders", 1),
        ("ecommerce:forecast", "orders to forecast from", 1),
    ],
)
def test_orders_outside_the_range_show_an_empty_state_not_empty_charts(client, owner, workspace, name, what, charts):
    for day in range(1, 29):  # every day of February 2011: enough for every page, the forecast too
        SalesLineFactory(workspace=workspace, invoice_date=dt.datetime(2011, 2, day, 12, tzinfo=dt.UTC))

    html = page(client, owner, name, date_from="2012-01-01", date_to="2012-01-31")

    path = reverse(name)
    assert (
        f'No {what} from 2012-01-01 to 2012-01-31: <a href="{path}">see the whole history</a> or pick other dates.'
        in html
    )
    assert CHART not in html
    assert 'id="get-started"' not in html
    assert f"No {what} to 2011-01-31:" in page(client, owner, name, date_to="2011-01-31")  # an open range
    assert page(client, owner, name).count(CHART) == charts


def test_sales_outside_the_range_show_an_empty_state_not_empty_charts(client, owner, workspace):
    SalesRecordFactory(store=StoreFactory(workspace=workspace), date=dt.date(2026, 3, 1))

    html = page(client, owner, "sales:dashboard", date_from="2026-04-01")

    assert 'No sales from 2026-04-01: <a href="/sales/">see the whole history</a> or pick other dates.' in html
    assert CHART not in html
    assert page(client, owner, "sales:dashboard").count(CHART) == 3  # revenue, ROAS, the stores' bars


def test_stores_without_records_say_so_instead_of_drawing_charts(client, owner, workspace):
    StoreFactory(workspace=workspace, name="Camden")

    html = page(client, owner, "sales:dashboard")

    assert "No sales recorded yet: " in html
    assert "The charts appear with the first sales records." in html
    assert '">Camden</a>' in html
    assert CHART not in html
    assert 'id="get-started"' not in html


def test_a_project_replaces_the_api_metrics_empty_state(client, owner, workspace):
    ProjectFactory(workspace=workspace, name="Shop API")

    html = page(client, owner, "apimetrics:projects")

    assert Project.objects.filter(workspace=workspace).count() == 1
    assert "Shop API" in html
    assert 'id="get-started"' not in html
