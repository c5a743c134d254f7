"""Every write path makes the next read show the change (and reads are really cached)."""

from decimal import Decimal

import pytest
from django.db import connection

from catalog import services
from catalog.models import Product, Promotion, SpecificationOption
from tests.catalog.conftest import at

pytestmark = pytest.mark.django_db

COFFEE = "/api/v1/catalog/types/coffee/products"


def detail(client, product):
    return client.get(f"/api/v1/catalog/products/{product.pk}").json()


def coffee_prices(client):
    return {row["name"]: row["price"] for row in client.get(COFFEE).json()["results"]}


@pytest.fixture
def warm(menu, anon_api):
    """The reads under test, cached before the write."""
    assert coffee_prices(anon_api) == {"Americano": "3.10", "Espresso": "2.60"}
    detail(anon_api, menu.flat_white)
    anon_api.get("/api/v1/catalog/types")
    anon_api.get("/api/v1/catalog/promotions")
    anon_api.get("/menu/")
    return anon_api


def test_reads_are_served_from_the_cache_until_a_write(menu, warm):
    # A write that bypasses Django (raw SQL) is not seen: the read really is cached...
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET price = 9 WHERE id = %s", [menu.espresso.pk])
    assert coffee_prices(warm)["Espresso"] == "2.60"


def test_model_save(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        menu.espresso.price = Decimal("2.75")
        menu.espresso.save()
    assert coffee_prices(warm)["Espresso"] == "2.75"


def test_model_create_and_delete(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mocha = Product.objects.create(type=menu.coffee, name="Mocha", price=Decimal("4.00"), menu_order=3)
    assert list(coffee_prices(warm)) == ["Americano", "Espresso", "Mocha"]
    with django_capture_on_commit_callbacks(execute=True):
        mocha.delete()
    assert list(coffee_prices(warm)) == ["Americano", "Espresso"]


def test_option_save_changes_the_product_detail(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        menu.oat.price_delta = Decimal("0.65")
        menu.oat.save()
    assert detail(warm, menu.flat_white)["specifications"][1]["options"][1]["price_delta"] == "0.65"


def test_queryset_update_and_bulk_writes(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Product.objects.filter(pk=menu.espresso.pk).update(price=Decimal("2.90"))
    assert coffee_prices(warm)["Espresso"] == "2.90"
    with django_capture_on_commit_callbacks(execute=True):
        SpecificationOption.objects.bulk_create([SpecificationOption(specification=menu.milk, name="Soy")])
    assert [o["name"] for o in detail(warm, menu.flat_white)["specifications"][1]["options"]] == ["Soy", "Whole", "Oat"]
    with django_capture_on_commit_callbacks(execute=True):
        SpecificationOption.objects.filter(name="Soy").delete()
    assert [o["name"] for o in detail(warm, menu.flat_white)["specifications"][1]["options"]] == ["Whole", "Oat"]


def test_service_functions(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_set_active(queryset=Product.objects.filter(pk=menu.americano.pk), is_active=False)
    assert list(coffee_prices(warm)) == ["Espresso"]
    with django_capture_on_commit_callbacks(execute=True):
        services.product_type_update(product_type=menu.coffee, name="Coffees")
    assert warm.get("/api/v1/catalog/types").json()["results"][0]["name"] == "Coffees"


def test_rolled_back_write_keeps_the_cache(menu, warm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Exception, match="price"):
        services.product_update(product=menu.espresso, price=Decimal("-1"))
    assert callbacks == []
    assert coffee_prices(warm)["Espresso"] == "2.60"


def test_staff_api_write(menu, warm, api_as, staff_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(staff_user).patch(f"/api/v1/catalog/admin/products/{menu.espresso.pk}", {"price": "2.95"})
    assert response.status_code == 200
    assert coffee_prices(warm)["Espresso"] == "2.95"
    with django_capture_on_commit_callbacks(execute=True):
        api_as(staff_user).delete(f"/api/v1/catalog/admin/promotions/{menu.fw_week.pk}")
    assert [p["title"] for p in warm.get("/api/v1/catalog/promotions").json()["results"]] == ["Latte Days"]


@pytest.fixture
def admin_client_(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_change_form(menu, warm, admin_client_, django_capture_on_commit_callbacks):
    url = f"/admin/catalog/product/{menu.espresso.pk}/change/"
    form = {
        "type": menu.coffee.pk,
        "name": "Espresso",
        "description": "",
        "price": "2.70",
        "menu_order": 2,
        "is_active": "on",
        "image_url": "",
        "specifications-TOTAL_FORMS": 0,
        "specifications-INITIAL_FORMS": 0,
        "specifications-MIN_NUM_FORMS": 0,
        "specifications-MAX_NUM_FORMS": 1000,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert coffee_prices(warm)["Espresso"] == "2.70"


def test_admin_inline_option_change(menu, warm, admin_client_, django_capture_on_commit_callbacks):
    url = f"/admin/catalog/specification/{menu.milk.pk}/change/"
    form = {
        "product": menu.flat_white.pk,
        "kind": "dairy",
        "name": "Milk",
        "required": "on",
        "default_option": menu.whole.pk,
        "menu_order": 2,
        "options-TOTAL_FORMS": 3,
        "options-INITIAL_FORMS": 2,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
        "options-0-id": menu.whole.pk,
        "options-0-specification": menu.milk.pk,
        "options-0-menu_order": 1,
        "options-0-name": "Whole",
        "options-0-price_delta": "0.00",
        "options-1-id": menu.oat.pk,
        "options-1-specification": menu.milk.pk,
        "options-1-menu_order": 2,
        "options-1-name": "Oat",
        "options-1-price_delta": "0.55",
        "options-2-specification": menu.milk.pk,
        "options-2-menu_order": 3,
        "options-2-name": "Almond",
        "options-2-price_delta": "0.45",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    options = detail(warm, menu.flat_white)["specifications"][1]["options"]
    assert [(o["name"], o["price_delta"]) for o in options] == [("Whole", "0.00"), ("Oat", "0.55"), ("Almond", "0.45")]


def test_admin_list_editable(menu, warm, admin_client_, django_capture_on_commit_callbacks):
    products = Product.objects.order_by("type__menu_order", "menu_order", "name")
    form = {
        "form-TOTAL_FORMS": products.count(),
        "form-INITIAL_FORMS": products.count(),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for i, product in enumerate(products):
        form.update(
            {
                f"form-{i}-id": product.pk,
                f"form-{i}-price": "1.11" if product == menu.americano else str(product.price),
                f"form-{i}-menu_order": product.menu_order,
            }
        )
        if product.is_hot:
            form[f"form-{i}-is_hot"] = "on"
        if product.is_active:
            form[f"form-{i}-is_active"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post("/admin/catalog/product/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert coffee_prices(warm)["Americano"] == "1.11"


@pytest.mark.parametrize(
    ("action", "expected"),
    [("deactivate", ["Americano"]), ("delete_selected", ["Americano"]), ("unmark_hot", ["Americano", "Espresso"])],
)
def test_admin_bulk_actions(menu, warm, admin_client_, django_capture_on_commit_callbacks, action, expected):
    form = {"action": action, "_selected_action": [menu.espresso.pk]}
    if action == "delete_selected":
        form["post"] = "yes"
    if action == "unmark_hot":
        form["_selected_action"] = [menu.americano.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post("/admin/catalog/product/", form)
    assert response.status_code == 302
    assert list(coffee_prices(warm)) == expected
    if action == "unmark_hot":
        assert warm.get(COFFEE, {"is_hot": 1}).json()["results"] == []


def test_admin_promotion_actions_and_form(menu, warm, admin_client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post("/admin/catalog/promotion/", {"action": "activate", "_selected_action": [menu.draft.pk]})
    titles = [p["title"] for p in warm.get("/api/v1/catalog/promotions").json()["results"]]
    assert titles == ["Latte Days", "Draft", "Flat White Week"]
    form = {
        "title": "Latte Days",
        "body": "",
        "image_url": "",
        "product_type": menu.latte.pk,
        "starts_at_0": "2026-03-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2026-03-10",
        "ends_at_1": "06:00:00",
        "is_active": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(f"/admin/catalog/promotion/{menu.latte_days.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [p["title"] for p in warm.get("/api/v1/catalog/promotions").json()["results"]] == [
        "Draft",
        "Flat White Week",
    ]


def test_admin_refuses_an_overlapping_promotion(menu, admin_client_):
    form = {
        "title": "Clash",
        "product": menu.flat_white.pk,
        "starts_at_0": "2026-03-14",
        "starts_at_1": "00:00:00",
        "ends_at_0": "2026-03-16",
        "ends_at_1": "00:00:00",
        "is_active": "on",
    }
    response = admin_client_.post("/admin/catalog/promotion/add/", form)
    assert response.status_code == 200
    assert "Overlaps the active promotion" in response.content.decode()
    assert not Promotion.objects.filter(title="Clash").exists()


def test_admin_bulk_activation_refuses_overlaps(menu, admin_client_):
    clash = Promotion.objects.create(
        title="Clash", product=menu.flat_white, starts_at=at(14), ends_at=at(16), is_active=False
    )
    response = admin_client_.post(
        "/admin/catalog/promotion/", {"action": "activate", "_selected_action": [clash.pk, menu.draft.pk]}, follow=True
    )
    assert "would overlap the active promotion “Flat White Week”" in response.content.decode()
    assert Promotion.objects.filter(pk__in=[clash.pk, menu.draft.pk], is_active=True).count() == 0


def test_an_entry_of_an_older_version_is_never_served(db, django_capture_on_commit_callbacks):
    from catalog.selectors import read_through
    from config.cache import bump_data_version

    calls = []

    def compute():
        calls.append(1)
        return len(calls), None

    assert read_through("probe", {}, compute) == 1
    assert read_through("probe", {}, compute) == 1
    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version("catalog", None)
    assert read_through("probe", {}, compute) == 2


def test_reads_work_without_a_cache(menu, anon_api, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert anon_api.get(COFFEE).status_code == 200
    assert anon_api.get(f"/api/v1/catalog/products/{menu.flat_white.pk}").status_code == 200
