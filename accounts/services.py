"""Writes of the accounts app: registration, verification, workspaces and members.

Invitations (:mod:`accounts.invitations`), passwords and sessions (:mod:`accounts.passwords`), a
user's profile (:mod:`accounts.profile`), exports (:mod:`accounts.exports`) and the audit log
(:mod:`accounts.audit`) have modules of their own.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import slugify

from accounts import exports
from accounts.audit import Action, audit_record
from accounts.invitations import invitation_create
from accounts.models import RESERVED_WORKSPACE_SLUGS, SYSTEM_WORKSPACE_SLUG, Invitation, Membership, User, Workspace
from config.errors import Conflict, Invalid
from config.locales import DEFAULT_LOCALE, normalize_locale
from config.services import model_update

log = structlog.get_logger(__name__)

VERIFY_EMAIL_SALT = "accounts.verify-email"


SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _unique_slug(name: str) -> str:
    """The slug of ``name``, numbered past those taken or reserved ("Pulse System" -> pulse-system-2)."""
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while slug in RESERVED_WORKSPACE_SLUGS or Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def validate_workspace_slug(slug: str, *, workspace: Workspace | None = None) -> str:
    """``slug`` when a workspace (``workspace``, when it is renamed) may take it; Invalid with the
    reason otherwise. Slugs are what API clients name a workspace by (``X-Workspace``)."""
    if not 2 <= len(slug) <= 60 or not SLUG_PATTERN.match(slug):
        raise Invalid.on(
            "slug", "Use 2 to 60 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
        )
    if slug in RESERVED_WORKSPACE_SLUGS:
        raise Invalid.on("slug", f"The slug {slug!r} is reserved.")
    taken = Workspace.objects.filter(slug=slug)
    if workspace is not None:
        taken = taken.exclude(pk=workspace.pk)
    if taken.exists():
        raise Invalid.on("slug", f"The slug {slug!r} is taken by another workspace.")
    return slug


def _full_clean(workspace: Workspace, fields: Iterable[str]) -> None:
    """Run the model's validators of ``fields`` (time zone, currency…) as a domain error."""
    exclude = [f.name for f in Workspace._meta.fields if f.name not in set(fields)]
    try:
        workspace.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid.from_model_error(exc) from exc


@transaction.atomic
def workspace_create(
    *,
    owner: User | None,
    name: str,
    timezone: str = "UTC",
    currency: str = "USD",
    locale: str = DEFAULT_LOCALE,
    week_start: int = Workspace.WeekStart.MONDAY,
    personal: bool = False,
    slug: str | None = None,
) -> Workspace:
    """A workspace ``owner`` owns (none: staff give it members later, ``import_orders --create``).
    A given slug is taken as it is or refused with the reason (Invalid on ``slug``), never
    replaced; without one it is derived from ``name``."""
    workspace = Workspace(
        name=name,
        slug=validate_workspace_slug(slug) if slug else _unique_slug(name),
        timezone=timezone,
        currency=currency.upper(),
        locale=locale,
        week_start=week_start,
        personal_for=owner if personal else None,
    )
    _full_clean(workspace, ["name", "timezone", "currency", "locale", "week_start"])
    try:
        with transaction.atomic():
            workspace.save()
    except IntegrityError as exc:  # the slug was taken in between
        raise Invalid.on("slug", f"The slug {workspace.slug!r} is taken by another workspace.") from exc
    if owner is not None:
        Membership.objects.create(user=owner, workspace=workspace, role=Membership.Role.OWNER)
    return workspace


SETTINGS_FIELDS = ("name", "slug", "timezone", "currency", "locale", "week_start")


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor: User, data: Mapping[str, Any]) -> Workspace:
    """Change the settings of ``workspace`` (:data:`SETTINGS_FIELDS`). Pulse's own workspace
    keeps its slug. Results bucketed by the time zone or the week start are cached under them,
    so a change reads fresh figures at once."""
    data = dict(data)
    if "currency" in data:
        data["currency"] = str(data["currency"]).upper()
    if "locale" in data:
        data["locale"] = normalize_locale(str(data["locale"]))
    if "slug" in data and data["slug"] != workspace.slug:
        if workspace.slug == SYSTEM_WORKSPACE_SLUG:
            raise Invalid.on("slug", "Pulse's own workspace keeps its slug.")
        validate_workspace_slug(data["slug"], workspace=workspace)
    before = {name: getattr(workspace, name) for name in data if name in SETTINGS_FIELDS}
    model_update(instance=workspace, fields=SETTINGS_FIELDS, data=data, save=False)
    changed = {name: [old, getattr(workspace, name)] for name, old in before.items() if getattr(workspace, name) != old}
    if not changed:
        return workspace
    _full_clean(workspace, changed)
    try:
        with transaction.atomic():
            workspace.save(update_fields=list(changed))
    except IntegrityError as exc:
        raise Invalid.on("slug", f"The slug {workspace.slug!r} is taken by another workspace.") from exc
    audit_record(
        workspace=workspace, actor=actor, action=Action.SETTINGS_CHANGED, target=workspace.slug, details=changed
    )
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace, actor: User, confirm: str) -> None:
    """Delete ``workspace`` and everything it owns. ``confirm`` must be its slug, typed. Personal
    workspaces stay while their user does: API calls without ``X-Workspace`` use them, and would
    otherwise write to another of the user's workspaces. Pulse's own workspace stays too."""
    if confirm != workspace.slug:
        raise Invalid.on("confirm", f"Type the workspace's slug, {workspace.slug}, to confirm.")
    if workspace.slug == SYSTEM_WORKSPACE_SLUG:
        raise Conflict("Pulse's own workspace cannot be deleted.")
    if workspace.personal_for_id is not None:
        raise Conflict("A personal workspace is deleted only with its account: delete its data instead.")
    files = list(exports.owned_files(workspace))
    details = {"id": workspace.pk, "slug": workspace.slug, "name": workspace.name}
    workspace.delete()
    # Kept without a workspace: the workspace's own events went with it.
    audit_record(workspace=None, actor=actor, action=Action.WORKSPACE_DELETED, target=details["slug"], details=details)
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    log.info("workspace_deleted", workspace_id=details["id"])


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


def member_add(
    *, workspace: Workspace, email: str, role: str, invited_by: User, base_url: str | None = None
) -> Invitation | None:
    """Members join by invitation only: this invites ``email`` (:func:`invitation_create`).
    Returns None, and sends nothing, when the address is a member already; callers answer both
    alike."""
    try:
        return invitation_create(workspace=workspace, email=email, role=role, invited_by=invited_by, base_url=base_url)
    except Conflict:
        return None


def _ensure_owner_remains(membership: Membership, message: str = "A workspace keeps at least one owner.") -> None:
    # Lock the workspace so two concurrent demotions cannot both pass the check.
    Workspace.objects.select_for_update().filter(pk=membership.workspace_id).first()
    if membership.is_last_owner():
        raise Conflict(message)


@transaction.atomic
def member_set_role(*, membership: Membership, role: str, actor: User | None = None) -> Membership:
    if role == membership.role:
        return membership
    if role != Membership.Role.OWNER:
        _ensure_owner_remains(membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action=Action.MEMBER_ROLE_CHANGED,
        target=membership.user.email,
        details={"user_id": membership.user_id, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, actor: User | None = None) -> None:
    _ensure_owner_remains(membership)
    membership.delete()
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action=Action.MEMBER_REMOVED,
        target=membership.user.email,
        details={"user_id": membership.user_id, "role": membership.role},
    )


@transaction.atomic
def member_leave(*, membership: Membership, actor: User | None = None) -> None:
    """The member leaves the workspace: anyone but its last owner."""
    _ensure_owner_remains(
        membership, "You are the workspace's last owner: make another member an owner before you leave."
    )
    membership.delete()
    audit_record(
        workspace=membership.workspace,
        actor=actor,
        action=Action.MEMBER_LEFT,
        target=membership.user.email,
        details={"user_id": membership.user_id, "role": membership.role},
    )
    log.info("member_left", workspace=membership.workspace.slug, user_id=membership.user_id)
