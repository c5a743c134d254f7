from django.urls import path
from rest_framework.routers import DynamicRoute, SimpleRouter

from accounts.api.insights import insight_view
from sales.api import views


class SalesRouter(SimpleRouter):
    """Collections and their objects end with a slash (``stores/``, ``stores/1/``), actions do not
    (``records/generate-fake``), as the docs write them. Each path has one form: the other answers
    the API's 404 naming this one (config.exceptions.api_not_found)."""

    routes = [
        route._replace(url=route.url.replace("{trailing_slash}", "")) if isinstance(route, DynamicRoute) else route
        for route in SimpleRouter.routes
    ]

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        # Ids are numbers: "records/generate-fake/" is not the record "generate-fake".
        return f"(?P<{lookup_prefix}{viewset.lookup_url_kwarg or viewset.lookup_field}>[0-9]+)"


router = SalesRouter()
router.register("stores", views.StoreViewSet, basename="sales-store")
router.register("records", views.RecordViewSet, basename="sales-record")

urlpatterns = [
    path("summary", insight_view("sales.summary"), name="sales-summary"),
    path("series", insight_view("sales.series"), name="sales-series"),
    path("top-users", insight_view("sales.top_users"), name="sales-top-users"),
    path("by-store", insight_view("sales.by_store"), name="sales-by-store"),
    path("by-store/<int:store_id>", insight_view("sales.store"), name="sales-store-figures"),
    path("insights", views.InsightsView.as_view(), name="sales-insights"),
    path("quality", views.QualityView.as_view(), name="sales-quality"),
    *router.urls,
]
