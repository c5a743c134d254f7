from django.urls import path

from apimetrics import details, pages, views

app_name = "apimetrics"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="projects"),
    # Two segments: no project's key can shadow it (a key is one segment).
    path("projects/new", pages.ProjectCreatePage.as_view(), name="project-new"),
    path("<slug:key>/", views.ProjectDashboardView.as_view(), name="project"),
    path("<slug:key>/endpoint", details.EndpointPage.as_view(), name="endpoint"),
    path("<slug:key>/consumer", details.ConsumerPage.as_view(), name="consumer"),
    path("<slug:key>/settings/", pages.ProjectSettingsPage.as_view(), name="project-settings"),
    path("<slug:key>/delete", pages.ProjectDeletePage.as_view(), name="project-delete"),
    path("<slug:key>/keys/", pages.KeysPage.as_view(), name="project-keys"),
    path("<slug:key>/keys/<int:pk>/rotate", pages.KeyRotatePage.as_view(), name="key-rotate"),
    path("<slug:key>/keys/<int:pk>/revoke", pages.KeyRevokePage.as_view(), name="key-revoke"),
    path("<slug:key>/first-event", pages.FirstEventStatus.as_view(), name="project-first-event"),
]
