from django.urls import path

from apimetrics import views

app_name = "apimetrics"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="projects"),
    path("<slug:key>/", views.ProjectDashboardView.as_view(), name="project"),
]
