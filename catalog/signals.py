"""Every save and delete of a menu model invalidates the cached menu (bulk writes: see
``catalog.models.CatalogQuerySet``)."""

from django.db.models.signals import post_delete, post_save

from catalog.models import Product, ProductType, Promotion, Specification, SpecificationOption, invalidate_menu

MENU_MODELS = (ProductType, Product, Specification, SpecificationOption, Promotion)


def _invalidate(sender, **kwargs) -> None:
    invalidate_menu()


def connect() -> None:
    for model in MENU_MODELS:
        post_save.connect(_invalidate, sender=model, dispatch_uid=f"catalog-invalidate-save-{model.__name__}")
        post_delete.connect(_invalidate, sender=model, dispatch_uid=f"catalog-invalidate-delete-{model.__name__}")
