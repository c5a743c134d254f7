"""What happened when: the config-level meeting point of apps that mark moments and the one app
(``reports``) that keeps them as chart annotations, so that neither imports the other.

- Apps send :data:`marked` (an import finished, an API key was rotated, an incident opened);
  ``reports`` receives it and stores an annotation.
- An app that owns API projects registers :func:`register_projects`, so an annotation can name
  a project by id and still be checked against its workspace, and a digest can read each
  project's figures by its key.
- ``reports`` registers :func:`register_annotation_source`; the dashboards' chart data (the
  ``chart_annotations`` template tag) reads the marks of a page through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypedDict

from django.dispatch import Signal

# Arguments: workspace_id, kind ("import", "key_rotation", "incident"), text, starts_at (aware),
# and optionally ends_at and project_id.
marked = Signal()


class ChartMark(TypedDict):
    """One annotation as the charts draw it: ISO dates or times, the end null for a moment."""

    id: int
    start: str
    end: str | None
    text: str
    kind: str
    project_id: int | None


ProjectOwner = Callable[[int, int], bool]
ProjectKeys = Callable[[int], list[str]]
AnnotationSource = Callable[..., list[ChartMark]]
_project_owner: list[ProjectOwner] = []
_project_keys: list[ProjectKeys] = []
_annotation_source: list[AnnotationSource] = []


def mark(*, workspace_id: int, kind: str, text: str, starts_at: dt.datetime, **extra: Any) -> None:
    """Send :data:`marked`; a failing receiver is logged by Django, never undoes the sender's work."""
    marked.send_robust(sender=None, workspace_id=workspace_id, kind=kind, text=text, starts_at=starts_at, **extra)


def register_projects(owner: ProjectOwner, keys: ProjectKeys) -> None:
    """``owner(workspace_id, project_id)`` says whether the project is the workspace's;
    ``keys(workspace_id)`` lists the keys of the workspace's projects."""
    _project_owner[:] = [owner]
    _project_keys[:] = [keys]


def project_keys(workspace_id: int) -> list[str]:
    """The keys of the workspace's API projects (none without an owner app)."""
    return [key for keys in _project_keys for key in keys(workspace_id)]


def project_in_workspace(workspace_id: int, project_id: int) -> bool:
    """Whether the API project ``project_id`` belongs to the workspace (False without an owner app)."""
    return any(owner(workspace_id, project_id) for owner in _project_owner)


def register_annotation_source(source: AnnotationSource) -> None:
    """``source(workspace, period=…, project_id=…, time_zone=…)`` lists the marks of a page's
    charts, their times on the clock of ``time_zone`` (None: the workspace's)."""
    _annotation_source[:] = [source]


def chart_marks(workspace: Any, **scope: Any) -> list[ChartMark]:
    """The marks a dashboard of ``workspace`` draws (none while no app keeps annotations)."""
    return [mark for source in _annotation_source for mark in source(workspace, **scope)]
