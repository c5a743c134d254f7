from django.urls import path

from ecommerce import views

app_name = "ecommerce"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("customers/", views.CustomersView.as_view(), name="customers"),
    path("products/", views.ProductsView.as_view(), name="products"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
]
