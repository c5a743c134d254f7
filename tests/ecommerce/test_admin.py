"""The admin of sales and return lines: read only, and a deletion is seen by the next read."""

import pytest

from ecommerce.models import ReturnLine, SalesLine

pytestmark = pytest.mark.django_db

KPIS = "/api/v1/ecommerce/kpis"


@pytest.mark.parametrize("model", [SalesLine, ReturnLine])
def test_line_admins_show_lines_but_do_not_add_or_change_them(shop, staff_user, client, model):
    client.force_login(staff_user)
    base = f"/admin/ecommerce/{model._meta.model_name}/"
    line = model.objects.filter(workspace=shop).first()

    assert client.get(f"{base}add/").status_code == 403
    page = client.get(f"{base}{line.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html  # a read-only view
    assert f"{base}{line.pk}/delete/" in html
    before = (line.quantity, line.unit_price, line.amount)
    response = client.post(f"{base}{line.pk}/change/", {"quantity": "999", "unit_price": "1", "amount": "1"})
    assert response.status_code == 403
    line.refresh_from_db()
    assert (line.quantity, line.unit_price, line.amount) == before


def test_deleting_a_sales_line_in_the_admin_shows_in_the_next_kpis(
    shop, owner, staff_user, api_as, client, django_capture_on_commit_callbacks
):
    api = api_as(owner)
    assert api.get(KPIS).json()["revenue"] == "112.80"  # now cached
    client.force_login(staff_user)
    line = SalesLine.objects.get(invoice_no="1005")  # the 20.00 voucher

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/ecommerce/salesline/{line.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not SalesLine.objects.filter(pk=line.pk).exists()
    after = api.get(KPIS).json()
    assert (after["revenue"], after["orders"], after["customers"]) == ("92.80", 4, 2)


def test_deleting_lines_with_the_admin_action_shows_in_the_next_kpis(
    shop, owner, staff_user, api_as, client, django_capture_on_commit_callbacks
):
    api = api_as(owner)
    assert api.get(KPIS).json()["returns_value"] == "17.85"
    client.force_login(staff_user)
    returns = list(ReturnLine.objects.filter(workspace=shop).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/ecommerce/returnline/", {"action": "delete_selected", "_selected_action": returns, "post": "yes"}
        )

    assert response.status_code == 302
    assert not ReturnLine.objects.exists()
    after = api.get(KPIS).json()
    assert (after["returns_value"], after["net_revenue"], after["return_rate"]) == ("0.00", "112.80", 0.0)


def test_a_bulk_update_or_delete_from_a_shell_shows_in_the_next_kpis(
    shop, owner, api_as, django_capture_on_commit_callbacks
):
    api = api_as(owner)
    assert api.get(KPIS).json()["revenue"] == "112.80"  # now cached
    voucher = SalesLine.objects.filter(workspace=shop, invoice_no="1005")  # the 20.00 voucher

    with django_capture_on_commit_callbacks(execute=True):
        assert voucher.update(amount="30.00") == 1
    assert api.get(KPIS).json()["revenue"] == "122.80"
    with django_capture_on_commit_callbacks(execute=True):
        voucher.delete()
    assert api.get(KPIS).json()["revenue"] == "92.80"


@pytest.mark.parametrize(
    ("query", "invoices"),
    [
        ({}, {"1001", "1002", "1003", "1004", "1005"}),
        ({"invoice_date__year": "2011", "invoice_date__month": "2"}, {"1004", "1005"}),
        ({"invoice_date__year": "2011", "invoice_date__month": "1", "invoice_date__day": "4"}, {"1002", "1003"}),
        ({"is_product__exact": "0"}, {"1001", "1005"}),  # POST and the gift voucher
        ({"invoice_date__year": "2011", "invoice_date__month": "2", "is_product__exact": "1"}, {"1004"}),
    ],
)
def test_the_sales_line_list_drills_down_by_date_and_filters_products(shop, staff_user, client, query, invoices):
    client.force_login(staff_user)
    response = client.get("/admin/ecommerce/salesline/", query)
    assert response.status_code == 200
    listed = {line.invoice_no for line in response.context["cl"].result_list}
    assert listed == invoices


def test_the_fit_admin_lists_fits_for_staff_to_delete_not_write(workspace, staff_user, client):
    from django.utils import timezone

    from ecommerce.models import ModelFit

    fit = ModelFit.objects.create(
        workspace=workspace, name="forecast_model", inputs="f" * 64, value={"forecast": []}, computed_at=timezone.now()
    )
    client.force_login(staff_user)
    listing = client.get("/admin/ecommerce/modelfit/")
    assert listing.status_code == 200
    assert "ffffffffffff" in listing.content.decode()
    assert client.get("/admin/ecommerce/modelfit/add/").status_code == 403
    assert client.get(f"/admin/ecommerce/modelfit/{fit.pk}/change/").status_code == 200  # read-only view
    assert client.post(f"/admin/ecommerce/modelfit/{fit.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ModelFit.objects.exists()
