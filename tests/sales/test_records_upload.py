"""Uploading a CSV file of sales records: the API endpoint and the page, all or nothing."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sales import records_csv
from sales.models import SalesRecord

pytestmark = pytest.mark.django_db

URL = "/api/v1/sales/records/upload"
PAGE = "/sales/records/upload"
GOOD = (
    "date,store,revenue,ad_spend,recorded_by\n"
    "2026-03-01,north,100.00,25.00,viewer@acme.test\n"
    "2026-03-02,SOUTH,50.5,0,\n"
    "2026-03-03,North,0.99,1.00,Admin@Acme.test\n"
)


def csv_file(text: str | bytes, name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def upload(client, text, **extra):
    return client.post(URL, {"file": csv_file(text)}, format="multipart", **extra)


def stored() -> list[tuple]:
    return list(
        SalesRecord.objects.order_by("date").values_list(
            "date", "store__name", "revenue", "ad_spend", "recorded_by__email"
        )
    )


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_upload_records(api_as, request, role, stores, viewer):
    user = request.getfixturevalue(role)
    admin = request.getfixturevalue("admin_user")
    response = upload(api_as(user), GOOD)
    assert (response.status_code, response.json()) == (201, {"created": 3})
    assert stored() == [
        (dt.date(2026, 3, 1), "North", Decimal("100.00"), Decimal("25.00"), "viewer@acme.test"),
        (dt.date(2026, 3, 2), "South", Decimal("50.50"), Decimal("0.00"), user.email),
        (dt.date(2026, 3, 3), "North", Decimal("0.99"), Decimal("1.00"), admin.email),
    ]


def test_one_bad_row_refuses_the_whole_file_with_errors_by_row(api_as, owner, stores):
    text = (
        "date,store,revenue,ad_spend,recorded_by\n"
        "2026-03-01,North,100.00,25.00,\n"
        "2026-03-02,North,-1,0,\n"
        "2026-03-03,East,1,1,nobody@acme.test\n"
        "03/04/2026,South,1,1.234,\n"
    )
    response = upload(api_as(owner), text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == {
        "file.3.revenue": ["Ensure this value is greater than or equal to 0."],
        "file.4.store": ["No store of this workspace is named 'East'."],
        "file.4.recorded_by": ["'nobody@acme.test' is not a member of this workspace."],
        "file.5.date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "file.5.ad_spend": ["Ensure that there are no more than 2 decimal places."],
    }
    assert not SalesRecord.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "date,store,revenue\n2026-03-01,North,1\n",
            "The header lacks ad_spend: it must read date,store,revenue,ad_spend,recorded_by.",
        ),
        ("date,store,revenue,ad_spend\n", "The file has a header but no records."),
        ("", "The submitted file is empty."),
        (
            "\n",
            "The header lacks date, store, revenue, ad_spend: it must read date,store,revenue,ad_spend,recorded_by.",
        ),
        (b"date,store,revenue,ad_spend\n2026-03-01,Caf\xe9,1,1\n", "The file is not UTF-8 text: save it as CSV UTF-8."),
        (b"date,store,revenue,ad_spend\n2026-03-01,\x00North,1,1\n", None),
    ],
)
def test_files_that_are_not_a_records_csv_are_refused(api_as, owner, stores, content, message):
    response = upload(api_as(owner), content)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    if message:
        assert fields == {"file": [message]}
    assert not SalesRecord.objects.exists()


def test_limits_of_size_and_rows(api_as, owner, stores, monkeypatch):
    monkeypatch.setattr(records_csv, "MAX_ROWS", 2)
    response = upload(api_as(owner), GOOD)
    assert response.json()["error"]["fields"] == {"file": ["The file has more than 2 records: split it."]}
    monkeypatch.setattr(records_csv, "MAX_BYTES", 10)
    response = upload(api_as(owner), GOOD)
    assert response.json()["error"]["fields"] == {"file": [f"The file is {len(GOOD):,} bytes; the limit is 10 bytes."]}
    response = api_as(owner).post(URL, {}, format="multipart")
    assert response.json()["error"]["fields"] == {"file": ["No file was submitted."]}
    assert not SalesRecord.objects.exists()


def test_upload_access(api_as, anon_api, viewer, outsider, stores):
    assert upload(api_as(viewer), GOOD).status_code == 403
    assert upload(api_as(outsider), GOOD).status_code == 404  # X-Workspace: acme, not theirs
    assert upload(api_as(outsider, outsider.memberships.get().workspace), GOOD).status_code == 400  # no North there
    assert upload(anon_api, GOOD).status_code == 401
    assert not SalesRecord.objects.exists()


def test_the_upload_is_in_the_schema(api_as, owner):
    schema = api_as(owner).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/sales/records/upload"]["post"]
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    assert "201" in operation["responses"]


def test_the_template_names_a_store_of_the_workspace(client, viewer, stores):
    client.force_login(viewer)
    response = client.get("/sales/records/template.csv")
    assert response["Content-Disposition"] == 'attachment; filename="sales-records-template.csv"'
    assert response.content.decode() == "date,store,revenue,ad_spend,recorded_by\n2026-01-31,North,1250.00,310.50,\n"


def test_the_page_uploads_all_or_nothing(client, owner, admin_user, viewer, stores):
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">CSV file:</label>' in page
    bad = GOOD + "2026-03-04,Nowhere,1,1,\n"
    response = client.post(PAGE, {"workspace": "acme", "file": csv_file(bad)})
    assert response.status_code == 200  # the form again, with its errors
    content = response.content.decode()
    assert (
        '<ul class="errorlist" id="id_file_error"><li>1 line has errors, listed below: nothing was stored.</li></ul>'
        in content
    )
    rows = re.findall(
        r'data-label="Line">(\d+)</td><td data-label="Field">(.*?)</td><td data-label="Problem">(.*?)</td>',
        content,
    )
    assert [(n, f, html.unescape(p)) for n, f, p in rows] == [
        ("5", "store", "No store of this workspace is named 'Nowhere'.")
    ]
    assert not SalesRecord.objects.exists()
    response = client.post(PAGE, {"workspace": "acme"})
    assert '<ul class="errorlist" id="id_file_error"><li>No file was submitted.</li></ul>' in response.content.decode()
    response = client.post(PAGE, {"workspace": "acme", "file": csv_file(GOOD)}, follow=True)
    assert response.redirect_chain == [("/sales/records/", 302)]
    assert "3 records were added." in response.content.decode()
    assert SalesRecord.objects.count() == 3


def test_the_page_as_each_other_role(client, admin_user, viewer, outsider, stores):
    for user, get_status, post_status in ((admin_user, 200, 302), (viewer, 403, 403), (outsider, 200, 302)):
        client.force_login(user)
        assert client.get(PAGE).status_code == get_status
        assert client.post(PAGE, {"workspace": "acme", "file": csv_file(GOOD)}).status_code == post_status
    # The admin's upload only: the viewer was refused, the outsider's form named another workspace.
    assert SalesRecord.objects.count() == 3
    client.logout()
    response = client.post(PAGE, {"workspace": "acme", "file": csv_file(GOOD)})
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={PAGE}")
    assert SalesRecord.objects.count() == 3


def test_the_page_needs_a_csrf_token(owner, stores):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(PAGE, {"workspace": "acme", "file": csv_file(GOOD)}).status_code == 403
    assert not SalesRecord.objects.exists()


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(api_as, owner, stores):
    declared = records_csv.MAX_BYTES + records_csv.FORM_OVERHEAD + 1
    response = api_as(owner).post(URL, {"file": csv_file(GOOD)}, format="multipart", CONTENT_LENGTH=str(declared))
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "payload_too_large",
        "message": f"The upload is {declared:,} bytes; a records file may have {records_csv.MAX_BYTES:,}.",
        "fields": {},
    }
    assert not SalesRecord.objects.exists()


def test_the_queries_of_an_upload_do_not_grow_with_its_rows(api_as, owner, admin_user, viewer, stores):
    client = api_as(owner)
    counts = []
    for copies in (1, 20):
        text = GOOD.split("\n", 1)[0] + "\n" + GOOD.split("\n", 1)[1] * copies
        with CaptureQueriesContext(connection) as queries:
            assert upload(client, text).status_code == 201
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert SalesRecord.objects.count() == 3 * 21
