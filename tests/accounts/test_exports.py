"""Full exports: every table a workspace owns, found through the app registry, as a ZIP of CSVs
built by a task, downloadable once by an owner, expiring."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client

from accounts import exports, tasks
from accounts.models import AuditEvent, Invitation, Membership, WorkspaceExport
from apimetrics.models import ApiKey, Project, RequestEvent
from ecommerce.models import SalesLine
from sales.models import SalesRecord, Store
from tests.apimetrics.factories import issue_key
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/workspaces/acme/exports/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_owned_tables_are_found_through_foreign_keys():
    tables = {table.model: table.path for table in exports.owned_tables()}
    assert tables[SalesRecord] == "workspace"  # direct, though its store also leads there
    assert tables[Store] == "workspace"
    assert tables[ApiKey] == "project__workspace"
    assert tables[RequestEvent] == "project__workspace"
    assert tables[SalesLine] == "workspace"
    assert tables[Membership] == "workspace"
    assert tables[Invitation] == "workspace"
    assert tables[AuditEvent] == "workspace"
    assert exports.owned_tables()[0].name == "accounts_workspace"
    from accounts.models import User

    assert User not in tables  # people are not a workspace's


def test_secrets_and_hashes_are_left_out():
    columns = {table.model: [header for header, _ in table.columns()] for table in exports.owned_tables()}
    assert "hashed_key" not in columns[ApiKey]
    assert "prefix" in columns[ApiKey]
    assert "ip_hash" not in columns[RequestEvent]
    assert columns[Membership] == ["id", "user_id", "user_email", "workspace_id", "role", "created_at"]
    assert columns[AuditEvent].count("actor_email") == 1


@pytest.fixture
def acme_data(owner, workspace, other_workspace):
    store = StoreFactory(workspace=workspace, name="North", city="Leeds")
    SalesRecordFactory(store=store, date=dt.date(2026, 3, 2), revenue=Decimal("100.50"), ad_spend=Decimal("20"),
                       recorded_by=owner)  # fmt: skip
    SalesRecordFactory(store=StoreFactory(workspace=other_workspace, name="Globex store"))
    project = Project.objects.create(workspace=workspace, name="Shop API", key="shop")
    issue_key(project, "main")
    return store


def _build(client, callbacks) -> dict:
    with callbacks(execute=True):
        response = client.post(EXPORTS)
    assert response.status_code == 202
    return response.json()


def _zip_rows(content: bytes) -> dict[str, list[dict]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    return {
        name.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))
        for name in archive.namelist()
        if name.endswith(".csv")
    }


def test_an_export_holds_the_workspaces_rows_only_and_downloads_once(api_as, owner, workspace, acme_data,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    client = api_as(owner)
    started = _build(client, django_capture_on_commit_callbacks)
    export = WorkspaceExport.objects.get(pk=started["id"])
    assert export.status == "ready"
    detail = client.get(f"{EXPORTS}{export.pk}").json()
    assert detail["status"] == "ready"
    assert detail["download_url"] == f"http://testserver/api/v1/workspaces/acme/exports/{export.pk}/download"
    assert detail["tables"]["sales_salesrecord"] == 1
    assert detail["tables"]["accounts_workspace"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(detail["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="pulse-acme-export-{export.pk}.zip"'
    tables = _zip_rows(b"".join(response.streaming_content))
    assert tables["sales_salesrecord"] == [{
        "id": str(SalesRecord.objects.get(store=acme_data).pk), "workspace_id": str(workspace.pk),
        "store_id": str(acme_data.pk), "date": "2026-03-02", "revenue": "100.50", "ad_spend": "20.00",
        "recorded_by_id": str(owner.pk), "recorded_by_email": "owner@acme.test",
        "created_at": SalesRecord.objects.get(store=acme_data).created_at.isoformat(),
    }]  # fmt: skip
    assert [row["name"] for row in tables["sales_store"]] == ["North"]
    assert [row["slug"] for row in tables["accounts_workspace"]] == ["acme"]
    assert [row["name"] for row in tables["apimetrics_apikey"]] == ["main"]
    assert "hashed_key" not in tables["apimetrics_apikey"][0]
    export.refresh_from_db()
    assert (export.status, export.downloaded_at is not None) == ("downloaded", True)
    assert not default_storage.exists(export.file.name)
    again = client.get(detail["download_url"])
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "This export was downloaded already: make a new export."
    assert client.get(f"{EXPORTS}{export.pk}").json()["download_url"] is None
    actions = list(AuditEvent.objects.filter(workspace=workspace).values_list("action", flat=True))
    assert actions == ["workspace.export_downloaded", "workspace.export_requested", "api_key.created"]


def test_an_export_expires_and_the_cleanup_deletes_its_file(api_as, owner, workspace,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    start = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        started = _build(api_as(owner), django_capture_on_commit_callbacks)
    export = WorkspaceExport.objects.get(pk=started["id"])
    assert export.expires_at == start + dt.timedelta(seconds=settings.EXPORT_MAX_AGE)
    name = export.file.name
    late = start + dt.timedelta(seconds=settings.EXPORT_MAX_AGE + 1)
    with time_machine.travel(late, tick=False):
        response = api_as(owner).get(f"{EXPORTS}{export.pk}/download")
        assert response.status_code == 409
        assert response.json()["error"]["message"] == "This export has expired: make a new export."
        assert default_storage.exists(name)
        assert tasks.expire_workspace_exports.delay().get() == 1
    export.refresh_from_db()
    assert export.status == "expired"
    assert not default_storage.exists(name)


def test_one_export_at_a_time(api_as, owner, workspace):
    WorkspaceExport.objects.create(workspace=workspace, status="running")
    response = api_as(owner).post(EXPORTS)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "An export of this workspace is being made: wait for it to finish."
    assert WorkspaceExport.objects.count() == 1


def test_building_twice_changes_nothing(api_as, owner, workspace, django_capture_on_commit_callbacks):
    export = WorkspaceExport.objects.get(pk=_build(api_as(owner), django_capture_on_commit_callbacks)["id"])
    name = export.file.name
    tasks.build_workspace_export.delay(export.pk)
    export.refresh_from_db()
    assert export.file.name == name


@pytest.mark.parametrize("who", ["admin_user", "viewer"])
def test_only_owners_export(request, api_as, workspace, owner, who, django_capture_on_commit_callbacks):
    export = WorkspaceExport.objects.get(pk=_build(api_as(owner), django_capture_on_commit_callbacks)["id"])
    client = api_as(request.getfixturevalue(who))
    for response in (client.post(EXPORTS), client.get(EXPORTS), client.get(f"{EXPORTS}{export.pk}"),
                     client.get(f"{EXPORTS}{export.pk}/download")):  # fmt: skip
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "Only owners export a workspace."
    export.refresh_from_db()
    assert export.status == "ready"


def test_another_workspace_gets_404(api_as, owner, outsider, workspace, django_capture_on_commit_callbacks):
    export = WorkspaceExport.objects.get(pk=_build(api_as(owner), django_capture_on_commit_callbacks)["id"])
    client = api_as(outsider)
    assert client.post(EXPORTS).status_code == 404
    assert client.get(f"{EXPORTS}{export.pk}/download").status_code == 404
    # Its own workspace's URL does not reach another workspace's export either.
    assert client.get(f"/api/v1/workspaces/globex/exports/{export.pk}/download").status_code == 404


def test_anonymous_callers_are_refused(anon_api, workspace):
    assert anon_api.post(EXPORTS).status_code == 401
    assert anon_api.get(f"{EXPORTS}1/download").status_code == 401


def test_the_export_list_is_paginated_newest_first(api_as, owner, workspace):
    made = [WorkspaceExport.objects.create(workspace=workspace, status="expired") for _ in range(3)]
    body = api_as(owner).get(f"{EXPORTS}?page_size=2").json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [made[2].pk, made[1].pk]


def test_the_settings_page_exports_and_downloads_once(owner, workspace, acme_data,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    browser = Client()
    browser.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post("/accounts/workspace/exports/", {"workspace": "acme"})
    assert started["Location"] == "/accounts/workspace/settings/"
    export = WorkspaceExport.objects.get()
    page = browser.get("/accounts/workspace/settings/").content.decode()
    link = f"/accounts/workspace/exports/{export.pk}/download/"
    assert f'<a href="{link}">' in page
    with django_capture_on_commit_callbacks(execute=True):
        download = browser.get(link)
    assert download.status_code == 200
    assert not default_storage.exists(export.file.name)
    assert "sales_store.csv" in zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    again = browser.get(link)
    assert again["Location"] == "/accounts/workspace/settings/"
    assert "downloaded already" in str(next(iter(browser.get("/accounts/workspace/settings/").context["messages"])))


def test_the_export_page_is_for_owners(admin_user, workspace):
    browser = Client()
    browser.force_login(admin_user)
    assert browser.post("/accounts/workspace/exports/", {"workspace": "acme"}).status_code == 403
    assert not WorkspaceExport.objects.exists()
