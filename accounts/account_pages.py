"""HTML pages of a person's own account: password reset and change, profile, the verification
mail again, logging out everywhere, accepting an invitation and making a new workspace. They call the services the API
calls, so both follow the same rules."""

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts import invitations, passwords, profile, services
from accounts.forms import PasswordResetRequestForm, ProfileForm, WorkspaceCreateForm, add_domain_error
from accounts.tenancy import SESSION_WORKSPACE_KEY
from accounts.throttles import (
    PasswordChangeThrottle,
    VerificationResendThrottle,
    form_throttle_wait,
    password_reset_form_throttles,
)
from accounts.views import THROTTLED_MESSAGE
from config.errors import DomainError, Forbidden, Invalid


def _throttled(request, template: str, context: dict, wait: int) -> HttpResponse:
    response = render(request, template, {**context, "throttled": THROTTLED_MESSAGE.format(wait=wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def password_reset(request):
    """Ask for a reset link: the same answer whatever the address (see accounts.passwords)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if (wait := form_throttle_wait(request, password_reset_form_throttles())) is not None:
            return _throttled(request, "accounts/password_reset.html", {"form": form}, wait)
        if form.is_valid():
            passwords.password_reset_request(email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/"))
            return redirect("accounts:password-reset-sent")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page (the token moves from the URL to the session before the form shows), whose
    new password is set by our service: every session and token of the account ends."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        passwords.password_reset_set(user=self.user, new_password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password was changed: log in with the new one.")
        return HttpResponseRedirect(self.get_success_url())


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        if (wait := form_throttle_wait(request, (PasswordChangeThrottle(),))) is not None:
            return _throttled(request, "accounts/password_change.html", {"form": form}, wait)
        if form.is_valid():
            user = passwords.password_change(
                user=request.user,
                current_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
            update_session_auth_hash(request, user)  # this session goes on; the others end
            messages.success(request, "Your password was changed. You were logged out everywhere else.")
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def profile_page(request):
    user = request.user
    form = ProfileForm(request.POST or None, user=user, initial={"full_name": user.full_name, "email": user.email})
    if request.method == "POST":
        changes_email = request.POST.get("email", "").strip().lower() != user.email
        if changes_email and (wait := form_throttle_wait(request, (PasswordChangeThrottle(),))) is not None:
            return _throttled(request, "accounts/profile.html", {"form": form}, wait)
        if form.is_valid():
            try:
                pending = profile.user_update(
                    user=user, data=form.cleaned_data, base_url=request.build_absolute_uri("/")
                )
            except Invalid as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Your profile was saved.")
                if pending:
                    messages.info(request, f"We sent a link to {pending}: your address changes once you open it.")
                return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def verification_resend(request):
    if (wait := form_throttle_wait(request, (VerificationResendThrottle(),))) is not None:
        messages.error(request, THROTTLED_MESSAGE.format(wait=wait))
        return redirect("accounts:profile")
    try:
        profile.verification_resend(user=request.user, base_url=request.build_absolute_uri("/"))
    except DomainError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, f"We sent a new confirmation link to {request.user.email}.")
    return redirect("accounts:profile")


@login_required
@require_POST
def logout_everywhere(request):
    passwords.user_logout_everywhere(user=request.user)
    logout(request)
    messages.success(request, "You were logged out everywhere: on every device and from every API token.")
    return redirect("accounts:login")


def invitation_accept(request):
    """Show an invitation and let its addressee accept it; anyone else is told what to do."""
    token = request.POST.get("token") or request.GET.get("token", "")
    context: dict = {"token": token}
    try:
        invitation = invitations.invitation_from_token(token)
        context["invitation"] = invitation
        invitations.check_usable(invitation)
        if not request.user.is_authenticated:
            here = f"{reverse('accounts:invitation-accept')}?{urlencode({'token': token})}"
            context["login_url"] = f"{reverse('accounts:login')}?{urlencode({'next': here})}"
            context["register_url"] = (
                f"{reverse('accounts:register')}?{urlencode({'next': here, 'email': invitation.email})}"
            )
            return render(request, "accounts/invitation_accept.html", context)
        if request.method == "POST":
            membership = invitations.invitation_accept(token=token, user=request.user)
            request.session[SESSION_WORKSPACE_KEY] = membership.workspace.slug
            messages.success(request, f"You joined {membership.workspace.name} as {membership.get_role_display()}.")
            return redirect("home")
        invitations.check_addressee(invitation, request.user)
    except Forbidden as error:
        return render(request, "accounts/invitation_accept.html", {**context, "refused": error.message}, status=403)
    except DomainError as error:
        return render(request, "accounts/invitation_accept.html", {**context, "error": error.message}, status=400)
    return render(request, "accounts/invitation_accept.html", {**context, "can_accept": True})


@login_required
def workspace_new(request):
    """A workspace the user owns, made active at once; the API's rules (a slug taken as typed or
    refused with the reason)."""
    form = WorkspaceCreateForm(
        request.POST or None, initial={"timezone": "UTC", "currency": "USD", "week_start": "monday"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(owner=request.user, **form.validated)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            request.session[SESSION_WORKSPACE_KEY] = workspace.slug
            messages.success(request, f"{workspace.name} is ready, and you are its owner.")
            return redirect("home")
    return render(request, "accounts/workspace_new.html", {"form": form})
