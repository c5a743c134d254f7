from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from accounts.models import AuditEvent, Invitation, Membership, User, Workspace, WorkspaceExport, validate_timezone
from config.currencies import CURRENCY_CODES
from config.locales import DEFAULT_LOCALE, is_known_locale, normalize_locale

WEEK_STARTS = {"monday": Workspace.WeekStart.MONDAY, "sunday": Workspace.WeekStart.SUNDAY}


class WeekStartField(serializers.ChoiceField):
    """The first day of week buckets, by name (stored as Python's weekday number)."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(WEEK_STARTS), **kwargs)

    def to_internal_value(self, data):
        return WEEK_STARTS[super().to_internal_value(data)]

    def to_representation(self, value):
        return {number: name for name, number in WEEK_STARTS.items()}[value]


class CurrencyField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=3, help_text="ISO 4217 code.", **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).upper()
        if code not in CURRENCY_CODES:
            raise serializers.ValidationError(f"{code!r} is not an ISO 4217 currency code.")
        return code


class LocaleField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=32, help_text="CLDR locale the pages write numbers in (en_GB, de_DE…).", **kwargs)

    def to_internal_value(self, data):
        code = normalize_locale(super().to_internal_value(data))
        if not is_known_locale(code):
            raise serializers.ValidationError(f"{code!r} is not a known locale (such as en_GB, de_DE or fr_CA).")
        return code


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        candidate = User(email=attrs["email"], full_name=attrs.get("full_name", ""))
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(required=False)
    refresh = serializers.CharField(required=False)
    token_type = serializers.CharField()


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(required=False, max_length=2000, help_text="Omit in cookie mode.")


class VerifyEmailSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    slug = serializers.CharField(
        max_length=60,
        required=False,
        help_text="Taken as it is, or refused with the reason (400 on `slug`); derived from the name when omitted.",
    )
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = CurrencyField(default="USD")
    locale = LocaleField(default=DEFAULT_LOCALE)
    week_start = WeekStartField(default=Workspace.WeekStart.MONDAY, help_text="The first day of week buckets.")
    personal = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = [
            "id",
            "name",
            "slug",
            "timezone",
            "currency",
            "locale",
            "week_start",
            "role",
            "personal",
            "created_at",
        ]
        read_only_fields = ["id", "role", "personal", "created_at"]

    def get_role(self, workspace) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(workspace.pk)

    def get_personal(self, workspace) -> bool:
        return workspace.personal_for_id is not None


class WorkspaceSettingsSerializer(serializers.Serializer):
    """A change of settings: any of the fields."""

    name = serializers.CharField(max_length=120, required=False)
    slug = serializers.CharField(max_length=60, required=False, help_text="API clients name the workspace by it.")
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    currency = CurrencyField(required=False)
    locale = LocaleField(required=False)
    week_start = WeekStartField(required=False)


class WorkspaceDeleteSerializer(serializers.Serializer):
    confirm = serializers.CharField(max_length=60, help_text="The workspace's slug, typed to confirm.")


class UserSerializer(serializers.ModelSerializer):
    workspaces = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_verified", "is_staff", "date_joined", "workspaces"]
        read_only_fields = fields

    def get_workspaces(self, user) -> list[dict]:
        return [
            {
                "slug": m.workspace.slug,
                "name": m.workspace.name,
                "role": m.role,
                "personal": m.workspace.personal_for_id == user.pk,
            }
            for m in user.memberships.select_related("workspace").order_by("workspace__name")
        ]


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "email", "full_name", "role", "created_at"]
        read_only_fields = ["user_id", "email", "full_name", "created_at"]


class MemberAddSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.VIEWER)


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="From the mailed link.")
    token = serializers.CharField(max_length=128, help_text="From the mailed link.")
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MeUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254, required=False, help_text="A new address: it replaces the current one once confirmed."
    )
    current_password = serializers.CharField(
        write_only=True, max_length=128, required=False, help_text="Required with `email`."
    )


class MeUpdatedSerializer(UserSerializer):
    pending_email = serializers.SerializerMethodField(
        help_text="The address a confirmation link was mailed to by this request, else null."
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "pending_email"]
        read_only_fields = fields

    def get_pending_email(self, user) -> str | None:
        return self.context.get("pending_email")


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="state", read_only=True, help_text="pending, accepted, revoked or expired.")
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, default=None)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at", "responded_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.VIEWER)


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class JoinedSerializer(serializers.Serializer):
    workspace = serializers.CharField(help_text="The slug of the workspace joined.")
    name = serializers.CharField()
    role = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor_email", read_only=True, allow_blank=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "created_at", "actor", "action", "target", "details"]
        read_only_fields = fields


class AuditQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditEvent.Action.choices, required=False)


class ExportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="While the export can be downloaded, else null.")

    class Meta:
        model = WorkspaceExport
        fields = [
            "id",
            "status",
            "size_bytes",
            "tables",
            "created_at",
            "finished_at",
            "expires_at",
            "downloaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != WorkspaceExport.Status.READY or (export.expires_at and export.expires_at <= timezone.now()):
            return None
        url = reverse("api:workspace-export-download", args=[export.workspace.slug, export.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url
