"""Signal receivers of the analytics side: warm the caches after every import."""

from django.dispatch import receiver

from ecommerce.signals import orders_imported


@receiver(orders_imported, dispatch_uid="ecommerce.warm_after_import")
def warm_after_import(sender, workspace_id: int, job_id: int | None = None, **kwargs) -> None:
    """The importer sends this after its transaction committed (and bumped the data version), so
    the task computes on the new data. On a worker the request does not wait for it."""
    from config.queue import enqueue
    from ecommerce.tasks import warm_workspace_caches

    enqueue(warm_workspace_caches, workspace_id)
