from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from reports.api import alerts, annotations, digests, sharing

urlpatterns: list[URLPattern | URLResolver] = []

# --- alerts ---------------------------------------------------------------------------------
urlpatterns += [
    path("alerts/rules/", alerts.RuleViewSet.as_view({"get": "list", "post": "create"}), name="alert-rules"),
    path(
        "alerts/rules/<int:pk>/",
        alerts.RuleViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="alert-rule",
    ),
    path("alerts/rules/<int:pk>/test", alerts.RuleViewSet.as_view({"post": "test"}), name="alert-rule-test"),
    path("alerts/incidents/", alerts.IncidentListView.as_view(), name="alert-incidents"),
    path("alerts/webhooks/", alerts.WebhookViewSet.as_view({"get": "list", "post": "create"}), name="alert-webhooks"),
    path(
        "alerts/webhooks/<int:pk>/",
        alerts.WebhookViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="alert-webhook",
    ),
    path(
        "alerts/webhooks/<int:pk>/deliveries",
        alerts.WebhookViewSet.as_view({"get": "deliveries"}),
        name="alert-webhook-deliveries",
    ),
]

# Annotations and share links (one router: detail routes end in a slash, as DESIGN §8 writes them).
_router = SimpleRouter()
_router.register("annotations", annotations.AnnotationViewSet, basename="annotation")
_router.register("share-links", sharing.ShareLinkViewSet, basename="share-link")
urlpatterns += _router.urls

# Digests: the caller's own subscription and its preview.
urlpatterns += [
    path("digests/subscription", digests.DigestSubscriptionView.as_view(), name="digest-subscription"),
    path("digests/preview", digests.DigestPreviewView.as_view(), name="digest-preview"),
]
