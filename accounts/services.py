"""Writes of the accounts app: registration, verification, workspaces and members."""

from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify

from accounts.models import RESERVED_WORKSPACE_SLUGS, Membership, User, Workspace
from config.errors import Conflict, Invalid

log = structlog.get_logger(__name__)

VERIFY_EMAIL_SALT = "accounts.verify-email"


def _unique_slug(name: str) -> str:
    """The slug of ``name``, numbered past those taken or reserved ("Pulse System" -> pulse-system-2)."""
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while slug in RESERVED_WORKSPACE_SLUGS or Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def workspace_create(
    *,
    owner: User,
    name: str,
    timezone: str = "UTC",
    currency: str = "USD",
    personal: bool = False,
    slug: str | None = None,
) -> Workspace:
    """A workspace ``owner`` owns. Its slug is derived from ``name`` unless given; a given slug
    that Pulse reserves for itself is invalid input."""
    if slug in RESERVED_WORKSPACE_SLUGS:
        raise Invalid.on("slug", f"The slug {slug!r} is reserved.")
    workspace = Workspace.objects.create(
        name=name,
        slug=slug or _unique_slug(name),
        timezone=timezone,
        currency=currency.upper(),
        personal_for=owner if personal else None,
    )
    Membership.objects.create(user=owner, workspace=workspace, role=Membership.Role.OWNER)
    return workspace


def email_verification_token(user: User) -> str:
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=VERIFY_EMAIL_SALT)


def send_verification_email(user: User, *, base_url: str | None = None) -> None:
    """Mail ``user`` their token and a link that verifies them. Mail clients open absolute links
    only: they start with ``base_url`` (the scheme and host the user reached Pulse at, e.g.
    ``request.build_absolute_uri("/")``), else the PULSE_BASE_URL setting."""
    token = email_verification_token(user)
    root = (base_url or settings.PULSE_BASE_URL).rstrip("/")
    link = f"{root}{reverse('accounts:verify-email')}?{urlencode({'token': token})}"
    send_mail(
        subject="Confirm your Pulse email address",
        message=(
            "Welcome to Pulse.\n\nConfirm your address by opening\n"
            f"{link}\n\nor by sending this token to POST {root}{reverse('api:auth-verify-email')}\n\n"
            f"Token: {token}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    log.info("verification_email_sent", user_id=user.pk)


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str = "", base_url: str | None = None) -> User:
    """Create the user with a personal workspace they own, and mail a verification token (its
    link starts with ``base_url``: see :func:`send_verification_email`)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email address already exists.")
    try:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    except IntegrityError as exc:  # a concurrent registration of the same address
        raise Conflict("An account with this email address already exists.") from exc
    workspace_create(owner=user, name=f"{full_name or email.split('@')[0]}'s workspace", personal=True)
    transaction.on_commit(lambda: send_verification_email(user, base_url=base_url))
    log.info("user_registered", user_id=user.pk)
    return user


class VerificationTokenUsed(Invalid):
    """The verification token was good but has been used (its address is confirmed)."""

    code = "token_used"


UNUSABLE_LINK = "The token is invalid or has expired."


def user_verify_email(*, token: str) -> User:
    """Mark the user of a valid, unexpired token verified. A token verifies once: it is good only
    while its user is unverified with the address it was issued for (the conditional UPDATE makes
    two concurrent uses count as one). Raises Invalid, or VerificationTokenUsed on a second use."""
    try:
        data = signing.loads(token, salt=VERIFY_EMAIL_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
        user = User.objects.get(pk=int(data["uid"]), email__iexact=data["email"])
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise Invalid.on("token", UNUSABLE_LINK) from exc
    if not User.objects.filter(pk=user.pk, is_verified=False).update(is_verified=True):
        raise VerificationTokenUsed.on("token", "This token was already used: the email address is confirmed.")
    log.info("email_verified", user_id=user.pk)
    user.is_verified = True
    return user


def member_add(*, workspace: Workspace, email: str, role: str) -> Membership | None:
    """Add the account of ``email`` to ``workspace`` with ``role``. Returns the new membership, or
    None when no account uses the address or its account is already a member (whose role is left
    as it is): callers answer both alike, so that adding does not tell which addresses have
    accounts."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        return None
    membership, created = Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": role})
    if not created:
        return None
    log.info("member_added", workspace=workspace.slug, user_id=user.pk, role=role)
    return membership


def _ensure_owner_remains(membership: Membership, message: str = "A workspace keeps at least one owner.") -> None:
    # Lock the workspace so two concurrent demotions cannot both pass the check.
    Workspace.objects.select_for_update().filter(pk=membership.workspace_id).first()
    if membership.is_last_owner():
        raise Conflict(message)


@transaction.atomic
def member_set_role(*, membership: Membership, role: str) -> Membership:
    if role != Membership.Role.OWNER:
        _ensure_owner_remains(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    _ensure_owner_remains(membership)
    membership.delete()


@transaction.atomic
def member_leave(*, membership: Membership) -> None:
    """The member leaves the workspace: anyone but its last owner."""
    _ensure_owner_remains(
        membership, "You are the workspace's last owner: make another member an owner before you leave."
    )
    membership.delete()
    log.info("member_left", workspace=membership.workspace.slug, user_id=membership.user_id)
