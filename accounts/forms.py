import zoneinfo

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.api.serializers import WEEK_STARTS, WorkspaceSerializer
from accounts.models import AuditEvent, Membership, User, Workspace
from config.currencies import CURRENCIES
from config.errors import DomainError
from config.forms import SerializerForm, field
from config.locales import locale_choices


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class RegisterForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), max_length=128)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("email"):
            candidate = User(email=cleaned["email"], full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(cleaned["password"], user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on ``form``: each field's messages next to the field, the rest
    (and an error of no field) above the form."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, messages in error.fields.items():
        form.add_error(name if name in form.fields else None, messages)


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        max_length=254,
        help_text="A new address replaces this one once you open the link we mail to it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    current_password = forms.CharField(
        required=False,
        max_length=128,
        help_text="Needed to change your email address.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email.lower() != self.user.email and not cleaned.get("current_password"):
            self.add_error("current_password", "Enter your current password to change your email address.")
        return cleaned


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.CharField(
        max_length=60,
        help_text="API clients name the workspace by it (X-Workspace): changing it changes what they send.",
    )
    timezone = forms.ChoiceField(choices=timezone_choices, help_text="Days, weeks and months are counted in it.")
    currency = forms.ChoiceField(choices=[(code, f"{code} · {name}") for code, name in CURRENCIES])
    locale = forms.ChoiceField(
        choices=locale_choices(), help_text="How numbers and money are written: 10,631,048.74 or 10.631.048,74."
    )
    week_start = forms.TypedChoiceField(
        choices=Workspace.WeekStart.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label="Weeks start on",
    )

    @classmethod
    def for_workspace(cls, workspace: Workspace, data=None, *, read_only: bool = False) -> "WorkspaceSettingsForm":
        initial = {
            name: getattr(workspace, name) for name in ("name", "slug", "timezone", "currency", "locale", "week_start")
        }
        form = cls(data, initial=initial)
        # A locale set through the API stays choosable: saving other settings must not drop it.
        form.fields["locale"].choices = locale_choices(workspace.locale)
        if read_only:
            for field in form.fields.values():
                field.disabled = True
        return form


class WorkspaceDeleteForm(forms.Form):
    confirm = forms.CharField(
        max_length=60,
        label="Type the workspace's slug to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(choices=[("", "Every action"), *AuditEvent.Action.choices], required=False)


class WorkspaceCreateForm(SerializerForm):
    """A new workspace: the API's serializer decides what is valid, the service what is taken."""

    serializer_class = WorkspaceSerializer
    name = field("Name", widget=forms.TextInput(attrs={"maxlength": 120, "autofocus": True}))
    slug = field(
        "Slug",
        widget=forms.TextInput(attrs={"maxlength": 60, "autocomplete": "off"}),
        required=False,
        help_text="API clients name the workspace by it (X-Workspace). Empty: made from the name.",
    )
    timezone = field(
        "Time zone",
        widget=forms.Select(choices=timezone_choices),
        help_text="Days, weeks and months are counted in it.",
    )
    currency = field("Currency", widget=forms.Select(choices=[(code, f"{code} · {name}") for code, name in CURRENCIES]))
    week_start = field(
        "Weeks start on", widget=forms.RadioSelect(choices=[(name, name.title()) for name in WEEK_STARTS])
    )
