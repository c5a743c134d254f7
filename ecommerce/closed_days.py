"""The days a shop is closed, learned from its daily revenue.

Three kinds, each forecast as exactly zero (and left out of the fit):

- weekdays without a single sale over the last :data:`TRAILING_WEEKS` weeks (the Online Retail
  shop never sells on a Saturday);
- year-end closures: month-days between 15 December and 10 January that had no sales, inside a
  run of at least :data:`YEAR_END_RUN` days without sales, in every year the history covers them
  (the shop closed from 24 December to 3 January);
- the public holidays of the workspace's country (the ``holidays`` package), when the shop sold
  nothing on most of the holidays the history holds outside the year-end closure.

The country is the one IANA's ``zone.tab`` gives for the workspace's time zone (Europe/London:
GB); a zone shared by no country (UTC) has no holidays.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

TRAILING_WEEKS = 8
YEAR_END_RUN = 3
# The year-end window, as (month, day) bounds, across New Year.
YEAR_END_FROM = (12, 15)
YEAR_END_TO = (1, 10)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@functools.cache
def _zone_countries() -> dict[str, str]:
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text()
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {fields[2]: fields[0] for fields in rows}


def country_of(timezone: str) -> str | None:
    """The ISO 3166 code of the country of the IANA zone ``timezone`` (None for UTC and the like)."""
    return _zone_countries().get(timezone)


def public_holidays(country: str | None, years: range) -> set[dt.date]:
    if country is None:
        return set()
    import holidays

    try:
        return set(holidays.country_holidays(country, years=years))
    except NotImplementedError:  # a country the package does not know
        return set()


def _in_year_end(day: pd.Timestamp) -> bool:
    key = (day.month, day.day)
    return key >= YEAR_END_FROM or key <= YEAR_END_TO


@dataclass(frozen=True)
class ClosedDays:
    weekdays: tuple[int, ...]  # 0 = Monday
    year_end: tuple[tuple[int, int], ...]  # (month, day)
    holidays_closed: bool
    country: str | None

    def mask(self, days: pd.DatetimeIndex) -> np.ndarray:
        """True on the days the shop is closed."""
        holidays = public_holidays(self.country, range(days.year.min(), days.year.max() + 1)) if len(days) else set()
        return np.array(
            [
                day.day_of_week in self.weekdays
                or (day.month, day.day) in self.year_end
                or (self.holidays_closed and day.date() in holidays)
                for day in days
            ],
            dtype=bool,
        )

    def as_json(self) -> dict:
        return {
            "weekdays": [WEEKDAYS[day] for day in self.weekdays],
            "year_end": [f"{month:02d}-{day:02d}" for month, day in self.year_end],
            "country": self.country,
            "public_holidays_closed": self.holidays_closed,
        }


def _closed_weekdays(series: pd.Series) -> tuple[int, ...]:
    tail = series.iloc[-TRAILING_WEEKS * 7 :]
    weekdays = tail.index.day_of_week
    return tuple(day for day in range(7) if (weekdays == day).any() and not (tail[weekdays == day] > 0).any())


def _year_end(series: pd.Series) -> tuple[tuple[int, int], ...]:
    """The month-days of the year-end window closed in every year the history covers them."""
    zero = np.asarray(series, dtype=float) <= 0
    # Length of the run of days without sales each day belongs to.
    run_id = np.cumsum(np.r_[True, zero[1:] != zero[:-1]])
    run_length = pd.Series(run_id).map(pd.Series(run_id).value_counts()).to_numpy()
    closed = zero & (run_length >= YEAR_END_RUN)
    window = np.array([_in_year_end(day) for day in series.index], dtype=bool)
    keys = pd.Series(list(zip(series.index.month, series.index.day, strict=True)))[window]
    always = pd.Series(closed[window], index=keys.index).groupby(keys.to_numpy()).all()
    return tuple(sorted(key for key, value in always.items() if value))


def learn(series: pd.Series, country: str | None) -> ClosedDays:
    """The closed days of the shop whose daily revenue is ``series`` (gap-free, by local day)."""
    weekdays = _closed_weekdays(series)
    year_end = _year_end(series)
    seen = [
        day
        for day in sorted(public_holidays(country, range(series.index.year.min(), series.index.year.max() + 1)))
        if series.index[0].date() <= day <= series.index[-1].date()
        and (day.month, day.day) not in year_end
        and day.weekday() not in weekdays
    ]
    closed_on = sum(series[pd.Timestamp(day)] <= 0 for day in seen)
    return ClosedDays(weekdays, year_end, bool(seen) and bool(closed_on * 2 > len(seen)), country)
