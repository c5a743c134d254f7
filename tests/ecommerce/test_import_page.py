"""The imports page (HTML): upload as each kind of user, field errors that write nothing, the
history with its report table and row errors, and the progress the page polls."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from ecommerce import services
from ecommerce.models import ImportJob, SalesLine
from tests.ecommerce.import_helpers import csv_bytes, run_import
from tests.ecommerce.test_import_pipeline import ROWS
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_media")]
URL = "/ecommerce/imports/"
BAD_ROW = ["1", "A", "x", "six", "12/1/2010 8:26", "1", "", "France"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def _media(media):
    return media


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, data: bytes | None = None, *, name="orders.csv", workspace="acme"):
    form = {"workspace": workspace}
    if data is not None:
        form["file"] = SimpleUploadedFile(name, data)
    return client.post(URL, form)


def field_errors(response) -> list[str]:
    return list(response.context["form"].errors.get("file", []))


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_owners_and_admins_see_the_upload_form_with_the_limit(request, role, settings):
    settings.PULSE_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
    page = browser(request.getfixturevalue(role)).get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="upload-form"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'accept=".csv,.gz,.xlsx' in html
    assert '<strong id="upload-limit">100.0\xa0MB</strong>' in html
    assert "csrfmiddlewaretoken" in html
    assert 'id="no-imports"' in html
    assert "<script>" not in html  # CSP: scripts from files only


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_owners_and_admins_upload_and_the_import_runs(request, role, workspace):
    user = request.getfixturevalue(role)
    client = browser(user)

    response = post(client, csv_bytes(ROWS))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#job-{job.pk}"
    assert (job.workspace, job.created_by, job.status) == (workspace, user, "succeeded")
    assert SalesLine.objects.filter(workspace=workspace).count() == 5
    assert "orders.csv is uploaded: it is imported." in client.get(URL).content.decode()


def test_a_viewer_sees_the_history_without_an_upload_control(viewer, workspace):
    run_import(workspace, csv_bytes(ROWS), name="first.csv")
    client = browser(viewer)

    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "first.csv" in html
    assert 'id="upload-form"' not in html
    assert 'id="read-only-notice"' in html

    assert post(client, csv_bytes(ROWS)).status_code == 403
    assert ImportJob.objects.count() == 1


def test_another_workspaces_member_sees_and_touches_only_their_own(outsider, workspace, other_workspace):
    theirs = run_import(other_workspace, csv_bytes(ROWS), name="globex.csv")
    ours = run_import(workspace, csv_bytes(ROWS), name="acme.csv")
    client = browser(outsider)

    html = client.get(URL).content.decode()
    assert "globex.csv" in html
    assert "acme.csv" not in html
    assert client.get(f"{URL}{ours.pk}/progress").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/progress").status_code == 200
    # A form naming another workspace changes nothing.
    response = post(client, csv_bytes(ROWS), workspace="acme")
    assert response.status_code == 302
    assert ImportJob.objects.count() == 2


def test_anonymous_is_sent_to_log_in_and_writes_nothing(workspace):
    job = run_import(workspace, csv_bytes(ROWS))
    client = browser()

    assert client.get(URL)["Location"].startswith("/accounts/login/")
    assert client.get(f"{URL}{job.pk}/progress")["Location"].startswith("/accounts/login/")
    assert post(client, csv_bytes(ROWS))["Location"].startswith("/accounts/login/")
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (None, "orders.csv", "This field is required."),
        (b"", "orders.csv", "The submitted file is empty."),
        (b"date,amount\n2020-01-01,3\n", "orders.csv", "The header does not match the expected columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "chart.png", "The file is not CSV text"),
    ],
)
def test_a_bad_file_is_an_error_next_to_the_field_and_writes_nothing(owner, media, data, name, message):
    response = post(browser(owner), data, name=name)

    assert response.status_code == 200
    assert field_errors(response)[0].startswith(message)
    html = response.content.decode()
    assert re.search(r'<div class="field dropzone" id="dropzone">.*?class="errorlist', html, re.S)
    assert not ImportJob.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()] if media.exists() else True


def test_an_unverified_owner_is_told_on_the_field(workspace):
    unverified = MembershipFactory(workspace=workspace, role="owner", user__is_verified=False).user
    client = browser(unverified)

    assert 'id="unverified-notice"' in client.get(URL).content.decode()
    response = post(client, csv_bytes(ROWS))
    assert response.status_code == 200
    assert field_errors(response)[0].startswith("Confirm your email address before uploading files")
    assert not ImportJob.objects.exists()


def test_the_cap_on_imports_waiting_applies_to_the_page(owner, workspace, settings):
    settings.PULSE_MAX_ACTIVE_IMPORTS = 1
    ImportJob.objects.create(workspace=workspace, source_name="waiting.csv", status="pending")

    response = post(browser(owner), csv_bytes(ROWS))

    assert response.status_code == 200
    assert "already has 1 import(s) waiting or running" in field_errors(response)[0]
    assert ImportJob.objects.count() == 1


def test_the_page_shares_the_apis_upload_rate(owner, api_as, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "import_user": "2/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    upload = {"file": SimpleUploadedFile("a.csv", csv_bytes(ROWS))}
    assert api_as(owner).post("/api/v1/ecommerce/imports/", upload, format="multipart").status_code == 202
    assert post(browser(owner), csv_bytes(ROWS)).status_code == 302

    response = post(browser(owner), csv_bytes(ROWS))

    assert response.status_code == 429
    assert field_errors(response)[0].startswith("Too many uploads: try again in")
    assert ImportJob.objects.count() == 2


def test_a_declared_size_over_the_limit_is_refused_before_reading(owner, settings):
    settings.PULSE_MAX_UPLOAD_BYTES = 100

    response = post(browser(owner), csv_bytes(ROWS))

    assert response.status_code == 413
    assert "the limit is 100 bytes" in field_errors(response)[0]
    assert not ImportJob.objects.exists()


def test_the_history_shows_the_report_as_a_table_and_a_link_to_the_dashboards(owner, workspace):
    run_import(workspace, csv_bytes(ROWS), user=owner)

    html = browser(owner).get(URL).content.decode()

    report = re.search(r'<table class="import-report">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', report)
    assert cells[:7] == [
        ("Rows read", "11"),
        ("1. Exact duplicates dropped", "2"),
        ("2. Bad-debt adjustments (A…) excluded", "1"),
        ("3. Returns (C…) kept apart", "1"),
        ("4. Rejected: quantity ≤ 0", "1"),
        ("4. Rejected: unit price ≤ 0", "1"),
        ("5. Sales lines kept", "5"),
    ]
    assert ("Revenue", "214.423") in cells  # 15.30 + 20.34 + 54 + 90 + 34.783
    assert ("Format", "csv") in cells
    assert '<a class="button" href="/ecommerce/">See the dashboards</a>' in html
    assert "{&quot;" not in html  # a table, not JSON


def test_a_failed_import_lists_its_offending_rows(owner, workspace):
    rows = [BAD_ROW, ROWS[0], [*BAD_ROW[:3], "1", "13/45/2010 8:26", *BAD_ROW[5:]]]
    run_import(workspace, csv_bytes(rows))

    html = browser(owner).get(URL).content.decode()

    assert "<strong>Nothing was imported.</strong> 2 row(s) cannot be read" in html
    table = re.search(r'<table class="import-errors stack">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<td class="num" data-label="Row">(\d+)</td><td data-label="Column">(\w+)</td>', table)
    assert cells == [("2", "Quantity"), ("4", "InvoiceDate")]
    assert "See the dashboards" not in html


def test_a_running_job_shows_its_progress_and_the_endpoint_reports_rows_read(owner, viewer, workspace):
    job = ImportJob.objects.create(workspace=workspace, source_name="big.csv", status="running")
    services.progress_record(job, rows_read=32768, done=1_000_000, total=4_000_000, unit="B")

    html = browser(owner).get(URL).content.decode()
    assert f'data-progress-url="/ecommerce/imports/{job.pk}/progress"' in html
    assert browser(viewer).get(f"{URL}{job.pk}/progress").json() == {
        "id": job.pk,
        "status": "running",
        "rows_read": 32768,
        "done": 1_000_000,
        "total": 4_000_000,
        "unit": "B",
    }


def test_an_import_records_its_progress_for_the_page(owner, workspace):
    job = run_import(workspace, csv_bytes(ROWS))

    assert cache.get(f"ecommerce:import-progress:{job.pk}")["rows_read"] == 11
    assert browser(owner).get(f"{URL}{job.pk}/progress").json()["rows_read"] == 11


def test_the_dashboards_link_to_the_imports_page(owner):
    assert 'href="/ecommerce/imports/" id="imports-tab"' in browser(owner).get("/ecommerce/").content.decode()
