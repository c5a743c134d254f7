from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import profile, sample, services
from accounts.forms import EmailAuthenticationForm, RegisterForm
from accounts.tenancy import SESSION_WORKSPACE_KEY, membership_for, page_membership
from accounts.throttles import form_throttle_wait
from config import metrics
from config.errors import Conflict, DomainError

THROTTLED_MESSAGE = "Too many attempts. Try again in {wait} seconds."


def _throttled_page(request, template: str, form, wait: int):
    response = render(request, template, {"form": form, "throttled": THROTTLED_MESSAGE.format(wait=wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = form_throttle_wait(request)
        if wait is not None:
            return _throttled_page(request, self.template_name, self.get_form_class()(request), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        metrics.login(ok=True)
        return super().form_valid(form)

    def form_invalid(self, form):
        metrics.login(ok=False)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    pass


def register(request):
    """Registration; ``next`` (an invitation's page) is where the new user goes, and ``email``
    fills the address in."""
    target = _safe_target(request.POST.get("next") or request.GET.get("next", ""), request)
    if request.user.is_authenticated:
        return redirect(target or "home")
    form = RegisterForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    context = {"form": form, "next": target}
    if request.method == "POST" and (wait := form_throttle_wait(request)) is not None:
        return _throttled_page(request, "accounts/register.html", RegisterForm(), wait)
    if request.method == "POST" and form.is_valid():
        user = services.user_register(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
            base_url=request.build_absolute_uri("/"),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Pulse. We sent you an email to confirm your address.")
        return redirect(target or "home")
    return render(request, "accounts/register.html", context)


def _safe_target(target: str, request) -> str:
    """``target`` when it is a path of this site, else the empty string."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def verify_email(request):
    """Opens the link of a verification mail or of an email change."""
    try:
        profile.email_token_confirm(token=request.GET.get("token", ""))
    except services.VerificationTokenUsed:
        messages.info(request, "This confirmation link was already used: your email address is confirmed.")
    except profile.EmailChangeUsed:
        messages.error(request, "This link was already used, or a later change of address replaced it.")
    except Conflict as error:
        messages.error(request, error.message)
    except DomainError:
        messages.error(request, "This confirmation link is invalid or has expired.")
    else:
        messages.success(request, "Your email address is confirmed.")
    return redirect("home" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def switch_workspace(request):
    slug = request.POST.get("workspace", "")
    try:
        membership = membership_for(request.user, slug)
    except Http404:
        messages.error(request, "You are not a member of that workspace.")
    else:
        request.session[SESSION_WORKSPACE_KEY] = membership.workspace.slug
    return redirect(_safe_next(request))


def _safe_next(request) -> str:
    """The form's ``next`` when it stays on this site (and on https when the request came over
    https: a downgrade would expose the session to the network), else the home page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@login_required
@require_POST
def leave_workspace(request):
    slug = request.POST.get("workspace", "")
    try:
        membership = membership_for(request.user, slug)
        services.member_leave(membership=membership, actor=request.user)
    except Http404:
        messages.error(request, "You are not a member of that workspace.")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You left {membership.workspace.name}.")
    return redirect("home")


@login_required
@require_POST
def sample_data_load(request):
    """Fill (once) the user's own sample workspace with the demo data, and open it."""
    workspace, created = sample.sample_workspace_load(user=request.user)
    request.session[SESSION_WORKSPACE_KEY] = workspace.slug
    if created:
        messages.success(request, f"Sample data loaded into the workspace {workspace.name}: your own stays as it was.")
    else:
        messages.info(request, f"Your sample data are in the workspace {workspace.name}.")
    return redirect("home")


@login_required
def home(request):
    membership = page_membership(request)
    return render(request, "home.html", {"can_leave": membership is not None and not membership.is_last_owner()})
