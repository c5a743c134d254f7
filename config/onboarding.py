"""What a new workspace should do next: each app names its first step, and whether a workspace
has done it, so that an empty page says what to do instead of drawing an empty chart.

Apps declare their step on their ``AppConfig`` as ``onboarding_step``: the dotted path of a
:class:`Step` (imported when first asked for, so nothing here imports an app).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Step:
    """One app's first step: ``done(workspace)`` tells whether the workspace took it. The link is
    the first of ``url_names`` this installation serves (a page may come in a later release)."""

    app: str
    order: int
    title: str
    text: str
    url_names: tuple[str, ...]
    done: Callable[[Any], bool]

    @property
    def url(self) -> str:
        for name in self.url_names:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return ""


def steps() -> list[Step]:
    """Every installed app's step, by ``order`` (then app label)."""
    found: list[Step] = [
        import_string(path) for config in apps.get_app_configs() if (path := getattr(config, "onboarding_step", None))
    ]
    return sorted(found, key=lambda step: (step.order, step.app))
