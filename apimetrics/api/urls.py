from django.urls import path

from accounts.api.insights import insight_view
from apimetrics.api import views

urlpatterns = [
    path("track", views.TrackView.as_view(), name="apimetrics-track"),
    path("projects/", views.ProjectListView.as_view(), name="apimetrics-projects"),
    path("projects/<slug:key>/", views.ProjectDetailView.as_view(), name="apimetrics-project"),
    path("projects/<slug:key>/api-keys/", views.ApiKeyListView.as_view(), name="apimetrics-keys"),
    path("projects/<slug:key>/api-keys/<int:pk>/", views.ApiKeyDetailView.as_view(), name="apimetrics-key"),
    path(
        "projects/<slug:key>/api-keys/<int:pk>/rotate", views.ApiKeyRotateView.as_view(), name="apimetrics-key-rotate"
    ),
    path("projects/<slug:key>/metrics/summary", insight_view("apimetrics.summary"), name="apimetrics-summary"),
    path(
        "projects/<slug:key>/metrics/time-series", insight_view("apimetrics.time_series"), name="apimetrics-time-series"
    ),
    path("projects/<slug:key>/metrics/endpoints", insight_view("apimetrics.endpoints"), name="apimetrics-endpoints"),
    path("projects/<slug:key>/metrics/consumers", insight_view("apimetrics.consumers"), name="apimetrics-consumers"),
    path(
        "projects/<slug:key>/metrics/slowest-endpoints",
        insight_view("apimetrics.slowest_endpoints"),
        name="apimetrics-slowest-endpoints",
    ),
    path(
        "projects/<slug:key>/metrics/endpoint", insight_view("apimetrics.endpoint_detail"), name="apimetrics-endpoint"
    ),
    path(
        "projects/<slug:key>/metrics/consumer", insight_view("apimetrics.consumer_detail"), name="apimetrics-consumer"
    ),
    path(
        "projects/<slug:key>/metrics/status-codes",
        insight_view("apimetrics.status_codes"),
        name="apimetrics-status-codes",
    ),
    path(
        "projects/<slug:key>/metrics/status-codes/time-series",
        insight_view("apimetrics.status_series"),
        name="apimetrics-status-series",
    ),
]
