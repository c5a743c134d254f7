"""The audit log of a workspace: what each service records (members, keys, imports, settings,
exports, deletion), read by owners through the API and the page, and by staff in the admin."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.audit import audit_record
from accounts.models import AuditEvent
from apimetrics.models import Project
from tests.ecommerce.import_helpers import csv_bytes
from tests.ecommerce.test_import_pipeline import ROWS

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/workspaces/acme/audit-log/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_api_keys_record_their_creation_rotation_and_revocation(api_as, owner, workspace):
    Project.objects.create(workspace=workspace, name="Shop API", key="shop")
    client = api_as(owner)
    first = client.post("/api/v1/projects/shop/api-keys/", {"name": "main"}, format="json").json()
    second = client.post(f"/api/v1/projects/shop/api-keys/{first['id']}/rotate", {}, format="json").json()
    assert client.delete(f"/api/v1/projects/shop/api-keys/{first['id']}/").status_code == 204
    events = list(AuditEvent.objects.filter(workspace=workspace).order_by("pk"))
    assert [(e.actor, e.action, e.target, e.details) for e in events] == [
        (owner, "api_key.created", f"main ({first['prefix']}…)", {"project": "shop", "key_id": first["id"]}),
        (owner, "api_key.rotated", f"main ({first['prefix']}…)",
         {"project": "shop", "key_id": first["id"], "new_key": second["prefix"]}),
        (owner, "api_key.revoked", f"main ({first['prefix']}…)", {"project": "shop", "key_id": first["id"]}),
    ]  # fmt: skip
    # Never a secret.
    assert all(secret not in str(e.details) + e.target for e in events for secret in (first["key"], second["key"]))


def test_an_import_records_who_imported_what(api_as, owner, workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload = {"file": SimpleUploadedFile("orders.csv", csv_bytes(ROWS))}
        response = api_as(owner).post("/api/v1/ecommerce/imports/", upload, format="multipart")
    event = AuditEvent.objects.get(workspace=workspace, action="data.imported")
    assert (event.actor, event.target) == (owner, "orders.csv")
    assert event.details == {"job_id": response.json()["id"], "sales_lines_kept": 5, "returns_kept": 1,
                             "rejected_total": 2, "duplicates_dropped": 2}  # fmt: skip


def _events(workspace, n: int):
    start = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    for i in range(n):
        with time_machine.travel(start + dt.timedelta(minutes=i), tick=False):
            action = "member.invited" if i % 2 else "workspace.settings_changed"
            audit_record(workspace=workspace, actor=None, action=action, target=f"t{i}")


def test_owners_read_the_log_newest_first_and_paginated(api_as, owner, workspace, other_workspace):
    _events(workspace, 5)
    audit_record(workspace=other_workspace, actor=None, action="member.invited", target="elsewhere")
    body = api_as(owner).get(AUDIT, {"page_size": 2}).json()
    assert body["count"] == 5
    assert body["next"] == "http://testserver/api/v1/workspaces/acme/audit-log/?page=2&page_size=2"
    newest = AuditEvent.objects.get(target="t4")
    assert body["results"][0] == {
        "id": newest.pk, "created_at": "2026-02-01T00:04:00Z", "actor": "", "action": "workspace.settings_changed",
        "target": "t4", "details": {},
    }  # fmt: skip
    assert [row["target"] for row in body["results"]] == ["t4", "t3"]


def test_the_log_filters_by_action(api_as, owner, workspace):
    _events(workspace, 5)
    body = api_as(owner).get(AUDIT, {"action": "member.invited"}).json()
    assert [row["target"] for row in body["results"]] == ["t3", "t1"]
    bad = api_as(owner).get(AUDIT, {"action": "everything"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"action": ['"everything" is not a valid choice.']}


def test_the_log_reads_in_a_bounded_number_of_queries(api_as, owner, workspace, django_assert_num_queries):
    _events(workspace, 30)
    client = api_as(owner)
    # savepoint, the user with their membership, count, the page, release
    with django_assert_num_queries(5):
        assert client.get(AUDIT).status_code == 200


@pytest.mark.parametrize("who", ["admin_user", "viewer"])
def test_only_owners_read_the_log(request, api_as, workspace, who):
    response = api_as(request.getfixturevalue(who)).get(AUDIT)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only owners read the audit log."


def test_another_workspace_and_anonymous_callers_do_not_read_it(api_as, anon_api, outsider, workspace):
    assert api_as(outsider).get(AUDIT).status_code == 404
    assert anon_api.get(AUDIT).status_code == 401


def test_an_unknown_action_is_a_programming_error(workspace):
    with pytest.raises(ValueError, match="Unknown audit action"):
        audit_record(workspace=workspace, actor=None, action="made.up")


# --- the page and the admin -------------------------------------------------------------------


def _browser(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_owners_read_the_log_page_with_a_filter(owner, workspace):
    _events(workspace, 3)
    browser = _browser(owner)
    page = browser.get("/accounts/workspace/audit-log/")
    assert page.status_code == 200
    assert [event.target for event in page.context["page"]] == ["t2", "t1", "t0"]
    html = page.content.decode()
    assert '<label for="id_action">Action</label>' in html
    filtered = browser.get("/accounts/workspace/audit-log/", {"action": "member.invited"})
    assert [event.target for event in filtered.context["page"]] == ["t1"]
    assert "Invited a member" in filtered.content.decode()


@pytest.mark.parametrize("who", ["admin_user", "viewer"])
def test_the_log_page_is_for_owners(request, workspace, who):
    response = _browser(request.getfixturevalue(who)).get("/accounts/workspace/audit-log/")
    assert response.status_code == 403
    assert 'id="error-403"' in response.content.decode()


def test_staff_read_the_log_in_the_admin_and_cannot_change_it(staff_user, workspace):
    _events(workspace, 2)
    browser = _browser(staff_user)
    listing = browser.get("/admin/accounts/auditevent/")
    assert listing.status_code == 200
    assert "t1" in listing.content.decode()
    event = AuditEvent.objects.first()
    assert browser.get("/admin/accounts/auditevent/add/").status_code == 403
    assert browser.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 2
