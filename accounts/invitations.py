"""Invitations: how people join a workspace.

An owner invites an address with a role; Pulse mails it a signed link (its token names the
invitation and the address). The invitation is good once and until it expires
(``INVITATION_MAX_AGE``, 7 days): accepting, revoking or inviting the address again ends it.
Whoever accepts must be logged in with the invited address; someone without an account
registers with it first. Inviting says nothing about whether the address has an account: the
mail goes out either way.
"""

from __future__ import annotations

import datetime as dt

import structlog
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import Action, audit_record
from accounts.mail import send_templated, site_link
from accounts.models import Invitation, Membership, User, Workspace
from config.errors import Conflict, Forbidden, Invalid

log = structlog.get_logger(__name__)

INVITATION_SALT = "accounts.invitation"
BAD_LINK = "This invitation link is invalid."


class InvitationUnusable(Invalid):
    """The link is genuine but the invitation can no longer be accepted (used, withdrawn, expired)."""

    code = "invitation_unusable"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.pk, "email": invitation.email}, salt=INVITATION_SALT)


def _normalise(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by: User, base_url: str | None = None
) -> Invitation:
    """Invite ``email`` to ``workspace`` with ``role`` and mail the link (once the transaction
    commits). A pending invitation of the same address is replaced. Raises Conflict when the
    address is already a member's."""
    email = _normalise(email)
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict("This address is already a member of the workspace.", fields={"email": ["Already a member."]})
    now = timezone.now()
    Invitation.objects.filter(workspace=workspace, email__iexact=email, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED, responded_at=now
    )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=email,
                role=role,
                invited_by=invited_by,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=settings.INVITATION_MAX_AGE),
            )
    except IntegrityError as exc:  # a concurrent invitation of the same address won
        raise Conflict("This address was invited a moment ago.") from exc
    audit_record(
        workspace=workspace,
        actor=invited_by,
        action=Action.MEMBER_INVITED,
        target=email,
        details={"role": role, "invitation_id": invitation.pk},
    )
    from accounts.tasks import send_invitation_email
    from config.queue import enqueue_on_commit

    enqueue_on_commit(send_invitation_email, invitation.pk, base_url)
    return invitation


def send_invitation(invitation_id: int, base_url: str | None = None) -> bool:
    """Mail a pending invitation its link; False when it is no longer pending (nothing sent)."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(pk=invitation_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        return False
    inviter = invitation.invited_by
    send_templated(
        to=invitation.email,
        subject=f"Join {invitation.workspace.name} on Pulse",
        template="invitation",
        context={
            "invitation": invitation,
            "inviter": inviter.get_full_name() if inviter else "An owner",
            "link": site_link(base_url, reverse("accounts:invitation-accept"), token=invitation_token(invitation)),
            "api_path": site_link(base_url, reverse("api:invitation-accept")),
        },
    )
    log.info("invitation_sent", invitation_id=invitation.pk)
    return True


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    """Withdraw a pending invitation (its link stops working)."""
    revoked = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED, responded_at=timezone.now()
    )
    if not revoked:
        raise Conflict(f"This invitation is {invitation.status} already.")
    invitation.refresh_from_db()
    audit_record(
        workspace=invitation.workspace,
        actor=actor,
        action=Action.INVITATION_REVOKED,
        target=invitation.email,
        details={"role": invitation.role, "invitation_id": invitation.pk},
    )
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The invitation a genuine token names, whatever its state. Raises Invalid (field ``token``)
    for a tampered, malformed or unknown token."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE)
        return Invitation.objects.select_related("workspace", "invited_by").get(
            pk=int(data["id"]), email__iexact=data["email"]
        )
    except signing.SignatureExpired as exc:
        raise InvitationUnusable.on("token", "This invitation has expired: ask for a new one.") from exc
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise Invalid.on("token", BAD_LINK) from exc


def check_usable(invitation: Invitation) -> None:
    """Raise InvitationUnusable unless ``invitation`` can be accepted now."""
    if invitation.status == Invitation.Status.ACCEPTED:
        raise InvitationUnusable.on("token", "This invitation was already accepted.")
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationUnusable.on("token", "This invitation was withdrawn.")
    if invitation.is_expired():
        raise InvitationUnusable.on("token", "This invitation has expired: ask for a new one.")


def check_addressee(invitation: Invitation, user: User) -> None:
    """Raise Forbidden unless ``user`` is logged in with the invited address."""
    if user.email.lower() != invitation.email.lower():
        raise Forbidden(
            f"This invitation was sent to another address than yours ({user.email}): "
            "log in with the address it was sent to."
        )


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """``user`` joins the invitation's workspace with its role. A member already keeps the role
    they have. Raises Invalid, InvitationUnusable or Forbidden."""
    invitation = invitation_from_token(token)
    check_usable(invitation)
    check_addressee(invitation, user)
    # Conditional: of two concurrent acceptances one changes the row, the other is refused.
    accepted = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.ACCEPTED, accepted_by=user, responded_at=timezone.now()
    )
    if not accepted:
        raise InvitationUnusable.on("token", "This invitation was already accepted.")
    membership, created = Membership.objects.get_or_create(
        user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
    )
    audit_record(
        workspace=invitation.workspace,
        actor=user,
        action=Action.INVITATION_ACCEPTED,
        target=user.email,
        details={"role": membership.role, "invitation_id": invitation.pk, "already_member": not created},
    )
    return membership
