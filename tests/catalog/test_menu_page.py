import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_menu_page_shows_sections_products_options_and_live_promotions(menu, client):
    response = client.get(reverse("catalog:menu"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('id="coffee"') < page.index('id="latte"')
    assert "Seasonal" not in page
    assert "Old Roast" not in page
    assert "Pumpkin" not in page
    assert "£3.50" in page
    assert "Iced <small>+£0.20</small>" in page
    assert "Flat White Week" in page
    assert "Latte Days" in page
    assert "Spring" not in page


def test_menu_page_is_served_from_the_cache(menu, client, django_assert_num_queries):
    # 1 types, 2 products, 3 specifications, 4 options, 5 promotions
    with django_assert_num_queries(5):
        client.get("/menu/")
    with django_assert_num_queries(0):
        client.get("/menu/")


def test_an_anonymous_visitor_gets_the_whole_page_from_the_cache(menu, client, owner):
    first = client.get("/menu/")
    again = client.get("/menu/")
    assert {"catalog/menu.html", "base.html"} <= {template.name for template in first.templates}
    assert again.templates == []  # nothing rendered
    assert again.content == first.content
    assert (again.status_code, again["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert "Log in" in again.content.decode()
    # A member's page is their own (their address, the log-out form), never the cached one.
    client.force_login(owner)
    page = client.get("/menu/").content.decode()
    assert owner.email in page
    assert "Log out" in page
    client.logout()
    assert owner.email not in client.get("/menu/").content.decode()


def test_a_message_waiting_is_shown_and_not_cached(menu, client, owner):
    client.force_login(owner)
    client.post(reverse("accounts:logout-all"))  # logs out, with a message for the next page
    shown = client.get("/menu/").content.decode()
    assert "You were logged out everywhere" in shown
    assert '<ul class="messages">' not in client.get("/menu/").content.decode()


@pytest.mark.browser
def test_menu_page_in_a_browser(transactional_db, browser_page):
    call_command("seed_catalog", stdout=io.StringIO())
    page = browser_page()
    page.goto("/menu/")
    assert page.locator("h1").inner_text() == "Our menu"
    assert page.locator(".menu-section").count() == 6
    assert page.locator(".product").count() == 39
    assert page.locator(".promo").count() == 3
    page.click(".menu-nav a[href='#pastries']")
    assert page.locator("#pastries .product h3").first.inner_text().startswith("Butter Croissant")
    images = page.eval_on_selector_all(
        ".product img", "imgs => imgs.filter(i => !i.complete || !i.naturalWidth).length"
    )
    assert images == 0  # every product image loaded
    page.pulse_screenshot("catalog-menu")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(page.pulse_screenshot("catalog-menu").with_name("catalog-menu-top.png")))


@pytest.mark.browser
def test_admin_product_page_in_a_browser(transactional_db, browser_page, staff_user):
    call_command("seed_catalog", stdout=io.StringIO())
    from catalog.models import Product

    product = Product.objects.get(name="Flat White")
    page = browser_page(staff_user)
    page.goto(f"/admin/catalog/product/{product.pk}/change/")
    assert page.locator(".field-image_preview img").count() == 1
    assert page.locator("#specifications-group tbody tr.has_original").count() == 5
    page.pulse_screenshot("catalog-admin-product")
    page.goto("/admin/catalog/product/?type__id__exact=" + str(product.type_id))
    assert page.locator("#result_list tbody tr").count() == 8
    page.pulse_screenshot("catalog-admin-products")
