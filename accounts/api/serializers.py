from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import Membership, User, Workspace, validate_timezone


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
    timezone = serializers.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="USD", help_text="ISO 4217 code.")

    class Meta:
        model = Workspace
        fields = ["id", "name", "slug", "timezone", "currency", "role", "created_at"]
        read_only_fields = ["id", "slug", "role", "created_at"]

    def get_role(self, workspace) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(workspace.pk)


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
