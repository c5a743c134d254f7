"""Admin pages and the CSV export action, ``generate_sales`` and the demo loader."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from sales import demo
from sales.models import InsightReport, QualityReport, SalesRecord, Store
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_user):
    client = Client()
    assert client.login(username=staff_user.email, password=PASSWORD)
    return client


@pytest.mark.parametrize("model", ["store", "salesrecord", "insightreport", "qualityreport"])
def test_admin_pages_render(model, staff_client, sales_data, workspace):
    from sales.etl import insights_generate
    from sales.quality import quality_check_run

    insights_generate(workspace_id=workspace.pk)
    quality_check_run(workspace_id=workspace.pk)
    changelist = staff_client.get(f"/admin/sales/{model}/", {"q": "North"} if model != "insightreport" else {})
    assert changelist.status_code == 200
    instance = {
        "store": Store,
        "salesrecord": SalesRecord,
        "insightreport": InsightReport,
        "qualityreport": QualityReport,
    }[model].objects.first()
    assert staff_client.get(f"/admin/sales/{model}/{instance.pk}/change/").status_code == 200


def test_admin_record_filters_and_date_hierarchy(staff_client, sales_data):
    response = staff_client.get("/admin/sales/salesrecord/", {"date__year": "2026", "date__month": "3"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 4


def test_admin_exports_selected_records_as_csv(staff_client, sales_data):
    response = staff_client.post(
        "/admin/sales/salesrecord/",
        {"action": "export_csv", "_selected_action": [record.pk for record in sales_data[:2]]},
    )
    assert response["Content-Type"] == "text/csv"
    lines = response.content.decode().splitlines()
    assert lines[0] == "id,workspace,store,date,revenue,ad_spend,recorded_by,created_at"
    assert [line.split(",")[1:7] for line in lines[1:]] == [
        ["acme", "North", "2026-02-27", "80.00", "20.00", "viewer@acme.test"],
        ["acme", "North", "2026-03-02", "100.00", "40.00", "owner@acme.test"],
    ]


def test_generate_sales_command_reports_what_it_made(workspace, owner):
    out, err = io.StringIO(), io.StringIO()
    call_command("generate_sales", workspace="acme", count=2500, seed=5, stdout=out, stderr=err)
    assert SalesRecord.objects.filter(workspace=workspace).count() == 2500
    assert Store.objects.filter(workspace=workspace).count() == 3
    assert out.getvalue().startswith("Created 2,500 records in acme over 3 stores")
    assert "2.50k/2.50k" in err.getvalue()  # the progress bar


def test_generate_sales_command_refuses_bad_arguments(workspace):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("generate_sales", workspace="nope", count=10)
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_sales", workspace="acme", count=0)
    assert not SalesRecord.objects.exists()


def test_demo_loads_a_year_of_sales_and_reports_once(workspace):
    user = User.objects.create_user(email="demo@pulse.test", password=PASSWORD)
    summary = demo.load(workspace=workspace, user=user, stdout=io.StringIO())
    assert summary.startswith("3 stores, 1095 new records (365 days)")
    assert SalesRecord.objects.filter(workspace=workspace, recorded_by=user).count() == 1095
    assert InsightReport.objects.filter(workspace=workspace).count() == 1
    assert QualityReport.objects.get(workspace=workspace).status == "ok"
    again = demo.load(workspace=workspace, user=user, stdout=io.StringIO())
    assert again.startswith("3 stores, 0 new records")
    assert SalesRecord.objects.filter(workspace=workspace).count() == 1095
