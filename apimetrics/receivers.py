"""Signal receivers: a deleted API key stops working at once, however it was deleted. (A saved
project needs none: its time zone and Apdex threshold are part of its insights' cache key.)
Every ``migrate`` creates the events' daily partitions ahead, as the hourly task does."""

from django.db.models.signals import post_delete, post_migrate
from django.dispatch import receiver

from apimetrics import keys, partitions
from apimetrics.models import ApiKey, Project
from config import timeline


def _owns_project(workspace_id: int, project_id: int) -> bool:
    return Project.objects.filter(workspace_id=workspace_id, pk=project_id).exists()


def _project_keys(workspace_id: int) -> list[str]:
    return list(Project.objects.filter(workspace_id=workspace_id).order_by("key").values_list("key", flat=True))


# Annotations name a project by id (checked against their workspace); digests read each
# project's figures by its key.
timeline.register_projects(_owns_project, _project_keys)


@receiver(post_delete, sender=ApiKey, dispatch_uid="apimetrics.forget_deleted_key")
def forget_deleted_key(sender, instance: ApiKey, **kwargs) -> None:
    """Drop the cached lookup of a key deleted on its own or with its project or workspace
    (the admin, a cascade): it would otherwise be accepted until the cache entry expired."""
    keys.forget(instance.prefix)


@receiver(post_migrate, dispatch_uid="apimetrics.event_partitions")
def event_partitions(sender, app_config, using: str, **kwargs) -> None:
    if app_config.label == "apimetrics" and using == "default":
        partitions.ensure()
