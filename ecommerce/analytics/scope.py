"""The scope an insight's filters name (``?country=&customer=&product=``), checked against the
workspace: a country as a person may spell it becomes the stored one (``Ireland`` is ``EIRE``), and
a country, customer or product without a sales line is a 404, as its detail endpoint answers."""

from __future__ import annotations

from accounts.models import Workspace
from ecommerce.analytics.geography import resolve_country
from ecommerce.analytics.reductions import Scope, existing_value, remember


def resolve_scope(workspace: Workspace, scope: Scope) -> Scope:
    """``scope`` with its country as stored; NotFound (404) when the workspace has no sales line
    for one of its values. Read once per :func:`~ecommerce.analytics.shared_reads` block: a
    page's insights share their scope."""
    if scope == Scope():
        return scope

    def resolve() -> Scope:
        return Scope(
            country=resolve_country(workspace, scope.country) if scope.country is not None else None,
            customer=existing_value(workspace, "customer_id", scope.customer) if scope.customer is not None else None,
            product=existing_value(workspace, "stock_code", scope.product) if scope.product is not None else None,
        )

    return remember(("scope", (workspace.pk, scope)), resolve)
