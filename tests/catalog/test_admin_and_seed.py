import io

import pytest
from django.core.management import call_command

from catalog.demo import load
from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/producttype/",
        "/admin/catalog/product/",
        "/admin/catalog/product/?q=flat&type__id__exact=2&is_hot__exact=0",
        "/admin/catalog/specification/?kind__exact=dairy",
        "/admin/catalog/specification/?q=milk",
        "/admin/catalog/promotion/?status=live",
        "/admin/catalog/promotion/?status=scheduled",
        "/admin/catalog/promotion/?status=ended&q=old",
        "/admin/catalog/promotion/add/",
        "/admin/catalog/product/add/",
    ],
)
def test_admin_pages_render(menu, staff_client, url):
    assert staff_client.get(url).status_code == 200


def test_product_page_has_specification_inline_and_image_preview(menu, staff_client):
    page = staff_client.get(f"/admin/catalog/product/{menu.flat_white.pk}/change/").content.decode()
    assert 'src="/static/catalog/img/latte.svg"' in page
    assert "Temperature" in page
    assert "Milk" in page
    assert "Extras" in page
    assert "Hot, Iced (+0.20)" in page  # options summary of the inline
    assert f"/admin/catalog/specification/{menu.milk.pk}/change/" in page  # link to the options


def test_specification_page_edits_options_inline_and_offers_only_its_own_defaults(menu, staff_client):
    page = staff_client.get(f"/admin/catalog/specification/{menu.milk.pk}/change/").content.decode()
    assert 'name="options-0-name"' in page
    default_select = page.split('name="default_option"')[1].split("</select>")[0]
    assert "Oat" in default_select
    assert "Iced" not in default_select


def test_status_filter_lists_live_promotions(menu, staff_client):
    page = staff_client.get("/admin/catalog/promotion/?status=live").content.decode()
    assert "Flat White Week" in page
    assert "Latte Days" in page
    assert "Spring" not in page


def test_seed_catalog_loads_a_realistic_menu_and_is_idempotent(db):
    out = io.StringIO()
    call_command("seed_catalog", stdout=out)
    counts = [m.objects.count() for m in (ProductType, Product, Specification, SpecificationOption, Promotion)]
    assert counts[0] >= 5
    assert counts[1] >= 24
    assert counts[4] >= 4
    assert "Catalog seeded: 6 types, 39 products" in out.getvalue()
    assert set(Specification.objects.values_list("kind", flat=True)) >= {"temperature", "sweetness", "dairy", "size"}
    assert not Product.objects.filter(specifications__isnull=True).exists()
    assert SpecificationOption.objects.filter(price_delta__gt=0).exists()
    call_command("seed_catalog", stdout=io.StringIO())
    assert [m.objects.count() for m in (ProductType, Product, Specification, SpecificationOption, Promotion)] == counts
    assert load(workspace=None, user=None, stdout=io.StringIO()).endswith("(0 rows created)")


def test_seeded_menu_has_live_and_upcoming_promotions(db, anon_api):
    call_command("seed_catalog", stdout=io.StringIO())
    live = anon_api.get("/api/v1/catalog/promotions").json()["results"]
    assert {p["title"] for p in live} == {"Oat Week", "Croissant & Coffee Mornings", "Cold Brew Happy Hour"}
    types = anon_api.get("/api/v1/catalog/types").json()["results"]
    assert [t["slug"] for t in types][:3] == ["latte", "coffee", "iced-drinks"]
