from django.db import transaction
from django.urls import path

from catalog.api import views


def read_only(view):
    """Public reads open no transaction: a warm read touches neither the database nor its
    connection (ATOMIC_REQUESTS would, and take SQLite's write lock)."""
    return transaction.non_atomic_requests(view)


urlpatterns = [
    path("types", read_only(views.ProductTypeListView.as_view()), name="catalog-types"),
    path(
        "types/<slug:slug>/products",
        read_only(views.TypeProductListView.as_view()),
        name="catalog-type-products",
    ),
    path("products/<int:pk>", read_only(views.ProductDetailView.as_view()), name="catalog-product"),
    path("promotions", read_only(views.PromotionListView.as_view()), name="catalog-promotions"),
    # Staff-only writes (and reads of inactive rows).
    path("admin/types", views.StaffTypeListView.as_view(), name="catalog-admin-types"),
    path("admin/types/<int:pk>", views.StaffTypeDetailView.as_view(), name="catalog-admin-type"),
    path("admin/products", views.StaffProductListView.as_view(), name="catalog-admin-products"),
    path("admin/products/<int:pk>", views.StaffProductDetailView.as_view(), name="catalog-admin-product"),
    path("admin/specifications", views.StaffSpecificationListView.as_view(), name="catalog-admin-specifications"),
    path(
        "admin/specifications/<int:pk>",
        views.StaffSpecificationDetailView.as_view(),
        name="catalog-admin-specification",
    ),
    path("admin/options", views.StaffOptionListView.as_view(), name="catalog-admin-options"),
    path("admin/options/<int:pk>", views.StaffOptionDetailView.as_view(), name="catalog-admin-option"),
    path("admin/promotions", views.StaffPromotionListView.as_view(), name="catalog-admin-promotions"),
    path("admin/promotions/<int:pk>", views.StaffPromotionDetailView.as_view(), name="catalog-admin-promotion"),
]
