from django.urls import URLPattern, URLResolver, path

from reports import alert_pages, pages

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = []

# --- alerts ---------------------------------------------------------------------------------
urlpatterns += [
    path("alerts/", alert_pages.RuleListPage.as_view(), name="alert-rules"),
    path("alerts/new", alert_pages.RuleCreatePage.as_view(), name="alert-rule-new"),
    path("alerts/<int:pk>/", alert_pages.RulePage.as_view(), name="alert-rule"),
    path("alerts/<int:pk>/test", alert_pages.RuleTestPage.as_view(), name="alert-rule-test"),
    path("alerts/<int:pk>/delete", alert_pages.RuleDeletePage.as_view(), name="alert-rule-delete"),
    path("alerts/incidents/", alert_pages.IncidentsPage.as_view(), name="alert-incidents"),
    path("alerts/webhooks/", alert_pages.WebhooksPage.as_view(), name="alert-webhooks"),
    path("alerts/webhooks/<int:pk>/", alert_pages.WebhookPage.as_view(), name="alert-webhook"),
]

# Annotations and share links.
urlpatterns += [
    path("annotations/", pages.AnnotationsPage.as_view(), name="annotations"),
    path("share-links/", pages.ShareLinksPage.as_view(), name="share-links"),
]

# Digests: the member's subscription with a preview, and the mails' one-click unsubscribe.
urlpatterns += [
    path("digest/", pages.DigestPage.as_view(), name="digest"),
    path("digest/unsubscribe/<str:token>/", pages.UnsubscribeView.as_view(), name="digest-unsubscribe"),
]
