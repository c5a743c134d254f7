"""Signal receivers: a deleted API key stops working at once, however it was deleted; a saved
project's cached metrics move to a new version, whoever saved it (the API's services, the admin)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apimetrics import keys
from apimetrics.analytics import CACHE_NAMESPACE
from apimetrics.models import ApiKey, Project
from config.cache import bump_data_version


@receiver(post_delete, sender=ApiKey, dispatch_uid="apimetrics.forget_deleted_key")
def forget_deleted_key(sender, instance: ApiKey, **kwargs) -> None:
    """Drop the cached lookup of a key deleted on its own or with its project or workspace
    (the admin, a cascade): it would otherwise be accepted until the cache entry expired."""
    keys.forget(instance.prefix)


@receiver(post_save, sender=Project, dispatch_uid="apimetrics.project_saved")
def project_saved(sender, instance: Project, **kwargs) -> None:
    """Its time zone buckets the metrics and its Apdex threshold scores them."""
    bump_data_version(CACHE_NAMESPACE, instance.workspace_id)
