"""Reads of the public menu, each cached (namespace ``catalog``, no workspace).

Every cached value is plain JSON-ready data plus the instant it stops being true: the next
time a promotion it shows starts or ends (``None`` when time cannot change it). A value read
at or after that instant is recomputed, so promotions appear and disappear on time without
any write; writes move readers to a new cache version (see :mod:`catalog.models`).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from catalog.models import CACHE_NAMESPACE, Product, ProductType, Promotion, Specification, SpecificationOption
from config.cache import cached
from config.money import money

# Stale versions are never read again; this only bounds how long they occupy memory.
CACHE_TIMEOUT = 24 * 3600

Computed = tuple[Any, dt.datetime | None]
log = structlog.get_logger("pulse.cache")


def read_through(name: str, params: dict, compute: Callable[[], Computed]) -> Any:
    """``compute()`` returns ``(value, valid_until)``: the value is cached under the menu's data
    version (``config.cache``, namespace ``catalog``, no workspace) and recomputed once
    ``valid_until`` (the next promotion boundary) has passed, so promotions appear and
    disappear on time without a write.
    """
    value, valid_until = cached(CACHE_NAMESPACE, None, name, params, compute, timeout=CACHE_TIMEOUT).value
    if valid_until is not None and timezone.now() >= valid_until:
        value, _ = cached(CACHE_NAMESPACE, None, name, params, compute, timeout=CACHE_TIMEOUT, refresh=True).value
    return value


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# --- rows ------------------------------------------------------------------------------
def _type_ref(product_type: ProductType) -> dict:
    return {"id": product_type.pk, "name": product_type.name, "slug": product_type.slug}


def _product_row(product: Product) -> dict:
    return {
        "id": product.pk,
        "name": product.name,
        "description": product.description,
        "price": money(product.price),
        "image_url": product.image_url or None,
        "is_hot": product.is_hot,
        "menu_order": product.menu_order,
    }


def _specification_row(specification: Specification) -> dict:
    return {
        "id": specification.pk,
        "kind": specification.kind,
        "name": specification.name,
        "required": specification.required,
        "default_option_id": specification.default_option_id,
        "options": [
            {"id": option.pk, "name": option.name, "price_delta": money(option.price_delta)}
            for option in specification.options.all()
        ],
    }


def _promotion_row(promotion: Promotion) -> dict:
    product, product_type = promotion.product, promotion.product_type
    return {
        "id": promotion.pk,
        "title": promotion.title,
        "body": promotion.body,
        "image_url": promotion.image_url or None,
        "product": {"id": product.pk, "name": product.name} if product else None,
        "product_type": _type_ref(product_type) if product_type else None,
        "starts_at": _iso(promotion.starts_at),
        "ends_at": _iso(promotion.ends_at),
    }


# --- promotions ------------------------------------------------------------------------
def _shown_promotions():
    """Active promotions whose target, if any, is itself on the menu."""
    return (
        Promotion.objects.filter(is_active=True)
        .exclude(product__is_active=False)
        .exclude(product__type__is_active=False)
        .exclude(product_type__is_active=False)
        .select_related("product", "product_type")
        .order_by("starts_at", "id")
    )


def _live_and_next_boundary(promotions: Iterable[Promotion], now: dt.datetime) -> tuple[list, dt.datetime | None]:
    """The promotions live at ``now`` and the first instant after it when that set changes."""
    live, boundaries = [], []
    for promotion in promotions:
        if promotion.starts_at <= now < promotion.ends_at:
            live.append(promotion)
            boundaries.append(promotion.ends_at)
        elif promotion.starts_at > now:
            boundaries.append(promotion.starts_at)
    return live, min(boundaries, default=None)


def _live_promotions(now: dt.datetime, queryset=None) -> tuple[list[dict], dt.datetime | None]:
    queryset = _shown_promotions() if queryset is None else queryset
    live, valid_until = _live_and_next_boundary(queryset.filter(ends_at__gt=now), now)
    return [_promotion_row(promotion) for promotion in live], valid_until


def live_promotions() -> list[dict]:
    """Promotions shown now (``starts_at <= now < ends_at``), in start order."""
    return read_through("promotions", {}, lambda: _live_promotions(timezone.now()))


# --- types and products ----------------------------------------------------------------
def _menu_types():
    return ProductType.objects.filter(is_active=True).order_by("menu_order", "name", "id")


def _product_types() -> Computed:
    types = _menu_types().annotate(product_count=Count("products", filter=Q(products__is_active=True)))
    rows = [{**_type_ref(t), "menu_order": t.menu_order, "product_count": t.product_count} for t in types]
    return rows, None


def product_types() -> list[dict]:
    """Active product types in menu order, with how many active products each has."""
    return read_through("types", {}, _product_types)


def _type_products(slug: str, is_hot: bool | None) -> Computed:
    product_type = _menu_types().filter(slug=slug).first()
    if product_type is None:
        return None, None
    products = product_type.products.filter(is_active=True)
    if is_hot is not None:
        products = products.filter(is_hot=is_hot)
    return [_product_row(product) for product in products.order_by("menu_order", "name", "id")], None


def type_products(*, slug: str, is_hot: bool | None = None) -> list[dict] | None:
    """Active products of an active type in menu order; None when there is no such type."""
    return read_through("type-products", {"slug": slug, "is_hot": is_hot}, lambda: _type_products(slug, is_hot))


def _specifications_prefetch() -> Prefetch:
    return Prefetch(
        "specifications",
        queryset=Specification.objects.order_by("menu_order", "id").prefetch_related(
            Prefetch("options", queryset=SpecificationOption.objects.order_by("menu_order", "id"))
        ),
    )


def _product_detail(product_id: int) -> Computed:
    # 1 query for the product and its type, 1 for specifications, 1 for options, 1 for promotions.
    product = (
        Product.objects.filter(pk=product_id, is_active=True, type__is_active=True)
        .select_related("type")
        .prefetch_related(_specifications_prefetch())
        .first()
    )
    if product is None:
        return None, None
    now = timezone.now()
    promotions, valid_until = _live_promotions(
        now, _shown_promotions().filter(Q(product=product) | Q(product_type_id=product.type_id))
    )
    detail = {
        **_product_row(product),
        "type": _type_ref(product.type),
        "specifications": [_specification_row(spec) for spec in product.specifications.all()],
        "promotions": promotions,
    }
    return detail, valid_until


def product_detail(*, product_id: int) -> dict | None:
    """An active product with its specifications (options and price deltas) and its live
    promotions (its own and its type's); None when it is not on the menu."""
    return read_through("product", {"id": product_id}, lambda: _product_detail(product_id))


def _menu() -> Computed:
    # 5 queries whatever the size of the menu: types, products, specifications, options, promotions.
    types = list(_menu_types())
    products = (
        Product.objects.filter(is_active=True, type__in=[t.pk for t in types])
        .order_by("menu_order", "name", "id")
        .prefetch_related(_specifications_prefetch())
    )
    by_type: dict[int, list[dict]] = {t.pk: [] for t in types}
    for product in products:
        by_type[product.type_id].append(
            {
                **_product_row(product),
                "specifications": [_specification_row(spec) for spec in product.specifications.all()],
            }
        )
    promotions, valid_until = _live_promotions(timezone.now())
    sections = [{**_type_ref(t), "products": by_type[t.pk]} for t in types if by_type[t.pk]]
    return {"sections": sections, "promotions": promotions}, valid_until


def menu_with_expiry() -> Computed:
    """The whole public menu (uncached, for the HTML page, which caches its rendering): non-empty
    types in menu order with their products and options, the live promotions, and the instant
    the promotions next change."""
    return _menu()
