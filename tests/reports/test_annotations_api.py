"""/api/v1/annotations/: who reads and writes, validation, the range filter, CSV, and the
automatic marks of imports and key rotations."""

import datetime as dt

import pytest

from accounts.models import User
from apimetrics.keys import api_key_rotate
from reports.models import Annotation
from tests.apimetrics.factories import ProjectFactory, issue_key

URL = "/api/v1/annotations/"
UTC = dt.UTC


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def marks(workspace, other_workspace, owner):
    return [
        Annotation.objects.create(workspace=workspace, starts_at=_at(1), text="Launch", created_by=owner),
        Annotation.objects.create(workspace=workspace, starts_at=_at(5), ends_at=_at(9), text="Sale week"),
        Annotation.objects.create(workspace=workspace, starts_at=_at(20), text="Outage"),
        Annotation.objects.create(workspace=other_workspace, starts_at=_at(5), text="Theirs"),
    ]


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer"])
def test_members_list_only_their_workspace_annotations(request, api_as, marks, role):
    response = api_as(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Launch", "Sale week", "Outage"]
    assert response.json()["results"][0] == {
        "id": marks[0].pk,
        "project_id": None,
        "starts_at": "2026-03-01T12:00:00Z",
        "ends_at": None,
        "text": "Launch",
        "kind": "note",
        "created_by": "owner@acme.test",
        "created_at": response.json()["results"][0]["created_at"],
    }


def test_range_keeps_annotations_that_overlap_it(api_as, owner, marks):
    response = api_as(owner).get(URL, {"date_from": "2026-03-07", "date_to": "2026-03-19"})
    assert [row["text"] for row in response.json()["results"]] == ["Sale week"]


def test_outsider_and_anonymous_see_nothing(api_as, anon_api, outsider, workspace, marks):
    assert api_as(outsider).get(URL).status_code == 404  # not a member of acme
    assert anon_api.get(URL).status_code == 401
    assert api_as(outsider).get(f"{URL}{marks[0].pk}/", HTTP_X_WORKSPACE="globex").status_code == 404


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_create_update_and_delete(request, api_as, workspace, role):
    client = api_as(request.getfixturevalue(role))
    created = client.post(URL, {"starts_at": "2026-03-02T08:00:00Z", "text": "Price change"}, format="json")
    assert created.status_code == 201
    assert created.json()["kind"] == "note"
    pk = created.json()["id"]
    patched = client.patch(f"{URL}{pk}/", {"text": "Price change (EU)"}, format="json")
    assert patched.json()["text"] == "Price change (EU)"
    assert client.delete(f"{URL}{pk}/").status_code == 204
    assert not Annotation.objects.exists()


def test_viewer_cannot_write(api_as, viewer, marks):
    client = api_as(viewer)
    assert client.post(URL, {"starts_at": "2026-03-02T08:00:00Z", "text": "x"}, format="json").status_code == 403
    assert client.delete(f"{URL}{marks[0].pk}/").status_code == 403
    assert Annotation.objects.count() == 4


def test_bad_input_answers_400_and_writes_nothing(api_as, owner, other_workspace):
    client = api_as(owner)
    theirs = ProjectFactory(workspace=other_workspace)
    cases = [
        ({"starts_at": "yesterday", "text": "x"}, "starts_at"),
        ({"starts_at": "2026-03-02T08:00:00Z", "text": ""}, "text"),
        ({"starts_at": "2026-03-02T08:00:00Z", "text": "x" * 201}, "text"),
        ({"starts_at": "2026-03-02T08:00:00Z", "ends_at": "2026-03-01T08:00:00Z", "text": "x"}, "ends_at"),
        ({"starts_at": "2026-03-02T08:00:00Z", "text": "x", "project_id": theirs.pk}, "project_id"),
    ]
    for body, field in cases:
        response = client.post(URL, body, format="json")
        assert response.status_code == 400, body
        assert list(response.json()["error"]["fields"]) == [field]
    assert client.get(URL, {"date_from": "2026-03-09", "date_to": "2026-03-01"}).status_code == 400
    assert not Annotation.objects.exists()


def test_project_annotation_of_own_project_is_accepted(api_as, owner, workspace):
    project = ProjectFactory(workspace=workspace)
    response = api_as(owner).post(
        URL, {"starts_at": "2026-03-02T08:00:00Z", "text": "Deploy", "project_id": project.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["project_id"] == project.pk
    listed = api_as(owner).get(URL, {"project_id": project.pk}).json()["results"]
    assert [row["text"] for row in listed] == ["Deploy"]
    assert api_as(owner).get(URL).json()["results"] == []  # the workspace's charts: project marks left out


def test_csv_lists_the_annotations(api_as, owner, marks):
    response = api_as(owner).get(URL, {"format": "csv", "date_from": "2026-03-01", "date_to": "2026-03-06"})
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "id,project_id,starts_at,ends_at,text,kind,created_by,created_at"
    assert [line.split(",")[4] for line in lines[1:]] == ["Launch", "Sale week"]


def test_key_rotation_marks_the_project_charts(workspace, django_capture_on_commit_callbacks):
    project = ProjectFactory(workspace=workspace)
    key, _ = issue_key(project, name="Server")
    user = User.objects.create_user(email="rot@acme.test", password="x-Very-long-1")
    with django_capture_on_commit_callbacks(execute=True):
        api_key_rotate(api_key=key, user=user)
    mark = Annotation.objects.get()
    assert (mark.workspace, mark.project_id, mark.kind, mark.text) == (
        workspace,
        project.pk,
        "key_rotation",
        "API key 'Server' rotated",
    )


def test_import_marks_the_workspace_charts(workspace):
    from ecommerce.signals import orders_imported

    orders_imported.send(sender=None, workspace_id=workspace.pk, job_id=7)
    mark = Annotation.objects.get()
    expected = (workspace, None, "import", "Orders imported (job 7)")
    assert (mark.workspace, mark.project_id, mark.kind, mark.text) == expected
