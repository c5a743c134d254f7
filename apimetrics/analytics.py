"""Read side of API metrics: summary, time series, endpoints and consumers of a project.

Everything is computed in the database from the rollups (whole hours from the hour table, the
edges from the minute table) plus the raw events after the rollup watermark, so results are
fresh to the second and fast over months of traffic. Percentiles and Apdex come from the merged
latency histograms (within 3.85 % of the exact value, see :mod:`apimetrics.histogram`).
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from apimetrics import histogram as hist
from apimetrics import sql
from apimetrics.histogram import BUCKET_SQL
from apimetrics.models import MinuteRollup, Project, RequestEvent, RollupState
from apimetrics.sources import UNIT, sources_of
from config.periods import MAX_POINTS, Period, bucket_starts, check_bucket_count, growth_pct, truncate_time

CACHE_NAMESPACE = "apimetrics"
QUANTILES = (0.5, 0.95, 0.99)
# The buckets a series can be read by.
INTERVALS = ("minute", "hour", "day")
# A payload as the views answer it; its shape is documented (and typed for clients) by the
# response serializers of apimetrics.api.serializers.
Payload = dict[str, Any]
Moment = dt.datetime | None
# The group of a row of counts: its time slot and dimension values, as the database gives them.
GroupKey = tuple[Any, ...]


@dataclass
class Acc:
    requests: int = 0
    status_2xx: int = 0
    status_3xx: int = 0
    status_4xx: int = 0
    status_5xx: int = 0
    sum_ms: float = 0.0
    histogram: dict[int, int] = field(default_factory=dict)
    codes: dict[int, int] = field(default_factory=dict)  # requests by status code, when asked for

    def add(self, other: "Acc") -> None:
        self.requests += other.requests
        self.status_2xx += other.status_2xx
        self.status_3xx += other.status_3xx
        self.status_4xx += other.status_4xx
        self.status_5xx += other.status_5xx
        self.sum_ms += other.sum_ms
        for mine, theirs in ((self.histogram, other.histogram), (self.codes, other.codes)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count


def percent(part: int, whole: int) -> float:
    return round(part / whole * 100, 2) if whole else 0.0


def acc_stats(acc: Acc, apdex_threshold_ms: int | None = None) -> Payload:
    p50, p95, p99 = hist.percentiles(acc.histogram, QUANTILES)
    stats: Payload = {
        "requests": acc.requests,
        "errors_4xx": acc.status_4xx,
        "errors_5xx": acc.status_5xx,
        "error_rate_4xx": percent(acc.status_4xx, acc.requests),
        "error_rate_5xx": percent(acc.status_5xx, acc.requests),
        "avg_ms": round(acc.sum_ms / acc.requests, 2) if acc.requests else None,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
    }
    if apdex_threshold_ms is not None:
        stats["apdex"] = hist.apdex(acc.histogram, apdex_threshold_ms)
    return stats


# --- where the numbers come from (apimetrics.sources) ---------------------------------------


_DIMS = {
    None: "",
    "endpoint": "method, endpoint",
    "consumer": "consumer",
    "endpoint_consumer": "method, endpoint, consumer",
}
# What a breakdown may be narrowed to (column names, never values, go into the SQL); a match is a
# tuple of (column, value) pairs: (("method", "GET"), ("endpoint", "/items")) or (("consumer", "a"),).
# A ("status_class", "4xx") pair is matched in raw events alone: no rollup keeps latency by class.
_MATCHABLE = {"method": "method", "endpoint": "endpoint", "consumer": "consumer"}
Match = tuple[tuple[str, str], ...]


def _kind(dims: str | None, match: Match) -> str:
    """The rollups that hold the groups of ``dims`` narrowed to ``match``: those of endpoints (e),
    of consumers (c), or of each endpoint's consumers (x) when both are involved."""
    named = {name.strip() for name in _DIMS[dims].split(",")} | {name for name, _value in match}
    return ("x" if named & {"method", "endpoint"} else "c") if "consumer" in named else "e"


def raw_only(match: Match) -> bool:
    return any(name == "status_class" for name, _value in match)


# The sparse maps of a rollup row, with what each one counts a raw event under.
_MAPS = {"histogram": BUCKET_SQL, "status_codes": "status_code"}


def _match_where(match: Match, prefix: str) -> tuple[str, list[object]]:
    """The conditions (each starting " AND ") and parameters that keep the rows of ``match``."""
    where = ""
    params: list[object] = []
    for name, value in match:
        if name == "status_class":  # collect() reads raw events alone then
            where += " AND status_code >= %s AND status_code < %s"
            params += [int(value[0]) * 100, int(value[0]) * 100 + 100]
        else:
            where += f" AND {prefix}{_MATCHABLE[name]} = %s"
            params.append(value)
    return where, params


def _source_sql(
    table: str,
    lo: dt.datetime | None,
    hi: dt.datetime | None,
    *,
    project_id: int,
    dims: str | None,
    unit: str | None,
    part: str,
    match: Match = (),
) -> tuple[str, list[object]]:
    """The SQL of one source's ``part``: its counts, or the entries of one of its sparse maps
    (:data:`_MAPS`) as (key ``b``, count ``n``) rows; only the rows of ``match`` (column, value)
    pairs when given (one endpoint's or consumer's, read from the rollups of its kind)."""
    columns = _DIMS[dims]
    params: list[object] = [project_id]
    prefix = ""
    if table == "raw":
        time_column, from_, where = "timestamp", sql.EVENTS, "project_id = %s"
        t = sql.trunc(unit, "timestamp") if unit else None
    else:
        from_ = sql.LEVELS[table] + " r"
        where, prefix = "r.project_id = %s AND r.kind = %s", "r."
        params.append(_kind(dims, match))
        time_column = f"r.{table}"
        t = None if unit is None else time_column if table == unit else sql.trunc(unit, time_column)
        columns = ", ".join(f"r.{name.strip()}" for name in columns.split(",")) if columns else ""
    matched, match_params = _match_where(match, prefix)
    where += matched
    params += match_params
    if lo is not None:
        where += f" AND {time_column} >= %s"
        params.append(sql.param(lo))
    if hi is not None:
        where += f" AND {time_column} < %s"
        params.append(sql.param(hi))
    selected = ", ".join(piece for piece in (f"{t} AS t" if t else "", columns) if piece)
    selected = f"{selected}, " if selected else ""
    # The statements below interpolate table and column names and fragments of apimetrics.sql,
    # never a value: values go in ``params``.
    if part in _MAPS:
        if table == "raw":
            body = f"SELECT {selected}{_MAPS[part]} AS b, 1 AS n FROM {from_} WHERE {where}"  # noqa: S608
        else:
            body = (
                f"SELECT {selected}CAST(e.key AS INTEGER) AS b, CAST(e.value AS BIGINT) AS n "  # noqa: S608
                f"FROM {from_}, {sql.json_each('r.' + part)} e WHERE {where}"
            )
    elif table == "raw":
        status = ", ".join(
            f"CASE WHEN status_code >= {low} AND status_code < {low + 100} THEN 1 ELSE 0 END AS s{low // 100}"
            for low in (200, 300, 400, 500)
        )
        body = f"SELECT {selected}1 AS requests, {status}, response_time_ms AS total FROM {from_} WHERE {where}"  # noqa: S608
    else:
        body = (
            f"SELECT {selected}r.requests AS requests, r.status_2xx AS s2, r.status_3xx AS s3, r.status_4xx AS s4, "  # noqa: S608
            f"r.status_5xx AS s5, r.sum_response_ms AS total FROM {from_} WHERE {where}"
        )
    return body, params


def collect(
    project: Project,
    start: dt.datetime | None,
    end: dt.datetime | None,
    rolled_until: dt.datetime | None,
    *,
    dims: str | None = None,
    unit: str | None = None,
    levels: tuple[str, ...] = ("day", "hour"),
    codes: bool = False,
    match: Match = (),
) -> dict[GroupKey, Acc]:
    """Counts and histograms (and with ``codes``, requests by status code) per (time slot?,
    dimension values…) over [start, end).

    ``unit`` groups by UTC minute, hour or day; only rollup levels at least as fine may be used.
    """
    sources = sources_of(start, end, None if raw_only(match) else rolled_until, levels=levels)
    names = (["t"] if unit else []) + ([c.strip() for c in _DIMS[dims].split(",")] if dims else [])
    keys = ", ".join(names)
    results: dict[GroupKey, Acc] = {}
    for part in ("counts", "histogram", "status_codes") if codes else ("counts", "histogram"):
        parts: list[str] = []
        params: list[object] = []
        for table, lo, hi in sources:
            body, source_params = _source_sql(
                table, lo, hi, project_id=project.pk, dims=dims, unit=unit, part=part, match=match
            )
            parts.append(body)
            params.extend(source_params)
        union = " UNION ALL ".join(parts)
        if part != "counts":
            group = f"{keys}, b" if keys else "b"
            query = f"SELECT {group}, SUM(n) FROM ({union}) u GROUP BY {group}"  # noqa: S608 (the sources above)
        else:
            sums = "SUM(requests), SUM(s2), SUM(s3), SUM(s4), SUM(s5), SUM(total)"
            query = f"SELECT {keys + ', ' if keys else ''}{sums} FROM ({union}) u"  # noqa: S608 (the sources above)
            if keys:
                query += f" GROUP BY {keys}"
        width = len(names)
        for row in sql.fetchall(query, params):
            key = tuple(sql.as_datetime(v) if unit and i == 0 else v for i, v in enumerate(row[:width]))
            if part != "counts":
                found = getattr(results.setdefault(key, Acc()), "histogram" if part == "histogram" else "codes")
                found[int(row[width])] = found.get(int(row[width]), 0) + int(row[width + 1])
            elif row[width] is not None:
                requests, s2, s3, s4, s5, total = row[width:]
                results[key] = Acc(int(requests), int(s2), int(s3), int(s4), int(s5), float(total or 0))
    return results


def rollup_watermark(project: Project) -> dt.datetime | None:
    return RollupState.objects.filter(project=project).values_list("rolled_until", flat=True).first()


def data_span(
    project: Project, rolled_until: dt.datetime | None = None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """First and last minute with data (rollups then raw events after the watermark)."""
    first = last = None
    rollups = MinuteRollup.objects.filter(project=project, kind="e")
    first_rolled = rollups.order_by("minute").values_list("minute", flat=True).first()
    raw = RequestEvent.objects.filter(project=project)
    if rolled_until is not None:
        raw = raw.filter(timestamp__gte=rolled_until)
    first_raw = raw.order_by("timestamp").values_list("timestamp", flat=True).first()
    last_raw = raw.order_by("-timestamp").values_list("timestamp", flat=True).first()
    last_rolled = rollups.order_by("-minute").values_list("minute", flat=True).first() if last_raw is None else None
    candidates_first = [v for v in (first_rolled, first_raw) if v is not None]
    candidates_last = [v for v in (last_raw, last_rolled) if v is not None]
    if candidates_first:
        first = min(candidates_first)
    if candidates_last:
        last = max(candidates_last)
    return first, last


def local_bounds(project: Project, period: Period) -> tuple[dt.datetime | None, dt.datetime | None]:
    return period.bounds(project.tzinfo)


def _aligned(tz: ZoneInfo, unit: str, *moments: dt.datetime | None) -> bool:
    """Whether local hours (days) are UTC hours (days) at the given moments: whole-hour offsets
    (a zero offset for days)."""
    for moment in moments:
        offset = (moment or timezone.now()).astimezone(tz).utcoffset() or dt.timedelta(0)
        if offset.total_seconds() % (3600 if unit == "hour" else 86400):
            return False
    return True


# --- the four queries ----------------------------------------------------------------------


def _summary_of(
    project: Project,
    start: dt.datetime | None,
    end: dt.datetime | None,
    rolled_until: dt.datetime | None,
    match: Match = (),
) -> Payload:
    acc = collect(project, start, end, rolled_until, match=match).get((), Acc())
    stats = acc_stats(acc, project.apdex_threshold_ms)
    stats["status_2xx"], stats["status_3xx"] = acc.status_2xx, acc.status_3xx
    if start is None or end is None:
        first, last = data_span(project, rolled_until)
        start = start or first
        end = end or (last + dt.timedelta(minutes=1) if last else None)
    stats["throughput_rpm"] = _throughput(acc.requests, start, end)
    return stats


def _throughput(requests: int, start: dt.datetime | None, end: dt.datetime | None) -> float:
    """Requests per minute over [start, end) up to now (at least one minute)."""
    window_end = min(end, timezone.now()) if end else None
    minutes = (window_end - start).total_seconds() / 60 if start and window_end and window_end > start else 0
    return round(requests / max(minutes, 1), 3) if requests else 0.0


def requests_in(project: Project, period: Period, rolled_until: dt.datetime | None) -> int:
    """The project's tracked requests over the period (rollups, raw events past the watermark)."""
    start, end = local_bounds(project, period)
    return collect(project, start, end, rolled_until).get((), Acc()).requests


def summary(project: Project, period: Period, rolled_until: dt.datetime | None, match: Match = ()) -> Payload:
    """Requests, 4xx and 5xx rates apart, throughput (requests/min), avg, p50/p95/p99, Apdex,
    and the same for the previous period of equal length (when the range is bounded); of one
    ``match`` when given (:mod:`apimetrics.filters`)."""
    start, end = local_bounds(project, period)
    current = _summary_of(project, start, end, rolled_until, match)
    previous = change = None
    if period.is_bounded:
        prev_start, prev_end = local_bounds(project, period.previous())
        previous = _summary_of(project, prev_start, prev_end, rolled_until, match)
        change = {
            name: growth_pct(current[name], previous[name])
            for name in ("requests", "error_rate_4xx", "error_rate_5xx", "throughput_rpm", "avg_ms", "p95_ms")
        }
    return {
        **period_meta(project, period, rolled_until),
        "apdex_threshold_ms": project.apdex_threshold_ms,
        **current,
        "previous": previous,
        "change_pct": change,
    }


def period_meta(project: Project, period: Period, rolled_until: dt.datetime | None) -> Payload:
    return {
        "project": project.key,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "rolled_until": rolled_until,
    }


def _local_start(moment: dt.datetime, interval: str, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant at which the local minute or hour of ``moment`` begins (a key that tells
    apart the two 01:00 hours of a night when the clocks go back)."""
    return truncate_time(moment.astimezone(tz), interval).astimezone(dt.UTC)


def _local_starts(first: dt.datetime, last: dt.datetime, interval: str, tz: ZoneInfo) -> list[dt.datetime]:
    """The local minutes or hours from ``first``'s to ``last``'s as :func:`_local_start` keys:
    a day when the clocks change has 23 or 25 hours. Every UTC offset is a multiple of 15 minutes,
    so stepping by 15 minutes meets every local hour's start, whatever the offset and its changes."""
    start, end = _local_start(first, interval, tz), _local_start(last, interval, tz)
    check_bucket_count(_bucket_count(first, last, interval, tz), interval)
    step = min(UNIT[interval], dt.timedelta(minutes=15))
    moments = (start + step * i for i in range((end - start) // step + 1))
    return sorted({_local_start(moment, interval, tz) for moment in moments})


def _bucket_count(first: dt.datetime, last: dt.datetime, interval: str, tz: ZoneInfo) -> int:
    """How many local minutes or hours hold the instants from ``first`` to ``last``."""
    return (_local_start(last, interval, tz) - _local_start(first, interval, tz)) // UNIT[interval] + 1


def auto_interval(project: Project, period: Period, rolled_until: dt.datetime | None) -> str:
    """The finest of minute, hour and day that draws the period in at most MAX_POINTS buckets:
    up to 500 minutes by the minute, up to 500 hours by the hour, longer by the day (day is the
    coarsest bucket, so a range of more than 500 days still has a point a day)."""
    _start, _end, first, last = _range(project, period, rolled_until)
    if first is None or last is None or first > last:
        return "day"
    for interval in ("minute", "hour"):
        if _bucket_count(first, last, interval, project.tzinfo) <= MAX_POINTS:
            return interval
    return "day"


def time_series(
    project: Project, period: Period, rolled_until: dt.datetime | None, interval: str | None = None, match: Match = ()
) -> Payload:
    """Per minute, hour or day in the project's time zone, every bucket present (zero-filled), of
    ``match`` when given; without ``interval``, the one :func:`auto_interval` picks for the period."""
    interval = interval or auto_interval(project, period, rolled_until)
    buckets = bucket_accs(project, period, interval, rolled_until, match=match)
    return {
        **period_meta(project, period, rolled_until),
        "interval": interval,
        "timezone": project.timezone,
        "series": [_bucket_row(project, bucket, interval, acc) for bucket, acc in buckets],
    }


def _range(project: Project, period: Period, rolled_until: Moment) -> tuple[Moment, Moment, Moment, Moment]:
    """The period's bounds [start, end) (None: open) and the first and last minutes a series of
    it charts: those of the bounds, the data's own where the period is open."""
    start, end = local_bounds(project, period)
    first, last = start, (end - dt.timedelta(minutes=1) if end else None)
    if first is None or last is None:
        data_first, data_last = data_span(project, rolled_until)
        first, last = first or data_first, last or data_last
    return start, end, first, last


def bucket_accs(
    project: Project,
    period: Period,
    interval: str,
    rolled_until: dt.datetime | None,
    *,
    codes: bool = False,
    match: Match = (),
) -> list[tuple[dt.date, Acc]]:
    """Every local minute, hour or day bucket of the period (zero-filled) with its counts."""
    tz = project.tzinfo
    start, end, first, last = _range(project, period, rolled_until)
    if first is None or last is None or first > last:
        return []
    starts: Sequence[dt.date]
    bucket_of: Callable[[dt.datetime], dt.date]
    if interval == "day":
        starts = bucket_starts(first.astimezone(tz).date(), last.astimezone(tz).date(), "day")
        bucket_of = lambda moment: moment.astimezone(tz).date()  # noqa: E731
    else:
        starts = _local_starts(first, last, interval, tz)  # 400 beyond MAX_BUCKETS
        bucket_of = lambda moment: _local_start(moment, interval, tz)  # noqa: E731
    unit, levels = _resolution(tz, interval, first, last)
    rows: dict[dt.date, Acc] = {}
    found = collect(project, start, end, rolled_until, unit=unit, levels=levels, codes=codes, match=match)
    for (moment,), acc in found.items():
        rows.setdefault(bucket_of(moment), Acc()).add(acc)
    return [(bucket, rows.get(bucket) or Acc()) for bucket in starts]


def _resolution(tz: ZoneInfo, interval: str, first: dt.datetime, last: dt.datetime) -> tuple[str, tuple[str, ...]]:
    """The rollup unit and levels that add up to the local buckets: local days are UTC days only
    at a zero offset, local hours UTC hours only at whole-hour offsets; minutes always are."""
    if interval == "day" and _aligned(tz, "day", first, last):
        return "day", ("day", "hour")
    if interval != "minute" and _aligned(tz, "hour", first, last):
        return "hour", ("hour",)
    return "minute", ()


def bucket_label(project: Project, bucket: dt.date) -> str:
    """A day bucket is a local date; a minute or hour bucket the local time it starts."""
    return bucket.astimezone(project.tzinfo).isoformat() if isinstance(bucket, dt.datetime) else bucket.isoformat()


def _bucket_row(project: Project, bucket: dt.date, interval: str, acc: Acc) -> Payload:
    """A day bucket is a local date; a minute or hour bucket is the instant it starts."""
    tz = project.tzinfo
    label = bucket_label(project, bucket)
    if isinstance(bucket, dt.datetime):
        lo, hi = bucket, bucket + UNIT[interval]
    else:  # from local midnight to the next: 23 or 25 hours when the clocks change
        lo, hi = (dt.datetime.combine(day, dt.time.min, tzinfo=tz) for day in (bucket, bucket + UNIT["day"]))
    return {
        "bucket": label,
        **acc_stats(acc, project.apdex_threshold_ms),
        "status_2xx": acc.status_2xx,
        "status_3xx": acc.status_3xx,
        "throughput_rpm": _throughput(acc.requests, lo.astimezone(dt.UTC), hi.astimezone(dt.UTC)),
    }
