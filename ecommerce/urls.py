from django.urls import path

from ecommerce import detail_pages, import_pages, views

app_name = "ecommerce"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("customers/", views.CustomersView.as_view(), name="customers"),
    path("products/", views.ProductsView.as_view(), name="products"),
    path("countries/<str:name>/", detail_pages.CountryView.as_view(), name="country"),
    path("customers/<str:customer_id>/", detail_pages.CustomerView.as_view(), name="customer"),
    path("products/<str:stock_code>/", detail_pages.ProductView.as_view(), name="product"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("imports/", import_pages.ImportsView.as_view(), name="imports"),
    path("imports/<int:pk>/progress", import_pages.ImportProgressView.as_view(), name="import-progress"),
]
