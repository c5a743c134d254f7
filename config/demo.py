"""Demo data: each app contributes its part, one command (``manage.py demo``) loads them all.

Apps declare their part on their ``AppConfig``, as dotted paths imported only when the demo
runs (so nothing here imports an app):

- ``demo_tenant`` (one app, accounts): a function ``() -> DemoTenant`` that creates the demo
  user, workspace and superuser, or finds them;
- ``demo_loader`` with ``demo_order`` (lowest first): a function
  ``(*, workspace, user, stdout) -> str`` that loads the app's data into that workspace and
  returns a one-line summary. Loaders are idempotent: the demo can run again. An app whose
  data belong to the installation, not to a workspace, says ``demo_per_workspace = False``: its
  loader runs for ``manage.py demo`` only, never for a user's sample workspace.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class DemoTenant:
    """Who the demo data belong to, and the lines telling people how to log in."""

    workspace: Any
    user: Any
    credentials: tuple[str, ...]


@dataclass(frozen=True)
class DemoLoader:
    app: str
    order: int
    load: Callable[..., str]
    per_workspace: bool = True


def tenant() -> DemoTenant:
    """Create (or find) the demo tenant, through the one app that declares ``demo_tenant``."""
    paths = [path for config in apps.get_app_configs() if (path := getattr(config, "demo_tenant", None))]
    if len(paths) != 1:
        raise ImproperlyConfigured(f"Exactly one app must declare demo_tenant; found {len(paths)}.")
    create: Callable[[], DemoTenant] = import_string(paths[0])
    return create()


def loaders() -> list[DemoLoader]:
    """Every installed app's demo loader, by ``demo_order`` (then app label)."""
    found = [
        DemoLoader(
            config.label,
            getattr(config, "demo_order", 100),
            import_string(path),
            getattr(config, "demo_per_workspace", True),
        )
        for config in apps.get_app_configs()
        if (path := getattr(config, "demo_loader", None))
    ]
    return sorted(found, key=lambda loader: (loader.order, loader.app))


def workspace_loaders() -> list[DemoLoader]:
    """The loaders whose data belong to the workspace they load into (a sample workspace's)."""
    return [loader for loader in loaders() if loader.per_workspace]
