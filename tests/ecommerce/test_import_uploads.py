"""The rules of every upload (issue 30, finding 3 and 15): verified users only, rates per user and
per workspace, a cap on a workspace's imports waiting or running, the uploaded file deleted once
its job ends, and a 202 that tells the job's real state."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from ecommerce import services
from ecommerce.models import ImportJob, SalesLine
from tests.ecommerce.import_helpers import csv_bytes
from tests.ecommerce.test_import_pipeline import ROWS
from tests.factories import MembershipFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_media")]
URL = "/api/v1/ecommerce/imports/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def _media(media):
    return media


def upload(client, data: bytes = b"", name="orders.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data or csv_bytes(ROWS))}, format="multipart")


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_an_unverified_user_cannot_upload(api_as, workspace, media):
    unverified = MembershipFactory(workspace=workspace, role="owner", user__is_verified=False).user

    response = upload(api_as(unverified))

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert error["message"].startswith("Confirm your email address before uploading files")
    assert not ImportJob.objects.exists()
    assert stored_files(media) == []


def test_the_answer_is_the_finished_job_when_the_import_ran_in_the_request(api_as, owner):
    response = upload(api_as(owner), csv_bytes([BAD_ROW]))

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "unparseable_rows"
    assert body["error"]["rows"] == [{"row": 2, "column": "Quantity", "value": "six", "reason": "not a number"}]
    assert body["finished_at"]


BAD_ROW = ["1", "A", "x", "six", "12/1/2010 8:26", "1", "", "France"]


@pytest.mark.parametrize(("data", "status"), [(csv_bytes(ROWS), "succeeded"), (csv_bytes([BAD_ROW]), "failed")])
def test_the_uploaded_file_is_deleted_once_its_job_ends(api_as, owner, media, data, status):
    response = upload(api_as(owner), data)

    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == status
    assert not job.file
    assert stored_files(media) == []


def test_a_job_failed_by_its_task_out_of_retries_loses_its_file(owner, workspace, media):
    job = services.import_job_create(
        workspace=workspace, user=owner, upload=SimpleUploadedFile("orders.csv", csv_bytes(ROWS))
    )
    assert len(stored_files(media)) == 1

    services.import_job_fail(job=job, code="database_unavailable", message="The database could not be reached.")

    assert stored_files(media) == []
    assert ImportJob.objects.get(pk=job.pk).file.name == ""


def test_a_finished_job_run_again_loses_a_file_left_behind(owner, workspace, media):
    job = services.import_job_create(
        workspace=workspace, user=owner, upload=SimpleUploadedFile("orders.csv", csv_bytes(ROWS))
    )
    ImportJob.objects.filter(pk=job.pk).update(status="succeeded")
    job.refresh_from_db()

    services.import_job_run(job=job)

    assert stored_files(media) == []


def _pending(workspace, count: int, *, age=dt.timedelta(0)) -> None:
    for status in (["pending", "running"] * count)[:count]:
        job = ImportJob.objects.create(workspace=workspace, source_name="waiting.csv", status=status)
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - age)


def test_a_workspace_has_at_most_the_cap_of_imports_waiting_or_running(api_as, owner, workspace, settings, media):
    settings.PULSE_MAX_ACTIVE_IMPORTS = 2
    _pending(workspace, 2)

    response = upload(api_as(owner))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_imports"
    assert "already has 2 import(s) waiting or running" in response.json()["error"]["message"]
    assert ImportJob.objects.count() == 2
    assert stored_files(media) == []


def test_the_cap_counts_this_workspace_only_and_forgets_stale_jobs(api_as, owner, workspace, settings):
    settings.PULSE_MAX_ACTIVE_IMPORTS = 2
    _pending(workspace, 1)
    _pending(workspace, 3, age=dt.timedelta(hours=3))  # left "running" by lost workers
    _pending(WorkspaceFactory(slug="busy"), 5)

    response = upload(api_as(owner))

    assert response.status_code == 202
    assert response.json()["status"] == "succeeded"


@pytest.fixture
def low_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "import_user": "2/hour", "import_workspace": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600


@pytest.mark.usefixtures("low_rates")
def test_uploads_are_throttled_per_user_across_workspaces(api_as, owner):
    other = WorkspaceFactory(slug="other")
    MembershipFactory(user=owner, workspace=other, role="owner")

    assert upload(api_as(owner)).status_code == 202
    assert upload(api_as(owner, other)).status_code == 202
    _assert_throttled(upload(api_as(owner, other)))
    assert api_as(owner).get(URL).status_code == 200  # reading is not throttled
    assert ImportJob.objects.count() == 2


@pytest.mark.usefixtures("low_rates")
def test_uploads_are_throttled_per_workspace_across_users(api_as, owner, admin_user):
    second = MembershipFactory(workspace=owner.memberships.get().workspace, role="admin").user

    for who in (owner, admin_user, second):
        assert upload(api_as(who)).status_code == 202
    _assert_throttled(upload(api_as(owner)))


@pytest.mark.usefixtures("low_rates")
def test_viewers_and_strangers_do_not_spend_the_budget(api_as, owner, viewer, outsider, workspace):
    for _ in range(4):
        assert upload(api_as(viewer)).status_code == 403
        assert upload(api_as(outsider, workspace)).status_code == 404
    assert upload(api_as(owner)).status_code == 202


def test_the_limits_come_from_the_environment():
    script = "import django; django.setup(); from django.conf import settings as s; "
    script += "r = s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']; "
    script += "print(r['import_user'], r['import_workspace'], s.PULSE_MAX_ACTIVE_IMPORTS)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env |= {"THROTTLE_IMPORT_USER": "5/min", "THROTTLE_IMPORT_WORKSPACE": "7/day", "PULSE_MAX_ACTIVE_IMPORTS": "4"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.split()[-3:] == ["5/min", "7/day", "4"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"date,amount\n2020-01-01,3\n", "The header does not match the expected columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "The file is not CSV text"),
        (b"PK\x03\x04" + b"\x00" * 100, "The file is not a readable XLSX workbook"),
    ],
)
def test_a_file_that_is_not_orders_is_refused_on_its_field_with_no_job(api_as, owner, media, data, reason):
    response = upload(api_as(owner), data)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["file"][0].startswith(reason)
    assert not ImportJob.objects.exists()
    assert stored_files(media) == []


def test_nothing_is_left_written_when_an_upload_is_refused(api_as, owner, workspace, settings, media):
    settings.PULSE_MAX_UPLOAD_BYTES = 10

    response = upload(api_as(owner))

    assert response.status_code == 413
    assert not ImportJob.objects.exists()
    assert not SalesLine.objects.exists()
    assert stored_files(media) == []
