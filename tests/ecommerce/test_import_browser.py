"""The imports page in headless Chromium: pick a small CSV, upload it, watch the job wait and
then finish (run here as a worker would), and see its report and the link to the dashboards."""

import re

import pytest

from ecommerce import services
from ecommerce.models import ImportJob
from tests.ecommerce.import_helpers import csv_bytes
from tests.ecommerce.test_import_pipeline import ROWS

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _worker_elsewhere(monkeypatch, settings, tmp_path):
    """Uploads are sent to no one: the test plays the worker, so the page sees the job wait."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "enqueue", lambda task, *args, **kwargs: None)


@pytest.mark.usefixtures("_worker_elsewhere")
def test_upload_watch_the_progress_and_read_the_report(browser_page, owner, workspace):
    page = browser_page(owner)
    page.goto("/ecommerce/")
    page.click("#imports-tab")
    page.wait_for_selector("#upload-form")
    assert page.inner_text("#upload-limit") == "100.0\xa0MB"
    page.pulse_screenshot("imports-1-empty")

    page.set_input_files("#id_file", files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": csv_bytes(ROWS)}])
    assert page.inner_text("#dropzone-hint") == "Ready to upload: orders.csv."
    page.click("#upload-button")
    page.wait_for_selector(".import-progress")
    assert "orders.csv is uploaded: its import waits for a worker." in page.inner_text(".messages")
    assert page.inner_text(".import-progress") == "Pending: 0 rows read so far."
    page.pulse_screenshot("imports-2-pending")

    services.import_job_run(job=ImportJob.objects.get())  # the worker; the page polls, then reloads

    page.wait_for_selector("table.import-report", timeout=20_000)
    report = page.inner_text("table.import-report")
    assert re.search(r"Rows read\s+11", report)
    assert re.search(r"5\. Sales lines kept\s+5", report)
    assert page.inner_text(".job-status") == "Succeeded"
    page.pulse_screenshot("imports-3-done")
    page.click("text=See the dashboards")
    page.wait_for_url("**/ecommerce/")


def test_a_dropped_bad_file_shows_its_error_next_to_the_field(browser_page, owner, workspace):
    page = browser_page(owner)
    page.goto("/ecommerce/imports/")

    # Dropped onto the zone rather than picked: the script puts it in the file field.
    dropped = page.evaluate_handle(
        "() => { const data = new DataTransfer();"
        " data.items.add(new File(['a,b\\n1,2\\n'], 'notes.csv', {type: 'text/csv'})); return data; }"
    )
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dropped})
    assert page.inner_text("#dropzone-hint") == "Ready to upload: notes.csv."
    page.click("#upload-button")

    error = page.wait_for_selector("#dropzone .errorlist")
    assert error.inner_text().startswith("The header does not match the expected columns")
    assert not ImportJob.objects.exists()
    page.pulse_screenshot("imports-4-field-error")


def test_a_viewer_follows_the_history_without_an_upload_control(browser_page, viewer, workspace):
    services.import_job_run(job=ImportJob.objects.create(workspace=workspace, source_name="x.csv"), file=None)
    page = browser_page(viewer)
    page.goto("/ecommerce/imports/")

    assert page.is_visible("#read-only-notice")
    assert not page.query_selector("#upload-form")
    page.pulse_screenshot("imports-5-viewer")
