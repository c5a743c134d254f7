import datetime as dt

import pytest

from tests.catalog.conftest import at

pytestmark = pytest.mark.django_db

TYPES = "/api/v1/catalog/types"
PROMOTIONS = "/api/v1/catalog/promotions"


def products_url(slug):
    return f"/api/v1/catalog/types/{slug}/products"


def product_url(pk):
    return f"/api/v1/catalog/products/{pk}"


def page(results):
    return {"count": len(results), "next": None, "previous": None, "results": results}


def promotion_payload(menu, promotion):
    return {
        "id": promotion.pk,
        "title": promotion.title,
        "body": promotion.body,
        "image_url": None,
        "product": {"id": promotion.product.pk, "name": promotion.product.name} if promotion.product else None,
        "product_type": (
            {"id": promotion.product_type.pk, "name": promotion.product_type.name, "slug": promotion.product_type.slug}
            if promotion.product_type
            else None
        ),
        "starts_at": promotion.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": promotion.ends_at.isoformat().replace("+00:00", "Z"),
    }


def test_types_lists_active_types_in_menu_order_with_active_product_counts(menu, anon_api):
    response = anon_api.get(TYPES)
    assert response.status_code == 200
    assert response.json() == page(
        [
            {"id": menu.coffee.pk, "name": "Coffee", "slug": "coffee", "menu_order": 1, "product_count": 2},
            {"id": menu.latte.pk, "name": "Latte", "slug": "latte", "menu_order": 2, "product_count": 1},
        ]
    )


def test_type_products_lists_active_products_in_menu_order(menu, anon_api):
    response = anon_api.get(products_url("coffee"))
    assert response.status_code == 200
    assert response.json() == page(
        [
            {
                "id": menu.americano.pk,
                "name": "Americano",
                "description": "Long.",
                "price": "3.10",
                "image_url": None,
                "is_hot": True,
                "menu_order": 1,
            },
            {
                "id": menu.espresso.pk,
                "name": "Espresso",
                "description": "",
                "price": "2.60",
                "image_url": None,
                "is_hot": False,
                "menu_order": 2,
            },
        ]
    )


@pytest.mark.parametrize(("value", "names"), [("1", ["Americano"]), ("0", ["Espresso"]), ("true", ["Americano"])])
def test_type_products_filters_hot_picks(menu, anon_api, value, names):
    response = anon_api.get(products_url("coffee"), {"is_hot": value})
    assert [row["name"] for row in response.json()["results"]] == names


def test_type_products_paginates_the_cached_list(menu, anon_api):
    response = anon_api.get(products_url("coffee"), {"page_size": 1, "page": 2})
    body = response.json()
    assert (body["count"], [row["name"] for row in body["results"]], body["next"]) == (2, ["Espresso"], None)
    assert body["previous"] == "http://testserver/api/v1/catalog/types/coffee/products?page_size=1"


def test_type_products_rejects_a_bad_is_hot(menu, anon_api):
    response = anon_api.get(products_url("coffee"), {"is_hot": "maybe"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "is_hot: Must be a valid boolean.",
            "fields": {"is_hot": ["Must be a valid boolean."]},
        }
    }


@pytest.mark.parametrize("slug", ["nope", "seasonal"])
def test_unknown_or_inactive_type_answers_404(menu, anon_api, slug):
    response = anon_api.get(products_url(slug))
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_product_detail_has_specifications_options_and_live_promotions(menu, anon_api):
    response = anon_api.get(product_url(menu.flat_white.pk))
    assert response.status_code == 200
    assert response.json() == {
        "id": menu.flat_white.pk,
        "name": "Flat White",
        "description": "",
        "price": "3.50",
        "image_url": "/static/catalog/img/latte.svg",
        "is_hot": False,
        "menu_order": 0,
        "type": {"id": menu.latte.pk, "name": "Latte", "slug": "latte"},
        "specifications": [
            {
                "id": menu.temperature.pk,
                "kind": "temperature",
                "name": "Temperature",
                "required": True,
                "default_option_id": menu.hot.pk,
                "options": [
                    {"id": menu.hot.pk, "name": "Hot", "price_delta": "0.00"},
                    {"id": menu.iced.pk, "name": "Iced", "price_delta": "0.20"},
                ],
            },
            {
                "id": menu.milk.pk,
                "kind": "dairy",
                "name": "Milk",
                "required": True,
                "default_option_id": menu.whole.pk,
                "options": [
                    {"id": menu.whole.pk, "name": "Whole", "price_delta": "0.00"},
                    {"id": menu.oat.pk, "name": "Oat", "price_delta": "0.50"},
                ],
            },
            {
                "id": menu.extras.pk,
                "kind": "extra",
                "name": "Extras",
                "required": False,
                "default_option_id": None,
                "options": [{"id": menu.shot.pk, "name": "Extra shot", "price_delta": "0.70"}],
            },
        ],
        "promotions": [promotion_payload(menu, menu.latte_days), promotion_payload(menu, menu.fw_week)],
    }


@pytest.mark.parametrize("which", ["old", "pumpkin", "missing", "huge"])
def test_inactive_or_unknown_product_answers_404(menu, anon_api, which):
    pk = {"old": menu.old.pk, "pumpkin": menu.pumpkin.pk, "missing": 987654, "huge": 10**30}[which]
    response = anon_api.get(product_url(pk))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_promotions_lists_the_live_ones_in_start_order(menu, anon_api):
    response = anon_api.get(PROMOTIONS)
    assert response.status_code == 200
    assert response.json() == page([promotion_payload(menu, menu.latte_days), promotion_payload(menu, menu.fw_week)])


def test_promotions_of_products_off_the_menu_are_hidden(menu, anon_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        menu.flat_white.is_active = False
        menu.flat_white.save()
    assert [p["title"] for p in anon_api.get(PROMOTIONS).json()["results"]] == ["Latte Days"]


def test_promotion_boundaries_are_half_open(menu, anon_api, frozen):
    frozen.move_to(at(11))  # Latte Days ends exactly now
    assert [p["title"] for p in anon_api.get(PROMOTIONS).json()["results"]] == ["Flat White Week"]
    frozen.move_to(at(20))  # Spring starts exactly now
    assert [p["title"] for p in anon_api.get(PROMOTIONS).json()["results"]] == ["Spring"]


@pytest.mark.parametrize(
    ("url", "cold_queries"),
    [
        # 1: types with their active product counts (one aggregate query)
        (TYPES, 1),
        # 1: the type by slug, 2: its products
        (products_url("coffee"), 2),
        # 1: product + type, 2: specifications, 3: their options, 4: promotions (live and upcoming)
        ("detail", 4),
        # 1: active promotions ending after now, with product and type joined
        (PROMOTIONS, 1),
    ],
)
def test_reads_use_a_fixed_number_of_queries_then_none_when_warm(
    menu, anon_api, django_assert_num_queries, url, cold_queries
):
    url = product_url(menu.flat_white.pk) if url == "detail" else url
    with django_assert_num_queries(cold_queries):
        cold = anon_api.get(url)
    with django_assert_num_queries(0):
        warm = anon_api.get(url)
    assert cold.status_code == warm.status_code == 200
    assert cold.json() == warm.json()


def test_product_detail_query_count_does_not_grow_with_specifications(menu, anon_api, django_assert_num_queries):
    from tests.catalog.factories import SpecificationFactory, SpecificationOptionFactory

    for kind in ("size", "sweetness", "other"):
        spec = SpecificationFactory(product=menu.flat_white, kind=kind, name=kind)
        SpecificationOptionFactory.create_batch(4, specification=spec)
    with django_assert_num_queries(4):
        response = anon_api.get(product_url(menu.flat_white.pk))
    assert len(response.json()["specifications"]) == 6
    assert sum(len(s["options"]) for s in response.json()["specifications"]) == 17


@pytest.mark.parametrize("who", ["anonymous", "viewer", "outsider", "staff"])
def test_everyone_may_read_the_menu(menu, anon_api, api_as, viewer, outsider, staff_user, who):
    client = {
        "anonymous": anon_api,
        "viewer": api_as(viewer) if who == "viewer" else None,
        "outsider": api_as(outsider) if who == "outsider" else None,
        "staff": api_as(staff_user) if who == "staff" else None,
    }[who]
    for url in (TYPES, products_url("latte"), product_url(menu.flat_white.pk), PROMOTIONS):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("credentials", ["Bearer not-a-token", "Bearer expired", "Basic eDp5"])
def test_a_stale_or_foreign_credential_does_not_hide_the_menu(menu, anon_api, owner, credentials):
    """The menu looks at no credentials: a client whose token expired still reads it."""
    if credentials == "Bearer expired":
        from rest_framework_simplejwt.tokens import AccessToken

        token = AccessToken.for_user(owner)
        token.set_exp(lifetime=-dt.timedelta(minutes=1))
        credentials = f"Bearer {token}"
    anon_api.credentials(HTTP_AUTHORIZATION=credentials)
    for url in (TYPES, products_url("latte"), product_url(menu.flat_white.pk), PROMOTIONS):
        assert anon_api.get(url).status_code == 200, url
    # The staff API still refuses the same credentials.
    assert anon_api.post(TYPES.replace("/catalog/", "/catalog/admin/"), {}).status_code == 401


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_public_read_endpoints_refuse_writes(menu, api_as, staff_user, method):
    response = getattr(api_as(staff_user), method)(TYPES, {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
