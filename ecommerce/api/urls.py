from django.urls import path

from ecommerce.api import imports, views

urlpatterns = [
    path("imports/", imports.ImportJobListView.as_view(), name="ecommerce-import-list"),
    path("imports/<int:pk>", imports.ImportJobDetailView.as_view(), name="ecommerce-import-detail"),
    path("kpis", views.KpisView.as_view(), name="ecommerce-kpis"),
    path("series", views.SeriesView.as_view(), name="ecommerce-series"),
    path("countries", views.CountriesView.as_view(), name="ecommerce-countries"),
    path("countries/<str:name>", views.CountryDetailView.as_view(), name="ecommerce-country"),
    path("transactions", views.TransactionsView.as_view(), name="ecommerce-transactions"),
    path("customers/top", views.TopCustomersView.as_view(), name="ecommerce-customers-top"),
    path("customers/segments", views.SegmentsView.as_view(), name="ecommerce-customers-segments"),
    path("customers/lifetime-value", views.LifetimeValueView.as_view(), name="ecommerce-customers-ltv"),
    path("customers/cohorts", views.CohortsView.as_view(), name="ecommerce-customers-cohorts"),
    path("products/top", views.TopProductsView.as_view(), name="ecommerce-products-top"),
    path("revenue/monthly", views.RevenueMonthlyView.as_view(), name="ecommerce-revenue-monthly"),
    path("revenue/growth", views.RevenueGrowthView.as_view(), name="ecommerce-revenue-growth"),
    path("revenue/by-hour", views.RevenueByHourView.as_view(), name="ecommerce-revenue-by-hour"),
    path("revenue/by-weekday", views.RevenueByWeekdayView.as_view(), name="ecommerce-revenue-by-weekday"),
    path("forecast", views.ForecastView.as_view(), name="ecommerce-forecast"),
]
