"""Where a range's API-metrics counts come from: whole days and hours from their rollups, the edges
from the minute rollups, and the raw events after the rollup watermark."""

import datetime as dt

# What a source of counts covers: (table, from, until), either end open when None.
Source = tuple[str, dt.datetime | None, dt.datetime | None]


UNIT = {"minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}


def _floor(value: dt.datetime, unit: str) -> dt.datetime:
    """The start of the UTC hour or day of ``value``: the slots of the rollup tables."""
    value = value.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return value.replace(hour=0) if unit == "day" else value


def _ceil(value: dt.datetime, unit: str) -> dt.datetime:
    floor = _floor(value, unit)
    return floor if floor == value else floor + UNIT[unit]


def _split(lo: dt.datetime | None, hi: dt.datetime, levels: tuple[str, ...]) -> list[Source]:
    """[lo, hi) as whole units of the coarsest level that fits, the edges from finer levels."""
    if lo is not None and lo >= hi:
        return []
    if not levels:
        return [("minute", lo, hi)]
    unit, finer = levels[0], levels[1:]
    last = _floor(hi, unit)
    if lo is None:
        return [(unit, None, last), *_split(last, hi, finer)]
    first = _ceil(lo, unit)
    if first >= last:
        return _split(lo, hi, finer)
    parts: list[Source] = [(unit, first, last)]
    if lo < first:
        parts += _split(lo, first, finer)
    return parts + _split(last, hi, finer)


def sources_of(
    start: dt.datetime | None,
    end: dt.datetime | None,
    rolled_until: dt.datetime | None,
    *,
    levels: tuple[str, ...] = ("day", "hour"),
) -> list[Source]:
    """``[(table, lo, hi)]`` covering [start, end): day and hour rollups for whole rolled days and
    hours, minute rollups for the rolled edges, raw events after the watermark (None: open).

    Days and hours are in the rollups only once complete, i.e. before the watermark's day/hour.
    """
    sources: list[Source] = []
    if rolled_until is not None and (start is None or start < rolled_until):
        rolled_end = rolled_until if end is None else min(end, rolled_until)
        sources += _split(start, rolled_end, levels)
    if rolled_until is None:
        sources.append(("raw", start, end))
    elif end is None or end > rolled_until:
        sources.append(("raw", rolled_until if start is None else max(start, rolled_until), end))
    return sources
