"""The one caching helper: results keyed by workspace and guarded by a data version.

Every write to a workspace's data bumps its data version (after commit): the models whose rows
cached results count are wired to it once, by :func:`bump_on_change`; writes that bypass the
ORM (an import's ``COPY``) call :func:`bump_data_version` themselves. A cached
entry carries the version it was computed under and is served only while that version is
current, so nobody reads stale data after a write and no entry is shared by two tenants.
A read costs one cache round trip: the version and the entry are fetched together (MGET).

:func:`cached_by_inputs` is the other kind of entry: a result that is a pure function of inputs
the caller has just read, such as a model fitted on data reduced by the database, keyed by a
digest of those inputs rather than by the data version.
Versions are random 62-bit numbers, so a version lost from the cache is never reused (and a
frozen test clock cannot make two bumps equal). When the cache is unreachable, values are
computed and nothing is cached.
"""

import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import structlog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from config.replicas import read_as_of

log = structlog.get_logger("pulse.cache")


@dataclass(frozen=True)
class Cached:
    value: Any
    hit: bool
    computed_at: dt.datetime
    version: int | None = None  # the data version it was computed under; None: not cached


@dataclass(frozen=True)
class Body:
    """An answer's body as bytes with its headers; ``etag`` validates it while its data version
    holds (None when it was not cached)."""

    content: bytes
    headers: dict[str, str]
    etag: str | None
    hit: bool


# A workspace's data version and results share a hash tag ({namespace:workspace}): on a Redis
# Cluster they live in one slot, so the MGET of a read still works and costs one round trip.
def version_key(namespace: str, workspace_id: int | None) -> str:
    return f"ver:{{{namespace}:{workspace_id or 0}}}"


def result_key(
    namespace: str, workspace_id: int | None, name: str, params: Mapping[str, object], *, kind: str = "res"
) -> str:
    """The key of a result (``res``) or of the bytes of its answer (``body``)."""
    digest = hashlib.sha1(json.dumps(params, sort_keys=True, default=str).encode(), usedforsecurity=False)
    return f"{kind}:{{{namespace}:{workspace_id or 0}}}:{name}:{digest.hexdigest()}"


def _new_version() -> int:
    return secrets.randbits(62)


def data_version(namespace: str, workspace_id: int | None) -> int | None:
    """The current data version, or None when the cache cannot be reached."""
    key = version_key(namespace, workspace_id)
    version: int | None = cache.get(key)
    if version is None:
        cache.add(key, _new_version(), timeout=None)
        version = cache.get(key)
    return version


def bump_data_version(namespace: str, workspace_id: int | None = None) -> None:
    """Invalidate every cached result of ``namespace`` for the workspace, once the current
    transaction commits (at once outside a transaction)."""
    key = version_key(namespace, workspace_id)
    transaction.on_commit(lambda: cache.set(key, _new_version(), timeout=None))


# --- which writes move which data version ------------------------------------------------


@dataclass(frozen=True)
class _Tracked:
    namespace: str
    workspace_field: str | None  # attribute name (``workspace_id``); None: the whole installation's data


_tracked: dict[type[models.Model], _Tracked] = {}


def bump_on_change(model: type[models.Model], namespace: str, *, workspace_field: str | None = "workspace_id") -> None:
    """Wire every write of ``model`` to ``namespace``'s data version of the row's workspace (read
    from ``workspace_field``; None for data of the whole installation), bumped after commit:

    - ``save()`` (create, change, the admin's forms): a ``post_save`` receiver connected here;
    - ``delete()`` of an instance: :class:`VersionedModel`, which the model inherits;
    - bulk ``update``, ``delete``, ``bulk_create`` and ``bulk_update``: :class:`VersionedQuerySet`,
      which the model's default manager is built on.

    No ``post_delete`` receiver: with one, Django loads every row a cascade deletes (a workspace's
    millions of records) to send it. Rows a cascade deletes bump nothing; their parent's own
    delete does (a store, a product), or their workspace is gone.
    Call it from the app's ``AppConfig.ready``.
    """
    if not issubclass(model, VersionedModel) or not isinstance(model._default_manager.all(), VersionedQuerySet):
        raise ImproperlyConfigured(
            f"{model.__name__} must inherit VersionedModel and keep a VersionedQuerySet manager."
        )
    _tracked[model] = _Tracked(namespace, workspace_field)
    post_save.connect(_saved, sender=model, dispatch_uid=f"pulse.bump_on_save.{model._meta.label}")


def _tracking(model: type[models.Model]) -> _Tracked:
    try:
        return _tracked[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} writes data but no app called bump_on_change for it.") from None


def _bump(model: type[models.Model], workspace_ids: Iterable[int | None]) -> None:
    namespace = _tracking(model).namespace
    for workspace_id in set(workspace_ids):
        bump_data_version(namespace, workspace_id)


def _workspace_of(obj: models.Model) -> int | None:
    field = _tracking(type(obj)).workspace_field
    return None if field is None else getattr(obj, field)


def _saved(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    _bump(sender, [_workspace_of(instance)])


_M = TypeVar("_M", bound=models.Model)


class VersionedQuerySet(models.QuerySet[_M]):
    """Bulk writes bump the data version of every workspace whose rows they write.

    ``update`` and ``delete`` of a workspace's rows cost one query more (the workspaces of the
    rows, read first); an ``update`` that sets the workspace to an expression is not supported.
    """

    def _workspaces(self) -> set[int | None]:
        field = _tracking(self.model).workspace_field
        if field is None:
            return {None}
        return set(self.order_by().values_list(field, flat=True).distinct())

    def update(self, **kwargs: Any) -> int:
        workspaces = self._workspaces()
        rows = super().update(**kwargs)
        if rows:
            field = _tracking(self.model).workspace_field
            for name in (field, field and field.removesuffix("_id")):
                if name in kwargs:  # rows moved to another workspace: its figures change too
                    workspaces.add(getattr(kwargs[name], "pk", kwargs[name]))
            _bump(self.model, workspaces)
        return rows

    def delete(self) -> tuple[int, dict[str, int]]:
        workspaces = self._workspaces()
        deleted = super().delete()
        if deleted[0]:
            _bump(self.model, workspaces)
        return deleted

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        created = super().bulk_create(objs, *args, **kwargs)
        _bump(self.model, [_workspace_of(obj) for obj in created])
        return created

    def bulk_update(self, objs: Iterable[_M], fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        objs, fields = list(objs), list(fields)
        workspaces = {_workspace_of(obj) for obj in objs}
        field = _tracking(self.model).workspace_field
        if field is not None and {field, field.removesuffix("_id")} & set(fields):
            workspaces |= self.filter(pk__in=[obj.pk for obj in objs])._workspaces()  # where they were
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            _bump(self.model, workspaces)
        return rows


VersionedManager = models.Manager.from_queryset(VersionedQuerySet)


class VersionedModel(models.Model):
    """Base of the models :func:`bump_on_change` tracks: deleting an instance bumps its data
    version (with a ``post_delete`` receiver instead, cascades would load every row)."""

    objects = VersionedManager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        workspace_id = _workspace_of(self)
        deleted = super().delete(*args, **kwargs)
        _bump(type(self), [workspace_id])
        return deleted


def cached(
    namespace: str,
    workspace_id: int | None,
    name: str,
    params: Mapping[str, object],
    compute: Callable[[], Any],
    *,
    timeout: int | None = None,
    refresh: bool = False,
) -> Cached:
    """``compute()`` once per (namespace, workspace, data version, name, params).

    ``refresh=True`` recomputes and stores the value whatever is cached.
    """
    v_key = version_key(namespace, workspace_id)
    key = result_key(namespace, workspace_id, name, params)
    started = time.perf_counter()
    found = cache.get_many([v_key, key])
    version = found.get(v_key)
    if version is None:
        version = data_version(namespace, workspace_id)  # first read ever, or no cache
    stored = found.get(key)
    if not refresh and version is not None and stored is not None and stored[0] == version:
        log.debug("cache_hit", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
        return Cached(stored[1], True, stored[2], version)
    value = compute()
    replica_as_of = read_as_of()
    computed_at = replica_as_of or timezone.now()
    if replica_as_of is not None:
        # Off a lagging replica the value may predate the write behind this version: kept only
        # as long as a replica may lag, then computed again.
        timeout = int(settings.DATABASE_REPLICA_MAX_LAG_SECONDS) or 1
    if version is not None:
        cache.set(key, (version, value, computed_at), timeout=timeout)
    log.info(
        "cache_refresh" if refresh else "cache_miss",
        key=key,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
    )
    return Cached(value, False, computed_at, version)


def etag(key: str, version: int) -> str:
    """The validator of what ``key`` holds under data ``version``: weak, because an entry
    recomputed under the same version says so in its ``data_as_of`` (same figures, other bytes)."""
    digest = hashlib.sha1(f"{key}:{version}".encode(), usedforsecurity=False).hexdigest()
    return f'W/"{digest[:32]}"'


def cached_body(
    namespace: str,
    workspace_id: int | None,
    name: str,
    params: Mapping[str, object],
    produce: Callable[[], tuple[Cached, bytes, dict[str, str]]],
) -> Body:
    """An answer's bytes, kept under the data version of the result they were written from:
    ``produce()`` returns that result (from :func:`cached`) with the bytes and headers of its
    answer. A hit costs one cache round trip (the version and the bytes together) and no
    serialisation; its ETag changes with the version, the name and the parameters."""
    v_key = version_key(namespace, workspace_id)
    key = result_key(namespace, workspace_id, name, params, kind="body")
    found = cache.get_many([v_key, key])
    version, stored = found.get(v_key), found.get(key)
    if version is not None and stored is not None and stored[0] == version:
        return Body(stored[1], stored[2], etag(key, version), True)
    result, content, headers = produce()
    if result.version is None:  # no cache to keep it in
        return Body(content, headers, None, False)
    cache.set(key, (result.version, content, headers))
    return Body(content, headers, etag(key, result.version), False)


class InputsStore(Protocol):
    """A durable second level for :func:`cached_by_inputs` (the database), shared by every process
    whatever its cache: ``get`` answers ``(value, computed_at)`` or None."""

    def get(self, workspace_id: int | None, name: str, inputs: str) -> tuple[Any, dt.datetime] | None: ...

    def put(self, workspace_id: int | None, name: str, inputs: str, value: Any, computed_at: dt.datetime) -> None: ...


def cached_by_inputs(
    namespace: str,
    workspace_id: int | None,
    name: str,
    inputs: str,
    compute: Callable[[], Any],
    *,
    timeout: int,
    store: InputsStore | None = None,
) -> Cached:
    """``compute()`` once per (namespace, workspace, name, ``inputs``), ``inputs`` being a digest of
    everything the result depends on (the data the caller read, the code's version).

    For results that are expensive and deterministic, such as fitted model parameters. No data
    version guards them: the digest already tells whether they were computed from the data the
    caller holds, so a write that changes those data misses, and one that leaves them as they
    were (or a data version lost from the cache) still finds the result. Entries expire after
    ``timeout`` seconds, so the results of data long replaced do not pile up.

    With a ``store``, a result missing from the cache is looked up there before it is computed,
    and a computed one is kept there too: a local-memory cache dies with its process, the store
    does not. ``hit`` is False only when ``compute()`` ran.
    """
    key = f"inp:{namespace}:{workspace_id or 0}:{name}:{inputs}"
    started = time.perf_counter()
    stored = cache.get(key)
    if stored is None and store is not None:
        stored = store.get(workspace_id, name, inputs)
        if stored is not None:
            cache.set(key, stored, timeout=timeout)
    if stored is not None:
        log.debug("cache_hit", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
        return Cached(stored[0], True, stored[1])
    value = compute()
    computed_at = timezone.now()
    if store is not None:
        store.put(workspace_id, name, inputs, value, computed_at)
    cache.set(key, (value, computed_at), timeout=timeout)
    log.info("cache_miss", key=key, duration_ms=round((time.perf_counter() - started) * 1000, 2))
    return Cached(value, False, computed_at)
