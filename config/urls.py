from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from accounts import views as account_views
from config import health, jobs_api, metrics
from config.exceptions import api_not_found
from reports.share_views import SharedCsvView, SharedDashboardView

admin.site.site_header = "Pulse administration"
admin.site.site_title = "Pulse admin"
admin.site.index_title = "Pulse"

# No two patterns here, nor at the top level, match the same path, so their order changes only
# how soon a path is found: first the API, tracking (the busiest endpoint by far) at its head.
# Then the apps under a prefix of their own, which any other path passes at one test, before the
# many patterns of the apps without one.
api_v1: list[URLPattern | URLResolver] = [
    path("", include("apimetrics.api.urls")),
    path("ecommerce/", include("ecommerce.api.urls")),
    path("sales/", include("sales.api.urls")),
    path("catalog/", include("catalog.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("reports.api.urls")),
    path("jobs/", jobs_api.JobListView.as_view(), name="job-list"),
    path("jobs/failures", jobs_api.FailureListView.as_view(), name="job-failures"),
    path("jobs/<str:name>/run", jobs_api.JobRunView.as_view(), name="job-run"),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"))),
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("sales/", include("sales.urls")),
    path("ecommerce/", include("ecommerce.urls")),
    path("api-metrics/", include("apimetrics.urls")),
    path("menu/", include("catalog.urls")),
    path("reports/", include("reports.urls")),
    # A shared dashboard (reports.sharing): no login, and nothing else reachable from it.
    path("s/<str:token>/", SharedDashboardView.as_view(), name="share"),
    path("s/<str:token>/csv/<str:name>", SharedCsvView.as_view(), name="share-csv"),
    path("admin/jobs/", admin.site.admin_view(jobs_api.admin_jobs_view), name="admin-jobs"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Its setup script is served by the same view (?script): no inline script (config.headers).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("health/", health.HealthView.as_view(), name="health"),
    path("health/detailed", health.DetailedHealthView.as_view(), name="health-detailed"),
    path("health/metrics", health.SystemMetricsView.as_view(), name="health-metrics"),
    path("health/redis-info", health.RedisInfoView.as_view(), name="health-redis-info"),
    path("metrics", metrics.metrics_view, name="prometheus-django-metrics"),
    # Keep last: any other path under /api/, /health/ or /metrics answers the JSON 404 (naming the
    # path's other form when that one is served), never a redirect.
    re_path(r"^(?:api|health|metrics)(?:/|$)", api_not_found),
]

handler400 = "config.exceptions.handler400"
handler403 = "config.exceptions.handler403"
handler404 = "config.exceptions.handler404"
handler500 = "config.exceptions.handler500"
