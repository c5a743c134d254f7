"""Fitted models kept in the database, under a digest of what they were fitted on.

The CLV models and the revenue forecast take seconds to fit. They are fitted once per input
(after an import, by the warming task, or by the first request that needs them) and kept in
:class:`ecommerce.models.ModelFit`, where every process finds them: with the local-memory cache
of the embedded default, a fit made in another process (``make demo``'s load, a Celery worker, a
second web process) would otherwise be lost with that process's memory. The cache stays in
front of the table, so a fit read once is read from memory or Redis after that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from config.cache import Cached, cached_by_inputs
from ecommerce.models import ModelFit

CACHE_NAMESPACE = "ecommerce"
# A fit not made again for this long is deleted (the nightly warming fits the current ones
# again), so the fits of data long replaced do not pile up; the cache keeps them as long.
FIT_TIMEOUT = 30 * 24 * 3600


class DatabaseFitStore:
    """:class:`config.cache.InputsStore` on the ModelFit table."""

    def get(self, workspace_id: int | None, name: str, inputs: str) -> tuple[Any, dt.datetime] | None:
        found = ModelFit.objects.filter(workspace_id=workspace_id, name=name, inputs=inputs)
        return found.values_list("value", "computed_at").first()

    def put(self, workspace_id: int | None, name: str, inputs: str, value: Any, computed_at: dt.datetime) -> None:
        # Two processes may fit the same data at once: the first row stays, both are the same fit.
        fit = ModelFit(workspace_id=workspace_id, name=name, inputs=inputs, value=value, computed_at=computed_at)
        ModelFit.objects.bulk_create([fit], ignore_conflicts=True)


def stored_fit(workspace_id: int, name: str, inputs: str, fit: Callable[[], dict]) -> Cached:
    """The fit of ``name`` for the data whose digest is ``inputs``: from the cache, else from the
    database, else ``fit()`` now (and kept in both). ``hit`` is False when it was fitted now."""
    return cached_by_inputs(
        CACHE_NAMESPACE, workspace_id, name, inputs, fit, timeout=FIT_TIMEOUT, store=DatabaseFitStore()
    )


def delete_old_fits(*, now: dt.datetime | None = None) -> int:
    """Delete the fits made more than :data:`FIT_TIMEOUT` ago; how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=FIT_TIMEOUT)
    deleted, _ = ModelFit.objects.filter(computed_at__lt=cutoff).delete()
    return deleted
