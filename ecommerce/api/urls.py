from django.urls import path

from accounts.api.insights import insight_view
from ecommerce.api import imports, views

urlpatterns = [
    path("imports/", imports.ImportJobListView.as_view(), name="ecommerce-import-list"),
    path("imports/<int:pk>", imports.ImportJobDetailView.as_view(), name="ecommerce-import-detail"),
    path("kpis", insight_view("ecommerce.kpis"), name="ecommerce-kpis"),
    path("series", insight_view("ecommerce.series"), name="ecommerce-series"),
    path("countries", insight_view("ecommerce.countries"), name="ecommerce-countries"),
    path("countries/<str:name>", insight_view("ecommerce.country"), name="ecommerce-country"),
    path("transactions", views.TransactionsView.as_view(), name="ecommerce-transactions"),
    path("returns", views.ReturnsView.as_view(), name="ecommerce-returns"),
    path("customers/top", insight_view("ecommerce.customers_top"), name="ecommerce-customers-top"),
    path("customers/segments", insight_view("ecommerce.segments"), name="ecommerce-customers-segments"),
    path("customers/lifetime-value", insight_view("ecommerce.lifetime_value"), name="ecommerce-customers-ltv"),
    path("customers/cohorts", insight_view("ecommerce.cohorts"), name="ecommerce-customers-cohorts"),
    path("products/top", insight_view("ecommerce.products_top"), name="ecommerce-products-top"),
    path("products/returned", insight_view("ecommerce.products_returned"), name="ecommerce-products-returned"),
    # After the fixed paths above, which no customer id or stock code of the data spells.
    path("customers/<str:customer_id>", insight_view("ecommerce.customer"), name="ecommerce-customer"),
    path("products/<str:stock_code>", insight_view("ecommerce.product"), name="ecommerce-product"),
    path("revenue/monthly", insight_view("ecommerce.revenue_monthly"), name="ecommerce-revenue-monthly"),
    path("revenue/growth", insight_view("ecommerce.revenue_growth"), name="ecommerce-revenue-growth"),
    path("revenue/by-hour", insight_view("ecommerce.by_hour"), name="ecommerce-revenue-by-hour"),
    path("revenue/by-weekday", insight_view("ecommerce.by_weekday"), name="ecommerce-revenue-by-weekday"),
    path("forecast", insight_view("ecommerce.forecast"), name="ecommerce-forecast"),
]
