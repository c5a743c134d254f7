from django.urls import path

from ecommerce.api import imports

urlpatterns: list = [
    # Imports
    path("imports/", imports.ImportJobListView.as_view(), name="ecommerce-import-list"),
    path("imports/<int:pk>", imports.ImportJobDetailView.as_view(), name="ecommerce-import-detail"),
]
