from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Coffee-shop catalog"
    demo_loader = "catalog.demo.load"  # manage.py demo (config.demo)
    demo_order = 40
    demo_per_workspace = False  # one menu for the installation

    def ready(self) -> None:
        from catalog.models import (
            CACHE_NAMESPACE,
            Product,
            ProductType,
            Promotion,
            Specification,
            SpecificationOption,
        )
        from config.cache import bump_on_change

        # One menu for the installation: its data version belongs to no workspace.
        for model in (ProductType, Product, Specification, SpecificationOption, Promotion):
            bump_on_change(model, CACHE_NAMESPACE, workspace_field=None)
