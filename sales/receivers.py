"""Signal receivers: every save of a store or a record, and every delete of a store, moves the
cached figures it feeds to a new version, whoever wrote it (the API's services, the admin, a
shell). Bulk writes send no signal: :mod:`sales.services` bumps after them itself. Records and
reports have no delete receiver: with one, deleting a workspace would load each of them to send
it; the services and the admin bump after deleting them instead."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from config.cache import bump_data_version
from sales.models import SalesRecord, Store
from sales.services import CACHE_NAMESPACE


@receiver(post_save, sender=Store, dispatch_uid="sales.store_saved")
@receiver(post_delete, sender=Store, dispatch_uid="sales.store_deleted")
@receiver(post_save, sender=SalesRecord, dispatch_uid="sales.record_saved")
def figures_changed(sender, instance: Store | SalesRecord, **kwargs) -> None:
    bump_data_version(CACHE_NAMESPACE, instance.workspace_id)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="sales.seller_deleted")
def seller_deleted(sender, instance, **kwargs) -> None:
    """A deleted user's records stay, credited to nobody (``SET_NULL``, an update that sends no
    signal): the top sellers of the workspaces they sold in no longer name them."""
    workspaces = SalesRecord.objects.filter(recorded_by=instance).values_list("workspace_id", flat=True).distinct()
    for workspace_id in workspaces.order_by():
        bump_data_version(CACHE_NAMESPACE, workspace_id)
