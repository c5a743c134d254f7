"""The generic insight view (JSON and CSV, validated date range and interval, the cache) and
pagination."""

from decimal import Decimal

import pytest

from config.api import csv_cell

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.scoped_urls")]

URL = "/api/v1/test/analytics/"


@pytest.fixture
def team(owner, admin_user, viewer, outsider):
    return owner


def test_json_with_the_validated_query(api_as, team):
    response = api_as(team).get(URL, {"date_from": "2026-01-01", "date_to": "2026-01-31", "interval": "week"})
    assert response.status_code == 200
    body = response.json()
    del body["computed"]  # how often the cache missed: see test_refresh_is_for_staff_only
    assert body == {
        "date_from": "2026-01-01",
        "date_to": "2026-01-31",
        "interval": "week",
        "rows": [
            {"role": "owner", "members": 1, "value": "1.50"},
            {"role": "admin", "members": 1, "value": "1.50"},
            {"role": "viewer", "members": 1, "value": "1.50"},
        ],
        "data_as_of": body["data_as_of"],
    }


def test_without_dates_the_whole_history_and_the_default_interval(api_as, team):
    body = api_as(team).get(URL).json()
    assert (body["date_from"], body["date_to"], body["interval"]) == (None, None, "day")


@pytest.mark.parametrize("how", [{"format": "csv"}, "accept"])
def test_csv_by_format_or_accept(api_as, team, how):
    client = api_as(team)
    response = client.get(URL, HTTP_ACCEPT="text/csv") if how == "accept" else client.get(URL, how)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="test-role-counts.csv"'
    assert response.content.decode() == "role,members,value\nowner,1,1.50\nadmin,1,1.50\nviewer,1,1.50\n"


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, {"date_to": ["Must be on or after date_from."]}),
        (
            {"date_from": "yesterday"},
            {"date_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"date_from": "1900-01-01"}, {"date_from": ["Must be between 1970-01-01 and 2100-12-31."]}),
        ({"interval": "hour"}, {"interval": ['"hour" is not a valid choice.']}),
    ],
)
def test_bad_queries_answer_400_in_json_even_when_csv_was_asked(api_as, team, params, fields):
    for extra in ({}, {"format": "csv"}):
        response = api_as(team).get(URL, {**params, **extra})
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["fields"] == fields


def test_an_outsider_counts_only_their_workspace(api_as, team, outsider, other_workspace):
    rows = api_as(outsider, other_workspace).get(URL).json()["rows"]
    assert [row["members"] for row in rows] == [1, 0, 0]


def test_anonymous_is_401_in_json_even_for_csv(anon_api, team):
    response = anon_api.get(URL, {"format": "csv"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_refresh_is_for_staff_only(api_as, team, staff_user, workspace):
    from accounts.models import Membership

    first = api_as(team).get(URL).json()["computed"]
    assert api_as(team).get(URL, {"refresh": "1"}).json()["computed"] == first  # served from the cache
    Membership.objects.create(user=staff_user, workspace=workspace, role="viewer")
    assert api_as(staff_user).get(URL, {"refresh": "1"}).json()["computed"] == first + 1  # recomputed


def test_pagination_is_bounded(api_as, team):
    client = api_as(team)
    body = client.get("/api/v1/test/paged/", {"page_size": 2}).json()
    assert body["count"] == 3
    assert [row["email"] for row in body["results"]] == ["admin@acme.test", "owner@acme.test"]
    assert body["next"].endswith("/api/v1/test/paged/?page=2&page_size=2")
    assert body["previous"] is None
    huge = client.get("/api/v1/test/paged/", {"page_size": 10**9}).json()
    assert len(huge["results"]) == 3
    from config.pagination import PagePagination

    assert PagePagination.max_page_size == 500


def test_a_page_past_the_end_is_404_in_the_error_shape(api_as, team):
    response = api_as(team).get("/api/v1/test/paged/", {"page": 9})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Invalid page.", "fields": {}}}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("North", "North"),
        (Decimal("-1.50"), "-1.50"),
        (-4, -4),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value, cell):
    assert csv_cell(value) == cell
