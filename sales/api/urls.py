from django.urls import path
from rest_framework.routers import SimpleRouter

from sales.api import views

# Optional trailing slash: `records/generate-fake` and `stores/1` work as written in the docs.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("stores", views.StoreViewSet, basename="sales-store")
router.register("records", views.RecordViewSet, basename="sales-record")

urlpatterns = [
    path("summary", views.SummaryView.as_view(), name="sales-summary"),
    path("series", views.SeriesView.as_view(), name="sales-series"),
    path("top-users", views.TopUsersView.as_view(), name="sales-top-users"),
    path("by-store", views.ByStoreView.as_view(), name="sales-by-store"),
    path("insights", views.InsightsView.as_view(), name="sales-insights"),
    path("quality", views.QualityView.as_view(), name="sales-quality"),
    *router.urls,
]
