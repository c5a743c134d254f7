from django.urls import path

from accounts import account_pages, views, workspace_pages

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logout-all/", account_pages.logout_everywhere, name="logout-all"),
    path("register/", views.register, name="register"),
    path("verify-email/", views.verify_email, name="verify-email"),
    path("verify-email/resend/", account_pages.verification_resend, name="verify-email-resend"),
    path("password/reset/", account_pages.password_reset, name="password-reset"),
    path("password/reset/sent/", account_pages.password_reset_sent, name="password-reset-sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        account_pages.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password/change/", account_pages.password_change, name="password-change"),
    path("profile/", account_pages.profile_page, name="profile"),
    path("invitations/accept/", account_pages.invitation_accept, name="invitation-accept"),
    path("workspace/new/", account_pages.workspace_new, name="workspace-new"),
    path("workspace/switch/", views.switch_workspace, name="switch-workspace"),
    path("workspace/leave/", views.leave_workspace, name="leave-workspace"),
    path("workspace/sample/", views.sample_data_load, name="sample-data"),
    path("workspace/settings/", workspace_pages.SettingsPage.as_view(), name="workspace-settings"),
    path("workspace/exports/", workspace_pages.ExportStartPage.as_view(), name="workspace-export"),
    path(
        "workspace/exports/<int:export_id>/download/",
        workspace_pages.ExportDownloadPage.as_view(),
        name="workspace-export-download",
    ),
    path("workspace/delete/", workspace_pages.DeletePage.as_view(), name="workspace-delete"),
    path("workspace/members/", workspace_pages.MembersPage.as_view(), name="workspace-members"),
    path("workspace/audit-log/", workspace_pages.AuditLogPage.as_view(), name="workspace-audit-log"),
]
