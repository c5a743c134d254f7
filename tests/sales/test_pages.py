"""The sales data pages: stores, records, fake data, as each role and as a visitor.

Figures come from the five records of ``sales_data`` (tests/sales/conftest.py).
"""

import datetime as dt
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.test import Client

from sales.models import SalesRecord, Store
from sales.services import local_today

pytestmark = pytest.mark.django_db

STORES, RECORDS = "/sales/stores/", "/sales/records/"


def login(client, user) -> Client:
    client.force_login(user)
    return client


def errors(response) -> list[str]:
    """The messages shown next to the fields (and above the form), in page order."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', response.content.decode())
    return [htmllib.unescape(message) for message in found]


def field_error(response, name: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{name}_error"><li>(.*?)</li>', response.content.decode())
    return htmllib.unescape(match.group(1)) if match else ""


def test_pages_need_a_login(client, stores, sales_data):
    north = stores[0]
    record = sales_data[0]
    for url in (STORES, f"/sales/stores/{north.pk}/", RECORDS, f"/sales/records/{record.pk}/", "/sales/records/upload"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")
    posts = {
        STORES: {"name": "East"},
        f"/sales/stores/{north.pk}/": {"name": "Renamed"},
        f"/sales/stores/{north.pk}/delete": {},
        RECORDS: {"date": "2026-03-04", "store": north.pk, "revenue": "1", "ad_spend": "1"},
        f"/sales/records/{record.pk}/delete": {},
        "/sales/records/generate": {"count": "5"},
    }
    for url, data in posts.items():
        assert client.post(url, {"workspace": "acme", **data}).status_code == 302
    assert sorted(Store.objects.values_list("name", flat=True)) == ["North", "South"]
    assert SalesRecord.objects.count() == 5


@pytest.mark.parametrize("role", ["owner", "admin_user", "viewer"])
def test_members_read_the_stores_with_their_record_counts(client, request, role, sales_data):
    response = login(client, request.getfixturevalue(role)).get(STORES)
    assert response.status_code == 200
    rows = re.findall(
        r"<tr>\s*<td data-label=\"Name\">(.*?)</td>\s*<td data-label=\"City\">(.*?)</td>.*?>(\d+)</a>",
        response.content.decode(),
        re.S,
    )
    assert rows == [("North", "Leeds", "3"), ("South", "Brighton", "2")]
    html = response.content.decode()
    assert ('id="store-form"' in html) is (role != "viewer")
    assert ("Rename or delete" in html) is (role != "viewer")


def test_another_workspace_sees_its_own_stores_only(client, outsider, stores):
    response = login(client, outsider).get(STORES)
    assert response.status_code == 200
    assert "North" not in response.content.decode()
    assert 'id="no-stores"' in response.content.decode()
    assert client.get(f"/sales/stores/{stores[0].pk}/").status_code == 404
    assert client.post(f"/sales/stores/{stores[0].pk}/", {"workspace": "globex", "name": "Mine"}).status_code == 404
    assert client.post(f"/sales/stores/{stores[0].pk}/delete", {"workspace": "globex"}).status_code == 404
    # A form of Acme's page posted by a member of Globex only: nothing is written anywhere.
    response = client.post(STORES, {"workspace": "acme", "name": "Intruder"})
    assert (response.status_code, response["Location"]) == (302, STORES)
    assert not Store.objects.filter(name="Intruder").exists()
    assert Store.objects.get(pk=stores[0].pk).name == "North"


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_create_a_store(client, request, role, workspace, stores):
    response = login(client, request.getfixturevalue(role)).post(
        STORES, {"workspace": "acme", "name": "  East  ", "city": "York"}
    )
    assert (response.status_code, response["Location"]) == (302, STORES)
    assert list(Store.objects.filter(workspace=workspace).values_list("name", "city")) == [
        ("East", "York"),
        ("North", "Leeds"),
        ("South", "Brighton"),
    ]


def test_viewers_cannot_write(client, viewer, stores, sales_data):
    login(client, viewer)
    north, record = stores[0], sales_data[0]
    posts = {
        STORES: {"name": "East"},
        f"/sales/stores/{north.pk}/": {"name": "Renamed"},
        f"/sales/stores/{stores[1].pk}/delete": {},
        RECORDS: {"date": "2026-03-04", "store": north.pk, "revenue": "1", "ad_spend": "1"},
        f"/sales/records/{record.pk}/": {"date": "2026-03-04", "store": north.pk, "revenue": "1", "ad_spend": "1"},
        f"/sales/records/{record.pk}/delete": {},
        "/sales/records/upload": {},
        "/sales/records/generate": {"count": "5"},
    }
    for url, data in posts.items():
        assert client.post(url, {"workspace": "acme", **data}).status_code == 403, url
    assert sorted(Store.objects.values_list("name", flat=True)) == ["North", "South"]
    assert SalesRecord.objects.count() == 5
    assert SalesRecord.objects.get(pk=record.pk).revenue == Decimal("80.00")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "   "}, "name", "This field may not be blank."),
        ({"name": "north"}, "name", "A store of this workspace already has this name."),
        ({"name": "x" * 121}, "name", "Ensure this field has no more than 120 characters."),
        ({"name": "East", "city": "y" * 121}, "city", "Ensure this field has no more than 120 characters."),
    ],
)
def test_bad_store_input_is_shown_next_to_the_field_and_writes_nothing(client, owner, stores, data, field, message):
    response = login(client, owner).post(STORES, {"workspace": "acme", **data})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, field) == message
    assert Store.objects.count() == 2


def test_a_store_is_renamed(client, admin_user, stores):
    north = stores[0]
    response = login(client, admin_user).post(
        f"/sales/stores/{north.pk}/", {"workspace": "acme", "name": "Nord", "city": "Leeds"}
    )
    assert response.status_code == 302
    assert Store.objects.values_list("name", "city").get(pk=north.pk) == ("Nord", "Leeds")
    response = client.post(f"/sales/stores/{north.pk}/", {"workspace": "acme", "name": "SOUTH", "city": ""})
    assert response.status_code == 200  # the form again, with its errors
    assert field_error(response, "name") == "A store of this workspace already has this name."
    assert Store.objects.values_list("name", "city").get(pk=north.pk) == ("Nord", "Leeds")


def test_a_store_with_records_is_kept_and_the_page_says_why(client, owner, stores, sales_data):
    north = stores[0]
    page = login(client, owner).get(f"/sales/stores/{north.pk}/")
    assert 'id="store-has-records"' in page.content.decode()
    assert "This store has 3 sales records." in page.content.decode()
    assert 'id="store-delete-form"' not in page.content.decode()
    response = client.post(f"/sales/stores/{north.pk}/delete", {"workspace": "acme"}, follow=True)
    assert response.redirect_chain == [(f"/sales/stores/{north.pk}/", 302)]
    assert "North was kept. The store has 3 sales records; delete them first." in response.content.decode()
    assert Store.objects.filter(pk=north.pk).exists()


def test_a_store_without_records_is_deleted(client, owner, stores):
    response = login(client, owner).post(f"/sales/stores/{stores[0].pk}/delete", {"workspace": "acme"})
    assert (response.status_code, response["Location"]) == (302, STORES)
    assert list(Store.objects.values_list("name", flat=True)) == ["South"]


def test_records_are_listed_newest_first_and_filtered(client, viewer, stores, sales_data):
    login(client, viewer)

    def days(query=""):
        response = client.get(RECORDS + query)
        assert response.status_code == 200
        return re.findall(r'<td data-label="Day">(.*?)</td>', response.content.decode())

    assert days() == ["2026-03-31", "2026-03-09", "2026-03-03", "2026-03-02", "2026-02-27"]
    assert days(f"?store={stores[1].pk}") == ["2026-03-31", "2026-03-09"]
    assert days("?date_from=2026-03-01&date_to=2026-03-09") == ["2026-03-09", "2026-03-03", "2026-03-02"]
    assert days(f"?store={stores[0].pk}&date_from=2026-03-03") == ["2026-03-03"]
    assert "Edit or delete" not in client.get(RECORDS).content.decode()


def test_records_filters_refuse_bad_input_without_a_500(client, owner, stores, sales_data):
    login(client, owner)
    response = client.get(RECORDS + "?date_from=2026-03-09&date_to=2026-03-01")
    assert response.status_code == 200
    assert (
        re.search(r'id="filter_date_to_error"><li>(.*?)</li>', response.content.decode()).group(1)
        == "Must be on or after date_from."
    )
    assert 'id="no-records"' in response.content.decode()
    response = client.get(RECORDS + "?date_from=notaday&store=abc")
    assert errors(response) == ["Enter a whole number.", "Enter a valid date."]
    assert client.get(RECORDS + "?store=99999999999999999999").status_code == 200


def test_records_are_paginated(client, owner, stores):
    SalesRecord.objects.bulk_create(
        SalesRecord(
            workspace=stores[0].workspace,
            store=stores[0],
            date=dt.date(2026, 1, 1) + dt.timedelta(days=n),
            revenue=n,
            ad_spend=0,
        )
        for n in range(51)
    )
    first = login(client, owner).get(RECORDS)
    assert len(re.findall(r'data-label="Day"', first.content.decode())) == 50
    assert "Page 1 of 2 · 51 records" in first.content.decode()
    second = client.get(RECORDS + f"?store={stores[0].pk}&page=2")
    assert re.findall(r'<td data-label="Day">(.*?)</td>', second.content.decode()) == ["2026-01-01"]
    assert f'href="?store={stores[0].pk}&amp;page=1"' in second.content.decode()


@pytest.mark.parametrize("role", ["owner", "admin_user"])
def test_writers_add_a_record(client, request, role, workspace, stores, viewer):
    user = request.getfixturevalue(role)
    data = {"workspace": "acme", "date": "2026-03-04", "store": stores[1].pk, "revenue": "120.50", "ad_spend": "30"}
    response = login(client, user).post(RECORDS, data)
    assert (response.status_code, response["Location"]) == (302, RECORDS)
    record = SalesRecord.objects.get()
    assert (record.workspace, record.store, record.date, record.revenue, record.ad_spend, record.recorded_by) == (
        workspace,
        stores[1],
        dt.date(2026, 3, 4),
        Decimal("120.50"),
        Decimal("30.00"),
        user,
    )
    response = client.post(RECORDS, {**data, "recorded_by": viewer.pk})
    assert SalesRecord.objects.latest("pk").recorded_by == viewer


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": ""}, "date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ({"date": "2999-01-01"}, "date", None),
        ({"store": ""}, "store", "This field may not be null."),
        ({"revenue": "-1"}, "revenue", "Ensure this value is greater than or equal to 0."),
        ({"revenue": "1.234"}, "revenue", "Ensure that there are no more than 2 decimal places."),
        ({"ad_spend": "abc"}, "ad_spend", "A valid number is required."),
        ({"recorded_by": "999999"}, "recorded_by", 'Invalid pk "999999" - object does not exist.'),
    ],
)
def test_bad_record_input_is_shown_next_to_the_field_and_writes_nothing(client, owner, stores, data, field, message):
    valid = {"workspace": "acme", "date": "2026-03-04", "store": stores[0].pk, "revenue": "1", "ad_spend": "1"}
    response = login(client, owner).post(RECORDS, {**valid, **data})
    assert response.status_code == 200  # the form again, with its errors
    shown = field_error(response, field)
    assert shown == (
        message or f"Must be between 1970-01-01 and today ({local_today(owner.memberships.get().workspace)})."
    )
    assert not SalesRecord.objects.exists()


def test_a_record_of_another_workspace_is_not_found_and_its_store_cannot_be_used(client, owner, outsider, sales_data):
    from tests.sales.factories import StoreFactory

    theirs = StoreFactory(workspace=outsider.memberships.get().workspace, name="Theirs")
    login(client, outsider)
    assert client.get(f"/sales/records/{sales_data[0].pk}/").status_code == 404
    assert client.post(f"/sales/records/{sales_data[0].pk}/delete", {"workspace": "globex"}).status_code == 404
    login(client, owner)
    data = {"workspace": "acme", "date": "2026-03-04", "store": theirs.pk, "revenue": "1", "ad_spend": "1"}
    response = client.post(RECORDS, data)
    assert field_error(response, "store") == f'Invalid pk "{theirs.pk}" - object does not exist.'
    assert SalesRecord.objects.count() == 5


def test_a_record_is_edited_and_deleted(client, admin_user, stores, sales_data):
    record = sales_data[0]
    login(client, admin_user)
    page = client.get(f"/sales/records/{record.pk}/")
    assert 'value="2026-02-27"' in page.content.decode()
    data = {"workspace": "acme", "date": "2026-02-28", "store": stores[1].pk, "revenue": "81.00", "ad_spend": "20.00"}
    assert client.post(f"/sales/records/{record.pk}/", data).status_code == 302
    record.refresh_from_db()
    assert (record.date, record.store, record.revenue) == (dt.date(2026, 2, 28), stores[1], Decimal("81.00"))
    response = client.post(f"/sales/records/{record.pk}/", {**data, "revenue": "-5"})
    assert field_error(response, "revenue") == "Ensure this value is greater than or equal to 0."
    record.refresh_from_db()
    assert record.revenue == Decimal("81.00")
    assert client.post(f"/sales/records/{record.pk}/delete", {"workspace": "acme"}).status_code == 302
    assert SalesRecord.objects.count() == 4
    assert not SalesRecord.objects.filter(pk=record.pk).exists()


def test_fake_records_come_from_the_generator_within_its_bounds(client, owner, workspace):
    login(client, owner)
    response = client.post("/sales/records/generate", {"workspace": "acme", "count": "25"}, follow=True)
    assert response.redirect_chain == [(RECORDS, 302)]
    assert SalesRecord.objects.filter(workspace=workspace).count() == 25
    assert Store.objects.filter(workspace=workspace).count() == 3
    assert "25 fake records were added over 3 stores" in response.content.decode()
    for count, message in (
        ("0", "Ensure this value is greater than or equal to 1."),
        ("10001", "Ensure this value is less than or equal to 10000."),
        ("many", "A valid integer is required."),
    ):
        response = client.post("/sales/records/generate", {"workspace": "acme", "count": count})
        assert response.status_code == 200  # the form again, with its errors
        assert field_error(response, "count") == message
    assert SalesRecord.objects.count() == 25


def test_forms_carry_a_csrf_token_and_labels(owner, stores):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    html = client.get(RECORDS).content.decode()
    # The workspace switcher, log out, add a record, generate fake records.
    assert html.count('name="csrfmiddlewaretoken"') == 4
    for name in ("date", "store", "revenue", "ad_spend", "recorded_by", "count"):
        assert f'<label for="id_{name}">' in html
    assert client.post(STORES, {"workspace": "acme", "name": "East"}).status_code == 403
    assert Store.objects.count() == 2


@pytest.mark.parametrize(("role", "upload_link"), [("owner", True), ("viewer", False)])
def test_the_dashboard_links_to_the_data_pages(client, request, role, upload_link, stores):
    content = login(client, request.getfixturevalue(role)).get("/sales/").content.decode()
    links = re.search(r'<p class="muted" id="sales-data-links">(.*?)</p>', content, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', links) == [
        STORES,
        RECORDS,
        *(["/sales/records/upload"] if upload_link else []),
    ]


def test_ids_beyond_the_databases_range_are_not_found_never_a_500(client, owner, stores):
    big = "9" * 30
    login(client, owner)
    for url in (f"/sales/stores/{big}/", f"/sales/records/{big}/"):
        assert client.get(url).status_code == 404
    for url in (f"/sales/stores/{big}/delete", f"/sales/records/{big}/delete"):
        assert client.post(url, {"workspace": "acme"}).status_code == 404
    data = {"workspace": "acme", "store": big, "date": "2026-01-01", "revenue": "1", "ad_spend": "1"}
    assert field_error(client.post(RECORDS, data), "store") == f'Invalid pk "{big}" - object does not exist.'
    assert client.get(f"{RECORDS}?page={big}").status_code == 200
    assert not SalesRecord.objects.exists()
