"""The system workspace's slug (where self-tracking records Pulse's own traffic) is reserved:
no user's workspace takes it, and self-tracking never records into a user's workspace."""

import pytest

from accounts import services
from accounts.models import RESERVED_WORKSPACE_SLUGS, SYSTEM_WORKSPACE_SLUG, Membership, Workspace
from apimetrics import projects
from apimetrics.models import Project, RequestEvent
from config.errors import Invalid
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def self_tracking(settings):
    settings.PULSE_SELF_TRACKING = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "apimetrics.middleware.SelfTrackingMiddleware"]


def test_self_tracking_uses_the_reserved_slug():
    assert projects.SELF_WORKSPACE_SLUG == SYSTEM_WORKSPACE_SLUG == "pulse-system"
    assert SYSTEM_WORKSPACE_SLUG in RESERVED_WORKSPACE_SLUGS


def test_a_workspace_named_pulse_system_does_not_get_the_system_slug(self_tracking, api_as, owner):
    client = api_as(owner)
    response = client.post("/api/v1/workspaces/", {"name": "Pulse System"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "pulse-system-2"
    theirs = Workspace.objects.get(slug="pulse-system-2")

    # Their requests are self-tracked into the built-in project, which is not in their workspace.
    assert api_as(owner, theirs).get("/api/v1/projects/").status_code == 200
    builtin = Project.objects.get(key=projects.SELF_PROJECT_KEY)
    assert builtin.is_builtin
    assert builtin.workspace.slug == "pulse-system"
    assert builtin.workspace != theirs
    assert not builtin.workspace.memberships.exists()
    assert RequestEvent.objects.filter(project=builtin).count() == 2
    assert not Project.objects.filter(workspace=theirs).exists()
    assert not Membership.objects.filter(user=owner, workspace__slug="pulse-system").exists()

    # And they cannot reach the system workspace by naming it.
    response = api_as(owner, builtin.workspace).get("/api/v1/projects/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_workspace_named_pulse_system_is_numbered_past_the_reserved_slug_before_self_tracking_ran(owner):
    # Even while the system workspace does not exist yet, its slug is not free.
    assert not Workspace.objects.filter(slug="pulse-system").exists()
    workspace = services.workspace_create(owner=owner, name="Pulse System")
    assert workspace.slug == "pulse-system-2"


def test_an_explicit_reserved_slug_is_invalid_and_writes_nothing(owner):
    before = Workspace.objects.count()
    with pytest.raises(Invalid) as caught:
        services.workspace_create(owner=owner, name="Mine", slug="pulse-system")
    assert caught.value.fields == {"slug": ["The slug 'pulse-system' is reserved."]}
    assert Workspace.objects.count() == before


def test_the_builtin_project_is_never_put_in_a_users_workspace_that_holds_the_slug(owner):
    # A workspace a user took the slug with before it was reserved, even with a project of that key.
    taken = MembershipFactory(
        workspace__slug="pulse-system", workspace__name="Pulse System", role=Membership.Role.OWNER
    ).workspace
    Project.objects.create(workspace=taken, name="Mine", key=projects.SELF_PROJECT_KEY)
    with pytest.raises(RuntimeError, match="belongs to a user"):
        projects.builtin_project()
    assert list(Project.objects.values_list("workspace__slug", "is_builtin")) == [("pulse-system", False)]


def test_the_builtin_project_is_found_again_in_the_system_workspace(db):
    first = projects.builtin_project()
    assert first.workspace.slug == "pulse-system"
    assert projects.builtin_project() == first
    assert Project.objects.filter(is_builtin=True).count() == 1
