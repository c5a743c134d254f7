"""Stores and records CRUD, fake data, access by role, bad input, caches, CSV, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from sales.models import InsightReport, SalesRecord, Store
from tests.factories import PASSWORD
from tests.sales.factories import SalesRecordFactory, StoreFactory

pytestmark = pytest.mark.django_db

READ_ENDPOINTS = [
    "/api/v1/sales/stores/",
    "/api/v1/sales/records/",
    "/api/v1/sales/summary",
    "/api/v1/sales/series",
    "/api/v1/sales/top-users",
    "/api/v1/sales/by-store",
    "/api/v1/sales/insights",
    "/api/v1/sales/quality",
]


def record_payload(store, **overrides) -> dict:
    return {"store": store.pk, "date": "2026-03-02", "revenue": "120.50", "ad_spend": "30.00", **overrides}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", READ_ENDPOINTS)
def test_members_read_outsiders_get_404_anonymous_401(path, api_as, anon_api, owner, viewer, outsider, sales_data):
    InsightReport.objects.create(workspace=owner.workspaces.get(), generated_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    from sales.quality import quality_check_run

    quality_check_run(workspace_id=owner.workspaces.get().pk)
    assert api_as(owner).get(path).status_code == 200
    assert api_as(viewer).get(path).status_code == 200
    assert_error(api_as(outsider).get(path), 404, "not_found")  # asks for workspace acme: not a member
    assert_error(anon_api.get(path), 401)


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/sales/stores/", {"name": "West"}),
        ("/api/v1/sales/records/", None),
        ("/api/v1/sales/records/generate-fake?count=3", None),
        ("/api/v1/sales/insights", None),
        ("/api/v1/sales/quality", None),
    ],
)
def test_viewer_cannot_write_outsider_404_anonymous_401(path, payload, api_as, anon_api, viewer, outsider, stores):
    payload = payload or record_payload(stores[0])
    before = (Store.objects.count(), SalesRecord.objects.count(), InsightReport.objects.count())
    assert_error(api_as(viewer).post(path, payload, format="json"), 403, "permission_denied")
    assert_error(api_as(outsider).post(path, payload, format="json"), 404)
    assert_error(anon_api.post(path, payload, format="json"), 401)
    assert (Store.objects.count(), SalesRecord.objects.count(), InsightReport.objects.count()) == before


def test_admin_writes(api_as, admin_user, stores):
    response = api_as(admin_user).post("/api/v1/sales/records/", record_payload(stores[0]), format="json")
    assert response.status_code == 201
    assert response.json()["recorded_by"] == admin_user.pk


def test_outsider_in_their_own_workspace_never_sees_ours(api_as, owner, outsider, other_workspace, sales_data):
    ours = api_as(owner)
    # Warm every cache of workspace acme first.
    for path in READ_ENDPOINTS[2:6]:
        assert ours.get(path).status_code == 200
    ours.post("/api/v1/sales/insights")
    theirs = api_as(outsider, other_workspace)
    summary = theirs.get("/api/v1/sales/summary").json()
    assert (summary["total_revenue"], summary["records"], summary["stores"]) == ("0.00", 0, 0)
    assert theirs.get("/api/v1/sales/series").json()["buckets"] == []
    assert theirs.get("/api/v1/sales/top-users").json() == []
    assert theirs.get("/api/v1/sales/by-store").json()["results"] == []
    assert theirs.get("/api/v1/sales/stores/").json()["results"] == []
    assert theirs.get("/api/v1/sales/records/").json()["results"] == []
    assert_error(theirs.get("/api/v1/sales/insights"), 404)
    assert_error(theirs.get(f"/api/v1/sales/stores/{sales_data[0].store_id}/"), 404)
    assert_error(theirs.get(f"/api/v1/sales/records/{sales_data[0].pk}/"), 404)
    assert_error(theirs.delete(f"/api/v1/sales/records/{sales_data[0].pk}/"), 404)
    assert SalesRecord.objects.filter(pk=sales_data[0].pk).exists()


# --- stores ------------------------------------------------------------------------------


def test_store_crud(api_as, owner):
    client = api_as(owner)
    created = client.post("/api/v1/sales/stores/", {"name": " West ", "city": "Bath"}, format="json")
    assert created.status_code == 201
    store = created.json()
    assert (store["name"], store["city"]) == ("West", "Bath")
    assert client.get("/api/v1/sales/stores/").json()["results"] == [store]
    renamed = client.patch(f"/api/v1/sales/stores/{store['id']}/", {"name": "Westgate"}, format="json")
    assert renamed.json()["name"] == "Westgate"
    assert client.delete(f"/api/v1/sales/stores/{store['id']}/").status_code == 204
    assert not Store.objects.exists()


def test_store_names_are_unique_per_workspace_whatever_the_case(api_as, owner, outsider, other_workspace, stores):
    assert_error(api_as(owner).post("/api/v1/sales/stores/", {"name": "nORTH"}, format="json"), 400)
    # Another workspace may use the name.
    assert api_as(outsider, other_workspace).post("/api/v1/sales/stores/", {"name": "North"}).status_code == 201


def test_a_store_with_records_cannot_be_deleted(api_as, owner, sales_data):
    error = assert_error(api_as(owner).delete(f"/api/v1/sales/stores/{sales_data[0].store_id}/"), 409, "conflict")
    assert "3 sales records" in error["message"]


# --- records -----------------------------------------------------------------------------


def test_record_create_read_update_delete(api_as, owner, stores):
    client = api_as(owner)
    created = client.post("/api/v1/sales/records/", record_payload(stores[0]), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    record_id = body.pop("id")
    body.pop("created_at")
    assert body == {
        "date": "2026-03-02",
        "store": stores[0].pk,
        "store_name": "North",
        "revenue": "120.50",
        "ad_spend": "30.00",
        "roas": 4.0167,
        "recorded_by": owner.pk,
        "recorded_by_email": "owner@acme.test",
    }
    updated = client.patch(f"/api/v1/sales/records/{record_id}/", {"ad_spend": "0", "store": stores[1].pk})
    assert updated.status_code == 200
    assert (updated.json()["ad_spend"], updated.json()["roas"], updated.json()["store_name"]) == ("0.00", None, "South")
    assert client.delete(f"/api/v1/sales/records/{record_id}/").status_code == 204
    assert not SalesRecord.objects.exists()


def test_record_credited_to_another_member(api_as, owner, viewer, stores):
    response = api_as(owner).post("/api/v1/sales/records/", record_payload(stores[0], recorded_by=viewer.pk))
    assert response.json()["recorded_by_email"] == "viewer@acme.test"


def test_bulk_create_is_all_or_nothing(api_as, owner, stores):
    client = api_as(owner)
    rows = [record_payload(stores[0]), record_payload(stores[1], revenue="10.00")]
    created = client.post("/api/v1/sales/records/", rows, format="json")
    assert created.status_code == 201
    assert [row["store_name"] for row in created.json()] == ["North", "South"]
    bad = client.post("/api/v1/sales/records/", [*rows, record_payload(stores[0], revenue="-1")], format="json")
    error = assert_error(bad, 400, "invalid")
    assert error["fields"] == {"2.revenue": ["Ensure this value is greater than or equal to 0."]}
    assert SalesRecord.objects.count() == 2


def test_records_filter_by_store_and_date_range_and_paginate(api_as, owner, sales_data, stores):
    client = api_as(owner)
    everything = client.get("/api/v1/sales/records/").json()
    assert everything["count"] == 5
    assert [row["date"] for row in everything["results"]] == [
        "2026-03-31",
        "2026-03-09",
        "2026-03-03",
        "2026-03-02",
        "2026-02-27",
    ]
    north = client.get("/api/v1/sales/records/", {"store": stores[0].pk}).json()
    assert north["count"] == 3
    march = client.get("/api/v1/sales/records/", {"date_from": "2026-03-02", "date_to": "2026-03-09"}).json()
    assert [row["date"] for row in march["results"]] == ["2026-03-09", "2026-03-03", "2026-03-02"]
    page = client.get("/api/v1/sales/records/", {"page_size": 2, "page": 3}).json()
    assert (page["count"], len(page["results"]), page["next"]) == (5, 1, None)
    assert_error(client.get("/api/v1/sales/records/", {"store": 10**30}), 400)


# --- fake data ---------------------------------------------------------------------------


def test_generate_fake_creates_stores_and_spreads_over_members(api_as, owner, admin_user, viewer, workspace):
    response = api_as(owner).post("/api/v1/sales/records/generate-fake?count=300&seed=7")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["stores"]) == (300, 3)
    records = SalesRecord.objects.filter(workspace=workspace)
    assert records.count() == 300
    assert set(records.values_list("recorded_by", flat=True)) == {owner.pk, admin_user.pk, viewer.pk}
    assert Store.objects.filter(workspace=workspace).count() == 3
    assert all(record.revenue >= 0 and record.ad_spend > 0 for record in records)
    total = sum(record.revenue for record in records)
    assert body["total_revenue"] == f"{total:.2f}"
    # ROAS spread: most days profitable, a few not.
    ratios = [record.revenue / record.ad_spend for record in records]
    assert 0.02 < sum(ratio < 1 for ratio in ratios) / 300 < 0.2
    assert 1.8 < float(sorted(ratios)[150]) < 3.5
    # The default is 50.
    assert api_as(owner).post("/api/v1/sales/records/generate-fake").json()["created"] == 50
    assert Store.objects.filter(workspace=workspace).count() == 3  # existing stores are reused


@pytest.mark.parametrize("count", ["0", "-1", "10001", str(10**7), "abc", "1.5"])
def test_generate_fake_refuses_counts_out_of_range(count, api_as, owner):
    error = assert_error(api_as(owner).post(f"/api/v1/sales/records/generate-fake?count={count}"), 400, "invalid")
    assert "count" in error["fields"]
    assert not SalesRecord.objects.exists()
    assert not Store.objects.exists()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenue": "-0.01"}, "revenue"),
        ({"ad_spend": "-5"}, "ad_spend"),
        ({"revenue": "abc"}, "revenue"),
        ({"revenue": "NaN"}, "revenue"),
        ({"revenue": "Infinity"}, "revenue"),
        ({"revenue": "1.234"}, "revenue"),
        ({"revenue": "12345678901.00"}, "revenue"),
        ({"revenue": None}, "revenue"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": "1969-12-31"}, "date"),
        ({"store": "x"}, "store"),
        ({"store": 10**30}, "store"),
        ({"recorded_by": 10**9}, "recorded_by"),
    ],
)
def test_bad_record_input_is_400_and_writes_nothing(overrides, field, api_as, owner, stores):
    response = api_as(owner).post("/api/v1/sales/records/", {**record_payload(stores[0]), **overrides}, format="json")
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"]
    assert not SalesRecord.objects.exists()


def test_a_store_of_another_workspace_is_refused_like_a_missing_one(api_as, owner, other_workspace, stores):
    foreign = StoreFactory(workspace=other_workspace, name="Theirs")
    client = api_as(owner)
    error = assert_error(client.post("/api/v1/sales/records/", record_payload(foreign), format="json"), 400)
    missing = assert_error(
        client.post("/api/v1/sales/records/", {**record_payload(foreign), "store": foreign.pk + 1000}, format="json"),
        400,
    )
    assert error["fields"]["store"] == [f'Invalid pk "{foreign.pk}" - object does not exist.']
    assert missing["fields"]["store"] == [f'Invalid pk "{foreign.pk + 1000}" - object does not exist.']
    record = SalesRecordFactory(store=stores[0])
    moved = client.patch(f"/api/v1/sales/records/{record.pk}/", {"store": foreign.pk}, format="json")
    assert_error(moved, 400)
    record.refresh_from_db()
    assert record.store_id == stores[0].pk
    assert SalesRecord.objects.count() == 1


def test_a_member_of_another_workspace_cannot_be_credited(api_as, owner, outsider, stores):
    response = api_as(owner).post("/api/v1/sales/records/", record_payload(stores[0], recorded_by=outsider.pk))
    assert "recorded_by" in assert_error(response, 400)["fields"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/sales/summary", {"date_from": "2026-13-01"}, "date_from"),
        ("/api/v1/sales/summary", {"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ("/api/v1/sales/summary", {"compare": "decade"}, "compare"),
        ("/api/v1/sales/series", {"interval": "hour"}, "interval"),
        ("/api/v1/sales/series", {"date_to": "31/03/2026"}, "date_to"),
        ("/api/v1/sales/series", {"date_from": "1900-01-01"}, "date_from"),
        ("/api/v1/sales/top-users", {"limit": "0"}, "limit"),
        ("/api/v1/sales/top-users", {"limit": "1000"}, "limit"),
        ("/api/v1/sales/top-users", {"limit": "many"}, "limit"),
        ("/api/v1/sales/records/", {"date_from": "not-a-date"}, "date_from"),
        ("/api/v1/sales/records/", {"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
        ("/api/v1/sales/records/", {"store": "north"}, "store"),
    ],
)
def test_bad_query_parameters_are_400(path, params, field, api_as, owner, sales_data):
    error = assert_error(api_as(owner).get(path, params), 400, "invalid")
    assert field in error["fields"]


def test_series_by_day_over_too_many_days_is_refused(api_as, owner):
    response = api_as(owner).get("/api/v1/sales/series", {"date_from": "1970-01-01", "date_to": "2100-01-01"})
    assert "interval" in assert_error(response, 400)["fields"]


def test_malformed_json_is_400(api_as, owner):
    response = api_as(owner).post("/api/v1/sales/records/", "{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_unknown_record_is_404(api_as, owner):
    assert_error(api_as(owner).get("/api/v1/sales/records/abc/"), 404)
    assert_error(api_as(owner).get(f"/api/v1/sales/records/{10**30}/"), 404)


# --- caches ------------------------------------------------------------------------------


def test_every_write_invalidates_the_cached_analytics(api_as, owner, stores, django_capture_on_commit_callbacks):
    client = api_as(owner)
    assert client.get("/api/v1/sales/summary").json()["records"] == 0
    assert client.get("/api/v1/sales/top-users").json() == []
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/sales/records/", record_payload(stores[0]), format="json").json()
    assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "120.50"
    assert client.get("/api/v1/sales/top-users").json()[0]["total_revenue"] == "120.50"
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/v1/sales/records/{created['id']}/", {"revenue": "99.00"}, format="json")
    assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "99.00"
    assert client.get("/api/v1/sales/by-store").json()["results"][0]["total_revenue"] == "99.00"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/sales/records/generate-fake?count=10&seed=3")
    assert client.get("/api/v1/sales/summary").json()["records"] == 11
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/v1/sales/stores/{stores[0].pk}/", {"name": "Northgate"}, format="json")
    assert client.get("/api/v1/sales/by-store").json()["results"][-1]["name"] in {"Northgate", "South"}
    names = {row["name"] for row in client.get("/api/v1/sales/by-store").json()["results"]}
    assert "Northgate" in names
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"/api/v1/sales/records/{created['id']}/")
    assert client.get("/api/v1/sales/summary").json()["records"] == 10


def test_writes_outside_the_api_invalidate_the_cached_analytics(
    api_as, owner, viewer, staff_user, sales_data, django_capture_on_commit_callbacks
):
    """The admin and a cascade write without the API's services: the signals bump the version."""
    client = api_as(owner)
    staff = Client()
    staff.force_login(staff_user)
    record = sales_data[1]  # 100.00 of 480.00, North, by the owner
    assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "480.00"
    with django_capture_on_commit_callbacks(execute=True):
        changed = staff.post(
            f"/admin/sales/salesrecord/{record.pk}/change/",
            {
                "workspace": record.workspace_id,
                "store": record.store_id,
                "date": "2026-03-02",
                "revenue": "500.00",
                "ad_spend": "40.00",
                "recorded_by": owner.pk,
            },
        )
    assert changed.status_code == 302
    assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "880.00"
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/admin/sales/salesrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 302
    assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "380.00"
    # The viewer sold 80.00; deleting their account credits that to nobody.
    assert [row["email"] for row in client.get("/api/v1/sales/top-users").json()] == [
        "admin@acme.test",
        "viewer@acme.test",
        "owner@acme.test",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        viewer.delete()
    assert [row["email"] for row in client.get("/api/v1/sales/top-users").json()] == [
        "admin@acme.test",
        "owner@acme.test",
    ]


def test_deleting_a_workspace_deletes_its_records_without_loading_them(workspace, sales_data):
    """No delete receiver on records, CASCADE from their store: the cascade deletes them by
    statement (by store, by workspace), never SELECTs every record first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        workspace.delete()
    on_records = [q["sql"] for q in queries.captured_queries if "sales_salesrecord" in q["sql"]]
    assert {sql.split()[0] for sql in on_records} == {"DELETE"}
    assert not SalesRecord.objects.exists()
    assert not Store.objects.exists()


def test_the_admin_keeps_a_store_with_records(staff_user, stores, sales_data):
    staff = Client()
    staff.force_login(staff_user)
    north = stores[0]
    assert staff.get(f"/admin/sales/store/{north.pk}/delete/").status_code == 403
    assert staff.post(f"/admin/sales/store/{north.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SalesRecord.objects.filter(store=north).count() == 3
    empty = StoreFactory(workspace=north.workspace, name="Empty")
    assert staff.post(f"/admin/sales/store/{empty.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Store.objects.filter(pk=empty.pk).exists()


def test_deleting_the_latest_report_serves_the_one_before(
    api_as, owner, staff_user, sales_data, django_capture_on_commit_callbacks
):
    client = api_as(owner)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/sales/insights").json()
        second = client.post("/api/v1/sales/insights").json()
    assert client.get("/api/v1/sales/insights").json()["id"] == second["id"]
    staff = Client()
    staff.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"/admin/sales/insightreport/{second['id']}/delete/", {"post": "yes"}).status_code == 302
    assert client.get("/api/v1/sales/insights").json()["id"] == first["id"]


def test_the_admin_refuses_a_record_whose_store_is_another_workspaces(staff_user, sales_data, other_workspace, owner):
    theirs = StoreFactory(workspace=other_workspace, name="Elsewhere")
    record = sales_data[1]
    staff = Client()
    staff.force_login(staff_user)
    page = staff.post(
        f"/admin/sales/salesrecord/{record.pk}/change/",
        {
            "workspace": record.workspace_id,
            "store": theirs.pk,
            "date": "2026-03-02",
            "revenue": "100.00",
            "ad_spend": "40.00",
            "recorded_by": owner.pk,
        },
    )
    assert page.status_code == 200  # the form again, with the error
    assert "This store belongs to another workspace than the record&#x27;s." in page.content.decode()
    record.refresh_from_db()
    assert record.store_id == sales_data[1].store_id


def test_analytics_say_when_they_were_computed(api_as, owner, sales_data):
    client = api_as(owner)
    summary = client.get("/api/v1/sales/summary")
    series = client.get("/api/v1/sales/series")
    top = client.get("/api/v1/sales/top-users")
    by_store = client.get("/api/v1/sales/by-store")
    as_of = dt.datetime.fromisoformat(summary.json()["data_as_of"])
    assert dt.datetime.now(tz=dt.UTC) - as_of < dt.timedelta(minutes=1)
    # Cached: the same moment again, for the object bodies and the lists' header alike.
    assert client.get("/api/v1/sales/summary").json()["data_as_of"] == summary.json()["data_as_of"]
    assert dt.datetime.fromisoformat(series.json()["data_as_of"]) <= dt.datetime.now(tz=dt.UTC)
    assert isinstance(top.json(), list)
    assert isinstance(by_store.json()["results"], list)
    for listed in (top, by_store):
        assert dt.datetime.fromisoformat(listed["X-Data-As-Of"]) <= dt.datetime.now(tz=dt.UTC)


def test_cached_results_are_served_without_queries(api_as, owner, sales_data, django_assert_num_queries):
    client = api_as(owner)
    client.get("/api/v1/sales/summary")
    # 1 user (JWT) with their membership; the figures come from the cache. (Analytics are
    # read-only and run outside ATOMIC_REQUESTS: no savepoint.)
    with django_assert_num_queries(1):
        assert client.get("/api/v1/sales/summary").json()["total_revenue"] == "480.00"


# --- query counts ------------------------------------------------------------------------


def test_query_counts_are_pinned(api_as, owner, sales_data, django_assert_num_queries):
    client = api_as(owner)
    # Each analytics request: 1 user (JWT) with their membership (read-only: no transaction),
    # then 1 statement: the totals (the previous period of the whole history is before the first
    # record, so it is known to be empty).
    with django_assert_num_queries(2):
        assert client.get("/api/v1/sales/summary").json()["previous"]["records"] == 0
    # 1 statement: the period and the previous one, with conditional aggregates.
    with django_assert_num_queries(2):
        body = client.get("/api/v1/sales/summary", {"date_from": "2026-03-01", "date_to": "2026-03-31"}).json()
    assert (body["records"], body["previous"]["records"]) == (4, 1)
    # Comparing the whole history with a year before: totals, then the year-back totals.
    with django_assert_num_queries(3):
        client.get("/api/v1/sales/summary", {"compare": "year"})
    # 1 grouped aggregate.
    with django_assert_num_queries(2):
        client.get("/api/v1/sales/series", {"interval": "week"})
    with django_assert_num_queries(2):
        client.get("/api/v1/sales/top-users")
    # The records list runs in ATOMIC_REQUESTS' transaction: SAVEPOINT + RELEASE in the test's
    # transaction, 1 user with their membership,
    # 1 count, 1 page joined with stores and users: no query per row.
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/sales/records/").json()["results"]) == 5
    SalesRecordFactory.create_batch(20, store=sales_data[0].store, recorded_by=owner)
    with django_assert_num_queries(5):
        assert len(client.get("/api/v1/sales/records/").json()["results"]) == 25


# --- CSV ---------------------------------------------------------------------------------


def test_analytics_answer_csv(api_as, owner, sales_data):
    client = api_as(owner)
    summary = client.get("/api/v1/sales/summary", {"format": "csv"})
    assert summary["Content-Type"].startswith("text/csv")
    assert 'filename="sales-summary.csv"' in summary["Content-Disposition"]
    lines = summary.content.decode().splitlines()
    assert lines[0].startswith("total_revenue,total_ad_spend,roas,records,stores,date_from,date_to")
    assert lines[1].startswith("480.00,120.00,4.0,5,2,2026-02-27,2026-03-31")
    series = client.get("/api/v1/sales/series", {"interval": "month"}, HTTP_ACCEPT="text/csv").content.decode()
    assert series.splitlines() == [
        "bucket,revenue,ad_spend,roas,records,annotations",
        "2026-02-01,80.00,20.00,4.0,1,",
        "2026-03-01,400.00,100.00,4.0,4,",
    ]
    top = client.get("/api/v1/sales/top-users", {"format": "csv"}).content.decode().splitlines()
    assert top[0] == "rank,user_id,email,full_name,total_revenue,total_ad_spend,roas,records"
    assert top[1].split(",")[2:5] == ["admin@acme.test", top[1].split(",")[3], "250.50"]


def test_csv_links_work_with_the_session(owner, sales_data):
    browser = Client()
    assert browser.login(username=owner.email, password=PASSWORD)
    response = browser.get("/api/v1/sales/series?interval=month&format=csv")
    assert response.status_code == 200
    assert response.content.decode().splitlines()[2] == "2026-03-01,400.00,100.00,4.0,4,"


def test_money_stays_exact_over_many_cents(api_as, owner, stores):
    SalesRecordFactory.create_batch(
        30, store=stores[0], revenue=Decimal("0.10"), ad_spend=Decimal("0.03"), date=dt.date(2026, 1, 1)
    )
    body = api_as(owner).get("/api/v1/sales/summary").json()
    assert (body["total_revenue"], body["total_ad_spend"], body["roas"]) == ("3.00", "0.90", 3.3333)
