"""A user's sample workspace: the synthetic demo sets of every app (:mod:`config.demo`), loaded
into a workspace of their own so that trying Pulse never mixes made-up figures with theirs."""

import structlog
from django.db import transaction

from accounts.models import Membership, User, Workspace
from accounts.services import workspace_create
from config import demo

log = structlog.get_logger(__name__)

SAMPLE_NAME = "Sample shop"
# The demo sets describe a UK gift shop.
SAMPLE_TIMEZONE, SAMPLE_CURRENCY = "Europe/London", "GBP"


@transaction.atomic
def sample_workspace_load(*, user: User) -> tuple[Workspace, bool]:
    """``user``'s sample workspace (they own it) and whether it was made now: found when it exists,
    else created and filled by every per-workspace demo loader, all or nothing."""
    # Serialises a user's clicks: a second one waits, then finds the workspace the first made.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    workspace = Workspace.objects.filter(sample_for=user).first()
    if workspace is not None:
        # It is theirs: one who left it (another owner remained) gets it back.
        Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": Membership.Role.OWNER})
        return workspace, False
    workspace = workspace_create(owner=user, name=SAMPLE_NAME, timezone=SAMPLE_TIMEZONE, currency=SAMPLE_CURRENCY)
    workspace.sample_for = user
    workspace.save(update_fields=["sample_for"])
    summaries = {
        loader.app: loader.load(workspace=workspace, user=user, stdout=None) for loader in demo.workspace_loaders()
    }
    log.info("sample_workspace_loaded", workspace_id=workspace.pk, user_id=user.pk, **summaries)
    return workspace, True
