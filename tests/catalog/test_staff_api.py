import pytest

from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption

pytestmark = pytest.mark.django_db

ADMIN = "/api/v1/catalog/admin"


@pytest.fixture
def staff_api(api_as, staff_user):
    return api_as(staff_user)


def write_calls(menu):
    """(method, url, body) for every staff write."""
    return [
        ("post", f"{ADMIN}/types", {"name": "Tea", "slug": "tea"}),
        ("patch", f"{ADMIN}/types/{menu.coffee.pk}", {"menu_order": 9}),
        ("delete", f"{ADMIN}/types/{menu.seasonal.pk}", None),
        ("post", f"{ADMIN}/products", {"type": menu.coffee.pk, "name": "Mocha", "price": "4.00"}),
        ("patch", f"{ADMIN}/products/{menu.espresso.pk}", {"price": "2.80"}),
        ("delete", f"{ADMIN}/products/{menu.espresso.pk}", None),
        ("post", f"{ADMIN}/specifications", {"product": menu.americano.pk, "kind": "size", "name": "Size"}),
        ("patch", f"{ADMIN}/specifications/{menu.milk.pk}", {"name": "Dairy"}),
        ("delete", f"{ADMIN}/specifications/{menu.extras.pk}", None),
        ("post", f"{ADMIN}/options", {"specification": menu.milk.pk, "name": "Soy", "price_delta": "0.40"}),
        ("patch", f"{ADMIN}/options/{menu.oat.pk}", {"price_delta": "0.60"}),
        ("delete", f"{ADMIN}/options/{menu.iced.pk}", None),
        (
            "post",
            f"{ADMIN}/promotions",
            {"title": "New", "starts_at": "2026-05-01T00:00:00Z", "ends_at": "2026-05-02T00:00:00Z"},
        ),
        ("patch", f"{ADMIN}/promotions/{menu.spring.pk}", {"title": "Spring!"}),
        ("delete", f"{ADMIN}/promotions/{menu.ended.pk}", None),
    ]


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (ProductType, Product, Specification, SpecificationOption, Promotion)
    ]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("viewer", 403), ("owner", 403), ("outsider", 403)])
def test_writes_are_for_staff_only(menu, anon_api, api_as, viewer, owner, outsider, who, status):
    client = anon_api if who == "anonymous" else api_as({"viewer": viewer, "owner": owner, "outsider": outsider}[who])
    before = snapshot()
    for method, url, body in write_calls(menu):
        response = getattr(client, method)(url, body)
        assert response.status_code == status, (method, url)
        assert response.json()["error"]["code"] == ("not_authenticated" if status == 401 else "permission_denied")
    assert snapshot() == before


def test_staff_lists_include_inactive_rows_and_non_staff_cannot_read_them(menu, staff_api, api_as, viewer):
    response = staff_api.get(f"{ADMIN}/types")
    assert [row["slug"] for row in response.json()["results"]] == ["seasonal", "coffee", "latte"]
    assert api_as(viewer).get(f"{ADMIN}/types").status_code == 403


def test_every_staff_write_succeeds(menu, staff_api, django_capture_on_commit_callbacks):
    expected = {"post": 201, "patch": 200, "delete": 204}
    for method, url, body in write_calls(menu):
        if url.endswith(f"types/{menu.seasonal.pk}"):
            Product.objects.filter(type=menu.seasonal).delete()  # a type with products cannot go
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(staff_api, method)(url, body)
        assert response.status_code == expected[method], (method, url, response.content)


def test_staff_creates_a_product_with_exact_payload(menu, staff_api):
    response = staff_api.post(
        f"{ADMIN}/products",
        {"type": menu.coffee.pk, "name": "Mocha", "price": "4.5", "description": "Chocolate.", "is_hot": True},
    )
    assert response.status_code == 201
    body = response.json()
    product = Product.objects.get(name="Mocha")
    assert body == {
        "id": product.pk,
        "type": menu.coffee.pk,
        "name": "Mocha",
        "description": "Chocolate.",
        "price": "4.50",
        "image_url": "",
        "is_hot": True,
        "is_active": True,
        "menu_order": 0,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].startswith("2026-03-10T12:00:")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "products", {"type": "coffee", "name": "Free", "price": "-0.01"}, "price"),
        ("patch", "products/espresso", {"price": "-1"}, "price"),
        ("post", "products", {"type": "coffee", "name": "Americano", "price": "1"}, "non_field_errors"),
        (
            "post",
            "products",
            {"type": "coffee", "name": "X", "price": "1", "image_url": "javascript:alert(1)"},
            "image_url",
        ),
        ("post", "options", {"specification": "milk", "name": "Gold", "price_delta": "-0.50"}, "price_delta"),
        ("patch", "specifications/milk", {"default_option": "iced"}, "default_option"),
        (
            "post",
            "specifications",
            {"product": "espresso", "kind": "dairy", "name": "M", "default_option": "oat"},
            "default_option",
        ),
        ("patch", "options/oat", {"specification": "espresso_size"}, "specification"),
        ("post", "types", {"name": "Coffee", "slug": "coffee-2"}, "name"),
        ("post", "types", {"name": "Bad", "slug": "not a slug"}, "slug"),
        (
            "post",
            "promotions",
            {"title": "Inverted", "starts_at": "2026-05-02T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"},
            "ends_at",
        ),
        (
            "post",
            "promotions",
            {"title": "Empty", "starts_at": "2026-05-01T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"},
            "ends_at",
        ),
        (
            "post",
            "promotions",
            {
                "title": "Clash",
                "product": "flat_white",
                "starts_at": "2026-03-14T00:00:00Z",
                "ends_at": "2026-03-20T00:00:00Z",
            },
            "starts_at",
        ),
        (
            "post",
            "promotions",
            {
                "title": "Type clash",
                "product_type": "latte",
                "starts_at": "2026-03-01T00:00:00Z",
                "ends_at": "2026-03-02T00:00:00Z",
            },
            "starts_at",
        ),
        (
            "post",
            "promotions",
            {
                "title": "Both",
                "product": "flat_white",
                "product_type": "latte",
                "starts_at": "2026-06-01T00:00:00Z",
                "ends_at": "2026-06-02T00:00:00Z",
            },
            "product_type",
        ),
        ("patch", "promotions/fw_week", {"ends_at": "2026-03-08T00:00:00Z"}, "ends_at"),
        ("patch", "promotions/draft", {"is_active": True, "product": "flat_white"}, "starts_at"),
        ("post", "products", {"type": "coffee", "name": "Huge", "price": "123456789"}, "price"),
        ("post", "products", {"type": 999999, "name": "Nowhere", "price": "1"}, "type"),
    ],
)
def test_bad_input_answers_400_and_writes_nothing(menu, staff_api, method, path, body, field):
    espresso_size = Specification.objects.create(product=menu.espresso, kind="size", name="Size")
    refs = {
        "coffee": menu.coffee.pk,
        "latte": menu.latte.pk,
        "espresso": menu.espresso.pk,
        "flat_white": menu.flat_white.pk,
        "milk": menu.milk.pk,
        "iced": menu.iced.pk,
        "oat": menu.oat.pk,
        "fw_week": menu.fw_week.pk,
        "draft": menu.draft.pk,
        "espresso_size": espresso_size.pk,
    }
    body = {key: refs.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    if "/" in path:
        name, ref = path.split("/")
        path = f"{name}/{refs[ref]}"
    before = snapshot()
    response = getattr(staff_api, method)(f"{ADMIN}/{path}", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert snapshot() == before


def test_option_of_another_products_specification_is_refused_with_a_clear_message(menu, staff_api):
    response = staff_api.patch(f"{ADMIN}/specifications/{menu.milk.pk}", {"default_option": menu.iced.pk})
    assert response.json()["error"]["fields"] == {
        "default_option": ["The default option must be one of this specification's own options."]
    }


def test_overlap_message_names_the_clashing_promotion(menu, staff_api):
    response = staff_api.post(
        f"{ADMIN}/promotions",
        {
            "title": "Clash",
            "product": menu.flat_white.pk,
            "starts_at": "2026-03-14T00:00:00Z",
            "ends_at": "2026-03-20T00:00:00Z",
        },
    )
    assert response.json()["error"]["fields"] == {
        "starts_at": [
            f"Overlaps the active promotion “Flat White Week” (#{menu.fw_week.pk}, 2026-03-08T00:00:00+00:00 to "
            "2026-03-15T00:00:00+00:00) for the same target."
        ]
    }


def test_deleting_a_type_with_products_conflicts(menu, staff_api):
    response = staff_api.delete(f"{ADMIN}/types/{menu.coffee.pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert ProductType.objects.filter(pk=menu.coffee.pk).exists()


@pytest.mark.parametrize("path", ["types", "products", "specifications", "options", "promotions"])
def test_unknown_ids_answer_404(menu, staff_api, path):
    for method in ("get", "patch", "delete"):
        response = getattr(staff_api, method)(f"{ADMIN}/{path}/987654", {})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_service_error_maps_its_field_to_a_list_of_messages(menu, staff_api):
    # catalog.services raises {"product": "<a sentence>"}: the error shape still lists it.
    response = staff_api.patch(f"{ADMIN}/specifications/{menu.milk.pk}", {"product": menu.espresso.pk})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "product: A specification stays with its product; create one on the other product.",
        "fields": {"product": ["A specification stays with its product; create one on the other product."]},
    }
