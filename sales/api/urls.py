from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.insights import insight_view
from sales.api import views

# Optional trailing slash: `records/generate-fake` and `stores/1` work as written in the docs.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("stores", views.StoreViewSet, basename="sales-store")
router.register("records", views.RecordViewSet, basename="sales-record")

urlpatterns = [
    path("summary", insight_view("sales.summary"), name="sales-summary"),
    path("series", insight_view("sales.series"), name="sales-series"),
    path("top-users", insight_view("sales.top_users"), name="sales-top-users"),
    path("by-store", insight_view("sales.by_store"), name="sales-by-store"),
    path("insights", views.InsightsView.as_view(), name="sales-insights"),
    path("quality", views.QualityView.as_view(), name="sales-quality"),
    *router.urls,
]
