"""What happened when: the config-level meeting point of apps that mark moments and the one app
(``reports``) that keeps them as chart annotations, so that neither imports the other.

- Apps send :data:`marked` (an import finished, an API key was rotated, an incident opened);
  ``reports`` receives it and stores an annotation.
- An app that owns API projects registers :func:`register_projects`, so an annotation can name
  a project by id and still be checked against its workspace, and a digest can read each
  project's figures by its key.
- ``reports`` registers :func:`register_annotation_source`; the dashboards' chart data (the
  ``chart_marks`` template tag) reads the marks of a page through it, and the series CSVs the
  texts of each bucket's marks (:func:`bucket_texts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypedDict, cast

from django.dispatch import Signal

from config.periods import next_bucket

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
    """``source(workspace, period=…, project_id=…, time_zone=…, limit=…)`` lists the marks of a
    page's charts, their times on the clock of ``time_zone`` (None: the workspace's), at most
    ``limit`` of them (None: every one)."""
    _annotation_source[:] = [source]


def chart_marks(workspace: Any, **scope: Any) -> list[ChartMark]:
    """The marks a dashboard of ``workspace`` draws (none while no app keeps annotations)."""
    return [mark for source in _annotation_source for mark in source(workspace, **scope)]


def _local_start(start: str) -> dt.datetime:
    """A bucket's start (an ISO date, or the ISO local time of a minute or hour with its offset)
    as the wall-clock time the marks are written in."""
    return dt.datetime.fromisoformat(start).replace(tzinfo=None)


def bucket_texts(workspace: Any, starts: Sequence[str], interval: str, **scope: Any) -> list[str]:
    """For each bucket of a series (its start, as a series row writes it, on the clock of
    ``scope``'s ``time_zone``), the texts of the marks whose moment or range touches it, joined by
    "; " in the order of their starts: the ``annotations`` column of a series CSV."""
    firsts = [_local_start(start) for start in starts]
    # next_bucket keeps the type it is given: a datetime here.
    buckets = [(first, cast(dt.datetime, next_bucket(first, interval))) for first in firsts]
    marks = [
        (
            dt.datetime.fromisoformat(mark["start"]),
            dt.datetime.fromisoformat(mark["end"] or mark["start"]),
            mark["text"],
        )
        for mark in chart_marks(workspace, limit=None, **scope)
    ]
    return [
        "; ".join(text for first, last, text in marks if first < bucket_end and last >= bucket_start)
        for bucket_start, bucket_end in buckets
    ]
