"""A deleted member's records stay, credited to nobody: their workspaces' top sellers change.

(Saves and deletes of stores, records and reports bump the cached figures through
:func:`config.cache.bump_on_change`, wired in ``SalesConfig.ready``.)
"""

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from config.cache import bump_data_version
from sales.models import SalesRecord
from sales.services import CACHE_NAMESPACE


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="sales.seller_deleted")
def seller_deleted(sender, instance, **kwargs) -> None:
    """The records are set to nobody by ``SET_NULL``, an update on Django's base manager that
    no queryset of ours sees: the top sellers of the workspaces they sold in no longer name them."""
    workspaces = SalesRecord.objects.filter(recorded_by=instance).values_list("workspace_id", flat=True).distinct()
    for workspace_id in workspaces.order_by():
        bump_data_version(CACHE_NAMESPACE, workspace_id)
