"""Promotions appear at their start and disappear at their end without any write, and
overlapping ones are refused."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from catalog import services
from catalog.models import Promotion
from config.errors import Invalid
from tests.catalog.conftest import at

pytestmark = pytest.mark.django_db

PROMOTIONS = "/api/v1/catalog/promotions"


def live_titles(client):
    return [p["title"] for p in client.get(PROMOTIONS).json()["results"]]


def test_promotions_come_and_go_on_time_without_writes(menu, anon_api, frozen, django_assert_num_queries):
    assert live_titles(anon_api) == ["Latte Days", "Flat White Week"]
    frozen.move_to(at(10, 23))  # before the next boundary (Latte Days ends 03-11): still cached
    with django_assert_num_queries(0):
        assert live_titles(anon_api) == ["Latte Days", "Flat White Week"]
    frozen.move_to(at(11))  # Latte Days ends: recomputed once, then cached again
    with django_assert_num_queries(1):
        assert live_titles(anon_api) == ["Flat White Week"]
    with django_assert_num_queries(0):
        assert live_titles(anon_api) == ["Flat White Week"]
    frozen.move_to(at(15))
    assert live_titles(anon_api) == []
    frozen.move_to(at(20))  # Spring starts
    assert live_titles(anon_api) == ["Spring"]
    frozen.move_to(at(1, month=4))
    assert live_titles(anon_api) == []


def test_product_detail_and_menu_page_follow_promotion_times(menu, anon_api, client, frozen):
    url = f"/api/v1/catalog/products/{menu.flat_white.pk}"
    assert [p["title"] for p in anon_api.get(url).json()["promotions"]] == ["Latte Days", "Flat White Week"]
    assert "Latte Days" in client.get("/menu/").content.decode()
    frozen.move_to(at(11, 0))
    assert [p["title"] for p in anon_api.get(url).json()["promotions"]] == ["Flat White Week"]
    assert "Latte Days" not in client.get("/menu/").content.decode()
    frozen.move_to(at(20))
    assert anon_api.get(url).json()["promotions"] == []
    assert "Spring" in client.get("/menu/").content.decode()


def test_reads_without_promotions_never_expire_by_time(menu, anon_api, frozen, django_assert_num_queries):
    anon_api.get("/api/v1/catalog/types")
    frozen.move_to(at(11, 11))  # past a promotion boundary, within the cache timeout
    with django_assert_num_queries(0):
        anon_api.get("/api/v1/catalog/types")


@pytest.mark.parametrize(
    ("starts", "ends", "target", "allowed"),
    [
        (at(15), at(20), "product", True),  # starts exactly when Flat White Week ends
        (at(1), at(8), "product", True),  # ends exactly when it starts
        (at(14, 23), at(20), "product", False),  # overlaps its last hour
        (at(9), at(10), "product", False),  # inside it
        (at(1), at(31), "product", False),  # around it
        (at(9), at(10), "other_product", True),  # another product
        (at(9), at(10), "type", False),  # Latte Days covers the latte type then
        (at(11), at(12), "type", True),  # after Latte Days
        (at(9), at(10), "none", True),  # whole-menu promotions may overlap
    ],
)
def test_overlap_is_same_target_active_and_half_open(menu, starts, ends, target, allowed):
    target_fields = {
        "product": {"product": menu.flat_white},
        "other_product": {"product": menu.americano},
        "type": {"product_type": menu.latte},
        "none": {},
    }[target]
    if allowed:
        services.promotion_create(title="New", starts_at=starts, ends_at=ends, **target_fields)
        assert Promotion.objects.filter(title="New").exists()
    else:
        with pytest.raises(Invalid) as raised:
            services.promotion_create(title="New", starts_at=starts, ends_at=ends, **target_fields)
        assert "starts_at" in raised.value.fields
        assert not Promotion.objects.filter(title="New").exists()


def test_inactive_promotions_never_overlap(menu):
    services.promotion_create(
        title="Draft 2", product=menu.flat_white, starts_at=at(9), ends_at=at(10), is_active=False
    )
    with pytest.raises(Invalid):
        services.promotion_update(promotion=Promotion.objects.get(title="Draft 2"), is_active=True)


def test_database_refuses_inverted_dates_and_two_targets(menu):
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.create(title="Inverted", starts_at=at(5), ends_at=at(4))
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.create(
            title="Both", product=menu.flat_white, product_type=menu.latte, starts_at=at(4), ends_at=at(5)
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_postgresql_refuses_overlaps_even_past_the_service(menu):
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.create(title="Raw", product=menu.flat_white, starts_at=at(9), ends_at=at(10))
    with pytest.raises(IntegrityError), transaction.atomic():
        Promotion.objects.create(title="Raw type", product_type=menu.latte, starts_at=at(9), ends_at=at(10))
    Promotion.objects.create(title="Adjacent", product=menu.flat_white, starts_at=at(15), ends_at=at(16))
    Promotion.objects.create(
        title="Inactive", product=menu.flat_white, starts_at=at(9), ends_at=at(10), is_active=False
    )


def test_next_boundary_is_exact_to_the_microsecond(menu, anon_api):
    anon_api.get(PROMOTIONS)
    with time_machine.travel(at(11) - dt.timedelta(microseconds=1), tick=False):
        assert "Latte Days" in live_titles(anon_api)
    with time_machine.travel(at(11), tick=False):
        assert "Latte Days" not in live_titles(anon_api)
