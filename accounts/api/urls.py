from django.urls import path

from accounts.api import account_views, views, workspace_views
from accounts.api.insights import InsightListView

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all", account_views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/verify-email", views.VerifyEmailView.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend", account_views.VerificationResendView.as_view(), name="auth-verify-email-resend"),
    path("auth/password/reset", account_views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm",
        account_views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/password/change", account_views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("users/me", account_views.MeView.as_view(), name="users-me"),
    path("insights/", InsightListView.as_view(), name="insight-list"),
    path("invitations/accept", workspace_views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("workspaces/", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("workspaces/<slug:slug>/", workspace_views.WorkspaceDetailView.as_view(), name="workspace-detail"),
    path("workspaces/<slug:slug>/leave", views.WorkspaceLeaveView.as_view(), name="workspace-leave"),
    path("workspaces/<slug:slug>/members/", views.MemberListView.as_view(), name="member-list"),
    path("workspaces/<slug:slug>/members/<int:user_id>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("workspaces/<slug:slug>/invitations/", workspace_views.InvitationListView.as_view(), name="invitation-list"),
    path(
        "workspaces/<slug:slug>/invitations/<int:invitation_id>/",
        workspace_views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path("workspaces/<slug:slug>/exports/", workspace_views.ExportListView.as_view(), name="workspace-export-list"),
    path(
        "workspaces/<slug:slug>/exports/<int:export_id>",
        workspace_views.ExportDetailView.as_view(),
        name="workspace-export-detail",
    ),
    path(
        "workspaces/<slug:slug>/exports/<int:export_id>/download",
        workspace_views.ExportDownloadView.as_view(),
        name="workspace-export-download",
    ),
    path("workspaces/<slug:slug>/audit-log/", workspace_views.AuditLogView.as_view(), name="workspace-audit-log"),
]
