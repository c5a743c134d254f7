"""``GET /api/v1/insights/``: what a workspace can chart, alert on and put in a digest."""

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/insights/"


def test_members_see_every_registered_insight_with_parameters_and_metrics(api_as, owner, viewer):
    for user in (owner, viewer):
        response = api_as(user).get(URL)
        assert response.status_code == 200
        by_name = {insight["name"]: insight for insight in response.json()}
        assert {"sales.summary", "sales.series", "sales.top_users", "sales.by_store"} <= set(by_name)
    summary = by_name["sales.summary"]
    assert summary["app"] == "sales"
    assert [p["name"] for p in summary["parameters"]] == ["date_from", "date_to", "compare", "store"]
    compare = summary["parameters"][2]
    assert (compare["type"], compare["choices"], compare["default"], compare["required"]) == (
        "choice",
        ["previous", "year", "none"],
        "previous",
        False,
    )
    assert summary["metrics"][0] == {
        "path": "total_revenue",
        "label": "Revenue",
        "unit": "money",
        "higher_is_better": True,
    }


def test_outsiders_of_the_workspace_and_anonymous_are_refused(api_as, anon_api, owner, outsider, workspace):
    assert api_as(outsider, workspace).get(URL).status_code == 404
    assert anon_api.get(URL).status_code == 401
