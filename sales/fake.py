"""Realistic fake sales: yearly seasonality, weekly rhythm, a revenue level per store and a
spread of ROAS (most days between 1.5 and 4, a few loss-making ones).

Pure functions of a numpy random generator, so a seed reproduces the same data.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from faker import Faker

# Revenue multiplier by month (January…December): a post-holiday dip, a summer bump and the
# November–December peak of retail.
MONTH_FACTOR = np.array([0.78, 0.8, 0.92, 0.97, 1.0, 1.05, 1.08, 1.04, 0.98, 1.03, 1.22, 1.42])
# Monday…Sunday: weekends sell more.
WEEKDAY_FACTOR = np.array([0.9, 0.92, 0.95, 1.0, 1.08, 1.2, 1.1])
DEFAULT_DAYS = 365


@dataclass(frozen=True)
class FakeRow:
    store_id: int
    date: dt.date
    revenue: Decimal
    ad_spend: Decimal
    recorded_by_id: int | None


def store_names(count: int, *, seed: int | None = None, taken: set[str] = frozenset()) -> list[tuple[str, str]]:
    """``count`` (name, city) pairs whose names are not in ``taken`` (compared case-insensitively)."""
    fake = Faker()
    if seed is not None:
        fake.seed_instance(seed)
    used = {name.lower() for name in taken}
    names = []
    while len(names) < count:
        city = fake.city()
        name = f"{fake.last_name()} {fake.random_element(['Market', 'Store', 'Outlet', 'Boutique', 'Shop'])}"
        if name.lower() not in used:
            used.add(name.lower())
            names.append((name, city))
    return names


def _cents(values: np.ndarray) -> list[Decimal]:
    return [Decimal(int(cents)).scaleb(-2) for cents in np.maximum(np.rint(values * 100), 0)]


def fake_rows(
    *,
    rng: np.random.Generator,
    store_ids: list[int],
    user_ids: list[int],
    dates: list[dt.date],
) -> list[FakeRow]:
    """One row per ``(store_ids[i], dates[i])``, recorded by members drawn from ``user_ids``."""
    n = len(dates)
    if n == 0:
        return []
    months = np.array([day.month - 1 for day in dates])
    weekdays = np.array([day.weekday() for day in dates])
    levels = np.array([store_level(store_id) for store_id in store_ids])
    base = 1200.0 * levels * MONTH_FACTOR[months] * WEEKDAY_FACTOR[weekdays]
    revenue = base * rng.lognormal(mean=0.0, sigma=0.25, size=n)
    # ROAS around 2.6 (lognormal); about one day in twenty loses money on ads (ROAS < 1).
    roas = np.clip(rng.lognormal(mean=np.log(2.6), sigma=0.55, size=n), 0.3, 12.0)
    ad_spend = revenue / roas
    users = rng.choice(np.array(user_ids), size=n) if user_ids else [None] * n
    return [
        FakeRow(int(store), day, rev, spend, int(user) if user is not None else None)
        for store, day, rev, spend, user in zip(store_ids, dates, _cents(revenue), _cents(ad_spend), users, strict=True)
    ]


def random_days(rng: np.random.Generator, *, count: int, last_day: dt.date, days: int = DEFAULT_DAYS) -> list[dt.date]:
    """``count`` days drawn uniformly from the ``days`` days ending on ``last_day``."""
    offsets = rng.integers(0, days, size=count)
    return [last_day - dt.timedelta(days=int(offset)) for offset in offsets]


def store_level(store_id: int) -> float:
    """A revenue level per store between 0.5 and 1.8 (big and small shops), stable across runs."""
    return 0.5 + (store_id * 0.6180339887) % 1.3
