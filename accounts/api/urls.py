from django.urls import path

from accounts.api import views
from accounts.api.insights import InsightListView

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("users/me", views.MeView.as_view(), name="users-me"),
    path("insights/", InsightListView.as_view(), name="insight-list"),
    path("workspaces/", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("workspaces/<slug:slug>/leave", views.WorkspaceLeaveView.as_view(), name="workspace-leave"),
    path("workspaces/<slug:slug>/members/", views.MemberListView.as_view(), name="member-list"),
    path("workspaces/<slug:slug>/members/<int:user_id>/", views.MemberDetailView.as_view(), name="member-detail"),
]
