"""Share links: create, revoke, find by token, the range a link shows, views and their limit.

A link's token is 32 random bytes (``secrets``), shown once; only its SHA-256 is stored. The
shared page (:mod:`reports.share_views`) renders the dashboard through the app's own view, found
by URL name: ``reports`` imports no app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User, Workspace
from config.api import Row, csv_rows
from config.errors import Invalid
from config.insights import get_insight
from config.throttling import resilient_cache
from reports.models import ShareLink


@dataclass(frozen=True)
class Shareable:
    """A dashboard a link can show: its URL name, the filter naming what the URL needs (an API
    project's key), and the registered insights whose tables its CSV downloads hold."""

    url_name: str
    required: str | None
    tables: tuple[str, ...]


# Only these pages: nothing that writes, nothing of the account.
DASHBOARDS: dict[str, Shareable] = {
    "sales": Shareable("sales:dashboard", None, ("sales.summary", "sales.series", "sales.by_store")),
    "ecommerce": Shareable("ecommerce:dashboard", None, ("ecommerce.kpis", "ecommerce.series", "ecommerce.countries")),
    "ecommerce-customers": Shareable("ecommerce:customers", None, ("ecommerce.segments", "ecommerce.cohorts")),
    "ecommerce-products": Shareable("ecommerce:products", None, ("ecommerce.products_top",)),
    "ecommerce-forecast": Shareable("ecommerce:forecast", None, ("ecommerce.forecast",)),
    "api-project": Shareable(
        "apimetrics:project", "key", ("apimetrics.summary", "apimetrics.time_series", "apimetrics.endpoints")
    ),
}
# The query parameters a link may fix: the dashboards' filters and choices.
FILTERS = ("country", "customer", "product", "store", "endpoint", "consumer", "status", "interval", "compare", "key")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    """A new link with its token, which nothing stores and nobody can see again."""

    link: ShareLink
    token: str

    @property
    def path(self) -> str:
        return reverse("share", args=[self.token])


def _check(data: dict[str, Any]) -> None:
    filters = data.get("filters") or {}
    required = DASHBOARDS[data["dashboard"]].required
    if required and not filters.get(required):
        raise Invalid.on("filters", f"This dashboard needs the filter {required!r}.")
    kind = data.get("range_kind", ShareLink.Range.ALL)
    if kind == ShareLink.Range.FIXED and not (data.get("date_from") and data.get("date_to")):
        raise Invalid.on("date_from", "A fixed range needs date_from and date_to.")
    if kind == ShareLink.Range.ROLLING and not data.get("rolling_days"):
        raise Invalid.on("rolling_days", "A rolling range needs its number of days.")
    if data.get("expires_at") and data["expires_at"] <= timezone.now():
        raise Invalid.on("expires_at", "The expiry is in the past.")
    try:
        dashboard_path(data["dashboard"], filters)
    except NoReverseMatch:
        raise Invalid.on("filters", "These filters name no dashboard.") from None


def share_link_create(*, workspace: Workspace, user: User, password: str = "", **data: Any) -> IssuedLink:
    """A new link; the password, if any, hashed by Django's hasher."""
    _check(data)
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        workspace=workspace,
        created_by=user,
        token_hash=token_hash(token),
        password_hash=make_password(password) if password else "",
        **data,
    )
    return IssuedLink(link, token)


def share_link_revoke(*, link: ShareLink) -> ShareLink:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def dashboard_path(dashboard: str, filters: dict[str, Any]) -> str:
    shown = DASHBOARDS[dashboard]
    return reverse(shown.url_name, kwargs={shown.required: filters[shown.required]} if shown.required else {})


class LinkGone(Exception):
    """The link existed but no longer opens: revoked or expired."""


def share_link_for(token: str, *, now: dt.datetime | None = None) -> ShareLink | None:
    """The link of ``token``; None for no link (a tampered or unknown token), :class:`LinkGone`
    for one revoked or past its expiry."""
    if not _TOKEN.match(token):
        return None
    link = ShareLink.objects.select_related("workspace").filter(token_hash=token_hash(token)).first()
    if link is None:
        return None
    now = now or timezone.now()
    if link.revoked_at is not None or (link.expires_at is not None and link.expires_at <= now):
        raise LinkGone
    return link


def password_ok(link: ShareLink, password: str) -> bool:
    return check_password(password, link.password_hash)


def query_of(link: ShareLink, *, today: dt.date | None = None) -> dict[str, str]:
    """The dashboard's query string: the link's filters and its range, a rolling one ending today
    in the workspace's time zone."""
    query = {name: str(value) for name, value in link.filters.items() if name in FILTERS and name != "key"}
    if link.range_kind == ShareLink.Range.FIXED and link.date_from and link.date_to:
        query.update(date_from=link.date_from.isoformat(), date_to=link.date_to.isoformat())
    elif link.range_kind == ShareLink.Range.ROLLING and link.rolling_days:
        today = today or timezone.now().astimezone(ZoneInfo(link.workspace.timezone)).date()
        first = today - dt.timedelta(days=link.rolling_days - 1)
        query.update(date_from=first.isoformat(), date_to=today.isoformat())
    return query


def shared_table(link: ShareLink, name: str) -> tuple[str, list[Row]]:
    """The CSV file name and rows of the link's insight ``name`` over the link's range and
    filters (a link that allows CSV, an insight of its dashboard: the view checks both)."""
    insight = get_insight(name)
    query = {**query_of(link), **{key: link.filters[key] for key in insight.url_params if key in link.filters}}
    params = insight.validate(query)
    value = insight.run(link.workspace, params).value
    rows = insight.marked_rows(
        link.workspace, params, value, csv_rows(value, insight.csv_rows_key), insight.csv_rows_key
    )
    return insight.csv_filename or name, rows


def share_view_record(link: ShareLink) -> None:
    """Count a view in one UPDATE, so concurrent views are all counted."""
    ShareLink.objects.filter(pk=link.pk).update(view_count=F("view_count") + 1, last_viewed_at=timezone.now())


def share_rate_wait(link: ShareLink, client: str) -> int:
    """Seconds until ``client`` may open the link again (0: now). Counted per link and client
    network in the cache, in windows of a minute (``SHARE_LINK_RATE_PER_MINUTE``)."""
    window = int(timezone.now().timestamp()) // 60
    key = f"share-rate:{link.pk}:{client}:{window}"
    resilient_cache.add(key, 0, 60)
    if resilient_cache.incr(key) <= settings.SHARE_LINK_RATE_PER_MINUTE:
        return 0
    return 60 - int(timezone.now().timestamp()) % 60
