"""The time controls on the pages: what each range and comparison shows, computed by hand on the
e-commerce shop fixture (tests/ecommerce/conftest.py: lines from 3 Jan to 8 Feb 2011), and who
may see a dashboard."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.ecommerce.conftest import shop  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

DASHBOARDS = (
    "sales:dashboard",
    "ecommerce:dashboard",
    "ecommerce:customers",
    "ecommerce:products",
    "apimetrics:projects",
)


def test_the_default_is_the_last_30_days_of_data_against_the_30_before(shop, owner, client):  # noqa: F811
    client.force_login(owner)
    response = client.get(reverse("ecommerce:dashboard"))
    kpis = response.context["kpis"]
    # 10 Jan to 8 Feb: invoices 1004 (12.75) and 1005 (20.00); 11 Dec to 9 Jan: 1001 (6 × 2.55 +
    # 18.00), 1002 (2 × 12.75) and 1003 (10 × 2.125) = 80.05.
    assert (kpis["date_from"], kpis["date_to"], kpis["revenue"]) == ("2011-01-10", "2011-02-08", "32.75")
    assert (kpis["previous"]["date_from"], kpis["previous"]["revenue"]) == ("2010-12-11", "80.05")
    html = response.content.decode()
    assert "Showing last 30 days of data, ending 8 Feb 2011" in html
    assert '<input type="date" name="date_from" id="date-from" value="2011-01-10">' in html
    assert '<div class="value" title="$32.75">$32.75</div>' in html
    assert '▼ -59.1% <span class="muted">vs previous</span>' in html  # 32.75 / 80.05 - 1
    assert "Data as of 8 Feb 2011, computed" in html


def test_no_comparison_shows_no_change_and_no_comparison_line(shop, owner, client):  # noqa: F811
    client.force_login(owner)
    response = client.get(reverse("ecommerce:dashboard"), {"preset": "all", "compare": "none"})
    assert response.context["kpis"]["revenue"] == "112.80"
    assert response.context["kpis"]["previous"] is None
    html = response.content.decode()
    assert "vs previous" not in html
    assert "no comparison data" not in html
    assert "Comparison period" not in html


def test_the_same_period_last_year_has_no_data_and_says_so(shop, owner, client):  # noqa: F811
    client.force_login(owner)
    html = client.get(reverse("ecommerce:dashboard"), {"preset": "mtd", "compare": "year"}).content.decode()
    assert "Showing month to date of data, ending 8 Feb 2011" in html
    assert "no comparison data" in html


def test_links_carry_the_time_controls_and_bad_ones_are_named(shop, owner, client):  # noqa: F811
    client.force_login(owner)
    html = client.get(reverse("ecommerce:products"), {"preset": "90d", "compare": "year"}).content.decode()
    assert 'href="/sales/?preset=90d&amp;compare=year"' in html
    assert 'href="/ecommerce/customers/?preset=90d&amp;compare=year"' in html
    assert '<a href="/ecommerce/?preset=90d&amp;compare=year" aria-current="page">E-commerce</a>' in html
    response = client.get(reverse("ecommerce:dashboard"), {"preset": "fortnight", "compare": "decade"})
    assert response.status_code == 200
    assert '"fortnight" is not a valid choice.' in response.context["form_errors"]
    assert '"decade" is not a valid choice.' in response.context["form_errors"]
    assert response.context["time"].preset == "30d"


@pytest.mark.parametrize("name", DASHBOARDS)
def test_each_dashboard_for_each_role(name, workspace, owner, admin_user, viewer, outsider):
    query = {"preset": "7d", "compare": "none"}
    anonymous = Client().get(reverse(name), query)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    for user in (owner, admin_user, viewer, outsider):
        client = Client()
        client.force_login(user)
        response = client.get(reverse(name), query)
        assert response.status_code == 200
        assert response.context["workspace"] == user.memberships.get().workspace
        assert (response.context["time"].preset, response.context["time"].compare) == ("7d", "none")


def test_only_staff_see_the_refresh_button(workspace, owner, staff_user):
    from accounts.models import Membership

    Membership.objects.create(user=staff_user, workspace=workspace, role=Membership.Role.VIEWER)
    for user, shown in ((owner, False), (staff_user, True)):
        client = Client()
        client.force_login(user)
        html = client.get(reverse("sales:dashboard"), {"preset": "7d"}).content.decode()
        assert ('href="?preset=7d&amp;refresh=1">Refresh</a>' in html) is shown
