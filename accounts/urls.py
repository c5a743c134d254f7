from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("verify-email/", views.verify_email, name="verify-email"),
    path("workspace/switch/", views.switch_workspace, name="switch-workspace"),
    path("workspace/leave/", views.leave_workspace, name="leave-workspace"),
]
