"""Writes to the menu. Each one validates the whole row (``full_clean``: field validators, the
model's ``clean`` and its constraints) and saves; the write moves the cached menu to a new
version on commit, as every write of a menu model does (see :mod:`catalog.models`).
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError

from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption
from config.errors import Conflict, Invalid
from config.services import model_update

M = TypeVar("M", bound=models.Model)


def _apply(instance: M, changes: dict[str, Any], allowed: Iterable[str]) -> M:
    """``changes`` set on ``instance``, unsaved: the whole row is validated before it is saved."""
    instance, _ = model_update(instance=instance, fields=allowed, data=changes, save=False)
    return instance


def _validated_save(instance: M) -> M:
    """Validate the whole row, then save it; an invalid row is :class:`Invalid` with its fields."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise Invalid.from_model_error(error) from error
    instance.save()
    return instance


def _delete(instance: models.Model) -> None:
    try:
        instance.delete()
    except ProtectedError as exc:
        raise Conflict(f"{instance} is still used by {len(exc.protected_objects)} row(s); remove them first.") from exc


# --- product types ---------------------------------------------------------------------
TYPE_FIELDS = ("name", "slug", "menu_order", "is_active")


@transaction.atomic
def product_type_create(*, name: str, slug: str, menu_order: int = 0, is_active: bool = True) -> ProductType:
    return _validated_save(ProductType(name=name, slug=slug, menu_order=menu_order, is_active=is_active))


@transaction.atomic
def product_type_update(*, product_type: ProductType, **changes: Any) -> ProductType:
    return _validated_save(_apply(product_type, changes, TYPE_FIELDS))


@transaction.atomic
def product_type_delete(*, product_type: ProductType) -> None:
    """Refused (409) while the type still has products: delete or move them first."""
    _delete(product_type)


# --- products --------------------------------------------------------------------------
PRODUCT_FIELDS = ("type", "name", "description", "price", "image_url", "is_hot", "is_active", "menu_order")


@transaction.atomic
def product_create(*, type: ProductType, name: str, price, **fields: Any) -> Product:
    return _validated_save(_apply(Product(type=type, name=name, price=price), fields, PRODUCT_FIELDS))


@transaction.atomic
def product_update(*, product: Product, **changes: Any) -> Product:
    return _validated_save(_apply(product, changes, PRODUCT_FIELDS))


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Deletes the product with its specifications, options and promotions."""
    _delete(product)


# --- specifications and options --------------------------------------------------------
SPECIFICATION_FIELDS = ("product", "kind", "name", "required", "default_option", "menu_order")
OPTION_FIELDS = ("specification", "name", "price_delta", "menu_order")


@transaction.atomic
def specification_create(*, product: Product, kind: str, name: str, **fields: Any) -> Specification:
    return _validated_save(_apply(Specification(product=product, kind=kind, name=name), fields, SPECIFICATION_FIELDS))


@transaction.atomic
def specification_update(*, specification: Specification, **changes: Any) -> Specification:
    if "product" in changes and changes["product"].pk != specification.product_id:
        raise Invalid.on("product", "A specification stays with its product; create one on the other product.")
    return _validated_save(_apply(specification, changes, SPECIFICATION_FIELDS))


@transaction.atomic
def specification_delete(*, specification: Specification) -> None:
    _delete(specification)


@transaction.atomic
def specification_option_create(
    *, specification: Specification, name: str, make_default: bool = False, **fields: Any
) -> SpecificationOption:
    option = _validated_save(_apply(SpecificationOption(specification=specification, name=name), fields, OPTION_FIELDS))
    if make_default:
        specification_update(specification=specification, default_option=option)
    return option


@transaction.atomic
def specification_option_update(*, option: SpecificationOption, **changes: Any) -> SpecificationOption:
    """An option may move to another specification of the same product, never to another
    product's; moving the default option away clears that default."""
    target = changes.get("specification")
    if target is not None and target.pk != option.specification_id:
        current = Specification.objects.select_for_update().get(pk=option.specification_id)
        if target.product_id != current.product_id:
            raise Invalid.on(
                "specification", "This specification belongs to another product; an option cannot move there."
            )
        if current.default_option_id == option.pk:
            Specification.objects.filter(pk=current.pk).update(default_option=None)
    return _validated_save(_apply(option, changes, OPTION_FIELDS))


@transaction.atomic
def specification_option_delete(*, option: SpecificationOption) -> None:
    _delete(option)


# --- promotions ------------------------------------------------------------------------
PROMOTION_FIELDS = (
    "title",
    "body",
    "image_url",
    "product",
    "product_type",
    "starts_at",
    "ends_at",
    "is_active",
)


def _lock_target(promotion: Promotion) -> None:
    """Serialise writes of promotions of one target, so two concurrent writers cannot both pass
    the overlap check. A row lock on PostgreSQL; SQLite runs one writer at a time anyway."""
    if promotion.product_id is not None:
        list(Product.objects.select_for_update().filter(pk=promotion.product_id).values_list("pk"))
    elif promotion.product_type_id is not None:
        list(ProductType.objects.select_for_update().filter(pk=promotion.product_type_id).values_list("pk"))


@transaction.atomic
def promotion_save(*, promotion: Promotion) -> Promotion:
    """Validate (dates, one target, no overlap with another active promotion of the same target)
    under the target's lock, then save. The admin saves promotions through here too."""
    _lock_target(promotion)
    try:
        with transaction.atomic():
            return _validated_save(promotion)
    except IntegrityError as exc:  # PostgreSQL's exclusion constraint: a writer we did not see
        raise Invalid.on("starts_at", "Overlaps another active promotion for the same target.") from exc


def promotion_create(*, title: str, starts_at, ends_at, **fields: Any) -> Promotion:
    promotion = Promotion(title=title, starts_at=starts_at, ends_at=ends_at)
    return promotion_save(promotion=_apply(promotion, fields, PROMOTION_FIELDS))


def promotion_update(*, promotion: Promotion, **changes: Any) -> Promotion:
    return promotion_save(promotion=_apply(promotion, changes, PROMOTION_FIELDS))


@transaction.atomic
def promotion_delete(*, promotion: Promotion) -> None:
    _delete(promotion)


# --- bulk writes (admin actions) -------------------------------------------------------
@transaction.atomic
def catalog_set_active(*, queryset: models.QuerySet, is_active: bool) -> int:
    """(De)activate every row of ``queryset`` (types, products or promotions) in one statement.

    Activating promotions checks each one for overlaps (with the active ones and with each
    other) and changes nothing when one clashes.
    """
    if queryset.model is Promotion and is_active:
        changed = 0
        for promotion in queryset.filter(is_active=False).order_by("starts_at", "pk"):
            promotion.is_active = True
            _lock_target(promotion)
            clash = Promotion.objects.overlapping(promotion).first()
            if clash is not None:
                raise Invalid.on(
                    "is_active", f"“{promotion.title}” would overlap the active promotion “{clash.title}”."
                )
            changed += Promotion.objects.filter(pk=promotion.pk).update(is_active=True)
    else:
        changed = queryset.exclude(is_active=is_active).update(is_active=is_active)
    return changed


@transaction.atomic
def product_set_hot(*, queryset: models.QuerySet, is_hot: bool) -> int:
    changed = queryset.exclude(is_hot=is_hot).update(is_hot=is_hot)
    return changed


@transaction.atomic
def catalog_delete(*, queryset: models.QuerySet) -> int:
    """Delete every row of ``queryset`` (admin "delete selected"); 409 when a row is protected."""
    try:
        deleted, _ = queryset.delete()
    except ProtectedError as exc:
        raise Conflict(f"{len(exc.protected_objects)} product(s) still use these types; remove them first.") from exc
    return deleted
