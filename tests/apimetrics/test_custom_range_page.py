"""A custom range typed on an API metrics page: wall-clock date-times of the workspace's time zone
(the datetime-local inputs), shown back in them, carried by the links as instants; pages of
daily data keep date inputs. The ``mix`` fixture's requests are at 09:00-09:03 and 10:00 UTC."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PARIS_RANGE = {"preset": "custom", "date_from": "2026-03-10T10:00", "date_to": "2026-03-10T10:02"}


@pytest.fixture
def in_paris(mix, workspace):
    workspace.timezone = "Europe/Paris"  # UTC+1 in March
    workspace.save()
    return mix


def _project_page(client, user, query):
    client.force_login(user)
    return client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), query)


def test_wall_clock_times_are_read_in_the_workspace_time_zone(in_paris, client, owner):
    page = _project_page(client, owner, PARIS_RANGE)
    # 10:00 to 10:02 in Paris are 09:00 to 09:02 UTC: the requests at 09:00:05, :10, :20, :30 and 09:01:00.
    assert page.context["summary"]["requests"] == 5
    html = page.content.decode()
    assert '<input type="datetime-local" name="date_from" id="date-from" value="2026-03-10T10:00">' in html
    assert '<input type="datetime-local" name="date_to" id="date-to" value="2026-03-10T10:02">' in html
    assert "Showing 2026-03-10 10:00 → 2026-03-10 10:02 (Europe/Paris)" in html
    # The drill-down links carry the instants with their offset.
    assert "date_from=2026-03-10T09%3A00%3A00%2B00%3A00&amp;date_to=2026-03-10T09%3A02%3A00%2B00%3A00" in html


def test_a_range_of_days_shows_as_midnight_to_midnight(in_paris, client, owner):
    page = _project_page(client, owner, {"preset": "custom", "date_from": "2026-03-10", "date_to": "2026-03-10"})
    assert page.context["summary"]["requests"] == 9
    html = page.content.decode()
    assert 'id="date-from" value="2026-03-10T00:00"' in html
    assert 'id="date-to" value="2026-03-11T00:00"' in html  # the end excluded: the day after the last


def test_pages_of_daily_data_keep_date_inputs(in_paris, client, owner):
    client.force_login(owner)
    html = client.get("/sales/", {"date_from": "2026-03-01", "date_to": "2026-03-10"}).content.decode()
    assert '<input type="date" name="date_from" id="date-from" value="2026-03-01">' in html
    assert "Showing 2026-03-01 → 2026-03-10" in html


@pytest.mark.parametrize(
    "query",
    [
        {"preset": "custom", "date_from": "2026-13-40T99:00", "date_to": "2026-03-10T10:02"},
        {"preset": "custom", "date_from": "2026-03-10T10:02", "date_to": "2026-03-10T10:02"},
        {"preset": "custom", "date_from": "2026-03-10T10:00", "date_to": "2026-03-11"},
    ],
)
def test_a_bad_custom_range_is_named_above_the_page(in_paris, client, owner, query):
    page = _project_page(client, owner, query)
    assert page.status_code == 200
    assert page.context["form_errors"].startswith(("date_from:", "date_to:"))
    assert page.context["time"].preset == "30d"


def test_the_custom_range_for_members_only(in_paris, client, owner, admin_user, viewer, outsider):
    for user in (owner, admin_user, viewer):
        assert _project_page(client, user, PARIS_RANGE).context["summary"]["requests"] == 5
    assert _project_page(client, outsider, PARIS_RANGE).status_code == 404
    client.logout()
    response = client.get(reverse("apimetrics:project", kwargs={"key": "shop"}), PARIS_RANGE)
    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (302, True)
