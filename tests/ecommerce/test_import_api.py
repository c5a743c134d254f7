"""The import API: upload (202 + job), list and detail, as every kind of user; size limit first."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecommerce.models import ImportJob, SalesLine
from tests.ecommerce.import_helpers import csv_bytes, gz_bytes, run_import
from tests.ecommerce.test_import_pipeline import ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_media")]
URL = "/api/v1/ecommerce/imports/"


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, data: bytes, name="orders.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, format="multipart")


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_owner_and_admin_upload_202_then_the_job_runs(request, api_as, role, django_capture_on_commit_callbacks):
    user = request.getfixturevalue(role)
    client = api_as(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, gz_bytes(csv_bytes(ROWS)), name="orders.csv.gz")

    assert response.status_code == 202, response.content
    body = response.json()
    # Tasks run eagerly here, as in the embedded default: the answer is the finished job.
    assert body["status"] == "succeeded"
    assert body["report"]["sales_lines_kept"] == 5
    assert body["source_name"] == "orders.csv.gz"
    assert body["created_by"] == user.email
    assert len(body["sha256"]) == 64

    detail = client.get(f"{URL}{body['id']}")
    assert detail.status_code == 200
    job = detail.json()
    assert job["status"] == "succeeded"
    assert job["error"] == {}
    assert job["report"]["rows_read"] == 11
    assert job["report"]["sales_lines_kept"] == 5
    assert job["report"]["duplicates_dropped"] == 2
    assert job["report"]["rejected"] == {"quantity_le_0": 1, "price_le_0": 1}
    assert job["started_at"]
    assert job["finished_at"]
    assert SalesLine.objects.filter(workspace__slug="acme").count() == 5


def test_a_bad_file_is_a_failed_job_with_its_reason(api_as, owner, django_capture_on_commit_callbacks):
    client = api_as(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes([["1", "A", "x", "six", "12/1/2010 8:26", "1", "", "France"]]))

    job = client.get(f"{URL}{response.json()['id']}").json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "unparseable_rows"
    assert job["error"]["rows"] == [{"row": 2, "column": "Quantity", "value": "six", "reason": "not a number"}]
    assert job["report"] == {}
    assert not SalesLine.objects.exists()


def test_upload_without_a_file_is_400_in_the_error_shape(api_as, owner):
    response = api_as(owner).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "file" in response.json()["error"]["fields"]
    assert not ImportJob.objects.exists()


def test_viewer_reads_but_cannot_upload(api_as, viewer, workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    client = api_as(viewer)

    assert upload(client, csv_bytes(ROWS)).status_code == 403
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{job.pk}").json()["status"] == "succeeded"
    assert ImportJob.objects.count() == 1


def test_outsider_sees_no_job_of_another_workspace(api_as, outsider, other_workspace, workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    own = run_import(other_workspace, csv_bytes(ROWS))
    client = api_as(outsider, other_workspace)

    assert client.get(f"{URL}{job.pk}").status_code == 404
    assert [item["id"] for item in client.get(URL).json()["results"]] == [own.pk]
    # Naming the other workspace does not help either.
    assert api_as(outsider, workspace).get(URL).status_code == 404
    assert api_as(outsider, workspace).get(f"{URL}{job.pk}").status_code == 404


def test_anonymous_is_401(anon_api, workspace):
    job = run_import(workspace, csv_bytes(ROWS))

    assert anon_api.get(URL).status_code == 401
    assert anon_api.get(f"{URL}{job.pk}").status_code == 401
    response = upload(anon_api, csv_bytes(ROWS))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_list_is_paginated_newest_first(api_as, owner, workspace, django_assert_num_queries):
    jobs = [run_import(workspace, csv_bytes(ROWS), name=f"file{n}.csv") for n in range(3)]
    client = api_as(owner)

    # user (token) with membership, count, page of jobs with their creators (the view is not
    # atomic)
    with django_assert_num_queries(3):
        response = client.get(URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [jobs[2].pk, jobs[1].pk]
    assert body["next"]
    assert client.get(URL, {"page_size": 2, "page": 2}).json()["results"][0]["source_name"] == "file0.csv"


class ExplodingStream(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_a_2_gb_upload_is_refused_from_its_content_length_before_reading(api_as, owner, settings):
    client = api_as(owner)

    response = client.post(
        URL,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(2 * 1024**3),
        **{"wsgi.input": ExplodingStream()},
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert f"the limit is {settings.PULSE_MAX_UPLOAD_BYTES:,} bytes" in response.json()["error"]["message"]
    assert not ImportJob.objects.exists()


def test_the_limit_is_the_setting(api_as, owner, settings):
    settings.PULSE_MAX_UPLOAD_BYTES = 100

    response = upload(api_as(owner), csv_bytes(ROWS))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "the limit is 100 bytes" in response.json()["error"]["message"]
    assert not ImportJob.objects.exists()


def test_with_the_broker_down_the_import_runs_in_the_request_instead_of_being_lost(
    api_as, owner, monkeypatch, django_capture_on_commit_callbacks
):
    import kombu.exceptions

    from ecommerce.tasks import import_orders

    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(import_orders, "apply_async", broker_down)
    client = api_as(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, csv_bytes(ROWS))

    assert response.status_code == 202
    assert ImportJob.objects.get(pk=response.json()["id"]).status == ImportJob.Status.SUCCEEDED
    assert SalesLine.objects.filter(workspace__slug="acme").count() == 5
