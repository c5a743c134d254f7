"""Signal receivers: warm the caches after every import; drop a deleted workspace's partitions.
(The workspace's time zone is part of every insight's cache key: ecommerce.insights.)"""

from django.db import connection
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import Workspace
from config import timeline
from ecommerce import partitions
from ecommerce.models import LINE_MODELS
from ecommerce.signals import orders_imported

# Disconnecting the receiver (the benchmark times an import without it) takes this uid.
WARM_AFTER_IMPORT_UID = "ecommerce.warm_after_import"


@receiver(orders_imported, dispatch_uid=WARM_AFTER_IMPORT_UID)
def warm_after_import(sender, workspace_id: int, job_id: int | None = None, **kwargs) -> None:
    """The importer sends this after its transaction committed (and bumped the data version), so
    the task computes on the new data. On a worker the request does not wait for it."""
    from config.queue import enqueue
    from ecommerce.tasks import warm_workspace_caches

    enqueue(warm_workspace_caches, workspace_id)


@receiver(orders_imported, dispatch_uid="ecommerce.mark_import")
def mark_import(sender, workspace_id: int, job_id: int | None = None, **kwargs) -> None:
    """Charts show when new orders came in: a jump after an import is explained by it."""
    timeline.mark(
        workspace_id=workspace_id, kind="import", text=f"Orders imported (job {job_id})", starts_at=timezone.now()
    )


@receiver(post_delete, sender=Workspace, dispatch_uid="ecommerce.drop_workspace_partitions")
def drop_workspace_partitions(sender, instance: Workspace, **kwargs) -> None:
    """Deleting a workspace deletes its lines (the foreign key cascades); on PostgreSQL their
    empty partitions go too."""
    if connection.vendor == "postgresql":
        for model in LINE_MODELS:
            partitions.drop(model, instance.pk)
