import zoneinfo
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from config.currencies import CURRENCY_CODES
from config.locales import DEFAULT_LOCALE, is_known_locale


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone name.")


def validate_currency(value: str) -> None:
    if value not in CURRENCY_CODES:
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code.")


def validate_locale(value: str) -> None:
    if not is_known_locale(value):
        raise ValidationError(f"{value!r} is not a known locale (such as en_GB, de_DE or fr_CA).")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True, is_verified=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email address is the login, unique whatever its case."""

    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_verified = models.BooleanField(default=False, help_text="The email address was confirmed.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    login_epoch = models.PositiveIntegerField(
        default=0,
        help_text="Raised to end every session and token issued before (log out everywhere, a new password).",
    )
    email_changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a confirmed change last set the email address."
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # A session stores this hash at login and is ended when it no longer matches. Django's hashes
    # the password only; the login epoch joins it once raised, so raising it ends every session
    # (and sessions made before the epoch existed stay valid until then).
    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, secret: str | None = None) -> str:
        value = f"{self.password}:{self.login_epoch}" if self.login_epoch else self.password
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


# Slugs of workspaces Pulse makes for itself, never given to a user's workspace: the self-tracking
# project lives in SYSTEM_WORKSPACE_SLUG (apimetrics.projects.builtin_project), and whoever held
# that slug would see all of Pulse's own traffic.
SYSTEM_WORKSPACE_SLUG = "pulse-system"
RESERVED_WORKSPACE_SLUGS = frozenset({SYSTEM_WORKSPACE_SLUG})


class Workspace(models.Model):
    """The tenant: every tenant-owned row belongs to one workspace."""

    class WeekStart(models.IntegerChoices):
        # Python's weekday numbers, as config.periods takes them.
        MONDAY = 0, "Monday"
        SUNDAY = 6, "Sunday"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="IANA name; day, week and month buckets are computed in it.",
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency], help_text="ISO 4217 code.")
    locale = models.CharField(
        max_length=32,
        default=DEFAULT_LOCALE,
        validators=[validate_locale],
        help_text="How numbers and money are written on the pages (a CLDR locale such as de_DE).",
    )
    week_start = models.PositiveSmallIntegerField(
        choices=WeekStart.choices, default=WeekStart.MONDAY, help_text="The first day of week buckets."
    )
    personal_for = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_workspace",
        help_text="Set on the workspace made for a user at registration.",
    )
    sample_for = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sample_workspace",
        help_text="Set on the workspace of synthetic demo data a user loaded to try Pulse.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="workspaces")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="accounts_membership_unique")]
        ordering = ["workspace", "user"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    def is_last_owner(self) -> bool:
        """Whether this member is the workspace's only owner (who may neither leave nor step down)."""
        owners = self.workspace.memberships.filter(role=self.Role.OWNER)
        return self.is_owner and not owners.exclude(pk=self.pk).exists()


class Invitation(models.Model):
    """An invitation to join a workspace with a role, mailed as a signed link to ``email``.

    It is good once (``status`` leaves ``pending`` when it is accepted or revoked) and until
    ``expires_at``. At most one pending invitation per address and workspace: inviting the address
    again replaces it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.VIEWER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When it was accepted or revoked.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "workspace",
                condition=models.Q(status="pending"),
                name="accounts_invitation_one_pending",
            )
        ]
        indexes = [models.Index(fields=["workspace", "status", "-created_at"], name="accounts_invite_ws_status")]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace} ({self.role}, {self.status})"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def state(self) -> str:
        """``status``, with a pending invitation past its expiry shown as ``expired``."""
        if self.status == self.Status.PENDING and self.is_expired():
            return "expired"
        return self.status


class AuditEvent(models.Model):
    """Who did what in a workspace. Apps record their events through
    :func:`accounts.audit.audit_record`; owners read them (API, page), staff in the admin.

    The events of a deleted workspace go with it, but for the deletion itself, kept without a
    workspace (its id, slug and name in ``details``) so staff can still tell who deleted what.
    """

    class Action(models.TextChoices):
        MEMBER_INVITED = "member.invited", "Invited a member"
        INVITATION_REVOKED = "invitation.revoked", "Revoked an invitation"
        INVITATION_ACCEPTED = "invitation.accepted", "Accepted an invitation"
        MEMBER_ROLE_CHANGED = "member.role_changed", "Changed a member's role"
        MEMBER_REMOVED = "member.removed", "Removed a member"
        MEMBER_LEFT = "member.left", "Left the workspace"
        API_KEY_CREATED = "api_key.created", "Created an API key"
        API_KEY_ROTATED = "api_key.rotated", "Rotated an API key"
        API_KEY_REVOKED = "api_key.revoked", "Revoked an API key"
        DATA_IMPORTED = "data.imported", "Imported orders"
        SETTINGS_CHANGED = "workspace.settings_changed", "Changed the settings"
        EXPORT_REQUESTED = "workspace.export_requested", "Requested an export"
        EXPORT_DOWNLOADED = "workspace.export_downloaded", "Downloaded an export"
        WORKSPACE_DELETED = "workspace.deleted", "Deleted the workspace"

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_email = models.EmailField(max_length=254, blank=True, help_text="Kept when the account is deleted.")
    action = models.CharField(max_length=40, choices=Action.choices)
    target = models.CharField(max_length=255, blank=True, help_text="What the action was done to, for people.")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="accounts_audit_ws_created")]

    def __str__(self) -> str:
        return f"{self.actor_email or 'Pulse'} {self.action} {self.target}".strip()


class WorkspaceExport(models.Model):
    """A ZIP of CSVs of every table a workspace owns, built by a task; downloadable once, by an
    owner, until ``expires_at`` (the file is deleted on download or by the cleanup task)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        DOWNLOADED = "downloaded", "Downloaded"
        EXPIRED = "expired", "Expired"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="exports/", blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    tables = models.JSONField(default=dict, blank=True, help_text="Rows written per table.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="accounts_export_ws_created"),
            models.Index(fields=["status", "expires_at"], name="accounts_export_expiry"),
        ]

    def __str__(self) -> str:
        return f"Export {self.pk} of {self.workspace} ({self.status})"
