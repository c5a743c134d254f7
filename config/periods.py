"""Date ranges and time buckets shared by every analytics endpoint.

``date_from`` and ``date_to`` are inclusive local dates in the workspace time zone; without
them an analytics function covers the whole history of its data. Where live data is read by the
minute (API metrics), the ends may instead be aware date-times: the range is then the instants
[date_from, date_to). Series are gap-free: every bucket between the first and the last is
present, empty ones zero-filled.
"""

import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import DateField, ExpressionWrapper, F, Func
from django.db.models.functions import Cast, TruncDay, TruncHour, TruncMinute, TruncMonth, TruncWeek, TruncYear
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MIN_DATE = dt.date(1970, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_BUCKETS = 5000
# The most buckets a series has when its interval is left to the server: a chart of about 500
# points still reads point by point and draws at once.
MAX_POINTS = 500

TRUNC = {
    "minute": TruncMinute,
    "hour": TruncHour,
    "day": TruncDay,
    "week": TruncWeek,
    "month": TruncMonth,
    "year": TruncYear,
}
DATE_INTERVALS = ("day", "week", "month", "year")
# The first day of week buckets, as Python numbers weekdays (a workspace's ``week_start``).
MONDAY, SUNDAY = 0, 6

Bucket = TypeVar("Bucket", bound=Hashable)
Values = TypeVar("Values")
Amount = TypeVar("Amount", Decimal, float)


@dataclass(frozen=True)
class Period:
    """An inclusive range of local dates; either end may be open (the data's own bound).

    Both ends may instead be aware date-times (:class:`DateOrTimeField`): the instants from
    ``date_from`` up to ``date_to`` excluded, whatever the time zone.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def is_bounded(self) -> bool:
        return self.date_from is not None and self.date_to is not None

    @property
    def has_times(self) -> bool:
        """Whether the ends are instants rather than local dates."""
        return isinstance(self.date_from, dt.datetime) or isinstance(self.date_to, dt.datetime)

    @property
    def days(self) -> int:
        date_from, date_to = self.ends()
        return (date_to - date_from).days + 1

    def ends(self) -> tuple[dt.date, dt.date]:
        """Both ends of a bounded period: the arithmetic below means nothing on an open one."""
        if self.date_from is None or self.date_to is None:
            raise TypeError(f"{self} is open: close it with within() first")
        return self.date_from, self.date_to

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Aware datetimes [start, end) covering the local dates of the period (its instants as
        they are when it has times)."""
        if self.has_times:
            return self.date_from, self.date_to  # type: ignore[return-value]
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz) if self.date_from else None
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if self.date_to else None
        return start, end

    def previous(self) -> "Period":
        """The period of equal length that ends the day (the instant) before this one starts."""
        if self.has_times:
            start, end = self.ends()
            return Period(start - (end - start), start)
        end = self.ends()[0] - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def previous_year(self) -> "Period":
        date_from, date_to = self.ends()
        return Period(_shift_year(date_from, -1), _shift_year(date_to, -1))

    def within(self, first: dt.date | None, last: dt.date | None) -> "Period":
        """Close the open ends with the data's first and last dates."""
        return Period(self.date_from or first, self.date_to or last)


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@extend_schema_field(OpenApiTypes.STR)
class DateOrTimeField(serializers.Field[dt.date, str, str, Any]):
    """An ISO date (a whole local day, as everywhere) or an ISO date-time with its offset
    (``2026-12-07T05:00:00Z``), read as an aware UTC datetime down to the minute: the finest
    rollup, so a range is read from the rollups alone up to the watermark. A date-time without
    an offset is refused: the same wall-clock time happens twice on the night the clocks go back."""

    default_error_messages = {
        "invalid": "Not a date (2026-12-07) or a date-time with its offset (2026-12-07T05:00:00Z).",
        "naive": "A date-time needs its offset: Z or +hh:mm.",
    }

    def to_internal_value(self, data: Any) -> dt.date:
        text = str(data).strip()
        try:
            if len(text) == len("2026-12-07"):
                return dt.date.fromisoformat(text)
            moment = parse_datetime(text)
        except ValueError:
            self.fail("invalid")
        if moment is None:
            self.fail("invalid")
        if moment.utcoffset() is None:
            # The pages' datetime-local inputs send the wall-clock time of the serializer's
            # ``time_zone``; of a repeated hour the first is taken, as the input cannot say which.
            zone = self.context.get("time_zone")
            if zone is None:
                self.fail("naive")
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        # Checked before the conversion, which overflows at the ends of the calendar.
        if not MIN_DATE <= moment.date() <= MAX_DATE:
            raise serializers.ValidationError(f"Must be between {MIN_DATE} and {MAX_DATE}.")
        return truncate_time(moment.astimezone(dt.UTC), "minute")

    def to_representation(self, value: dt.date) -> str:
        return value.isoformat()


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


class PeriodQuerySerializer(serializers.Serializer[None]):
    # Typed as any field: a subclass may read date-times too (TimePeriodQuerySerializer).
    date_from: serializers.Field[Any, Any, Any, Any] = serializers.DateField(
        required=False, help_text="First day, inclusive (ISO date)."
    )
    date_to: serializers.Field[Any, Any, Any, Any] = serializers.DateField(
        required=False, help_text="Last day, inclusive (ISO date)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("date_from", "date_to"):
            value = attrs.get(name)
            if value is not None and not MIN_DATE <= _day(value) <= MAX_DATE:
                raise serializers.ValidationError({name: f"Must be between {MIN_DATE} and {MAX_DATE}."})
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to:
            if isinstance(date_from, dt.datetime) != isinstance(date_to, dt.datetime):
                raise serializers.ValidationError({"date_to": "Give both ends as dates or both as date-times."})
            if isinstance(date_from, dt.datetime) and date_from >= date_to:
                raise serializers.ValidationError(
                    {"date_to": "Must be after date_from, to the minute (a date-time end is excluded)."}
                )
            if date_from > date_to:
                raise serializers.ValidationError({"date_to": "Must be on or after date_from."})
        return attrs

    @property
    def period(self) -> Period:
        return Period(self.validated_data.get("date_from"), self.validated_data.get("date_to"))

    @property
    def params(self) -> dict[str, Any]:
        """The validated query as an analytics function takes it: ``period`` and the rest."""
        rest = {name: value for name, value in self.validated_data.items() if name not in ("date_from", "date_to")}
        return {"period": self.period, **rest}


class TimePeriodQuerySerializer(PeriodQuerySerializer):
    """A range of whole days or of instants, for data read by the minute (API metrics)."""

    date_from = DateOrTimeField(
        required=False,
        help_text="First day, inclusive (ISO date), or first instant (ISO date-time with its offset).",
    )
    date_to = DateOrTimeField(
        required=False,
        help_text="Last day, inclusive (ISO date), or the instant the range ends, excluded (ISO date-time with "
        "its offset). Both ends are dates or both are date-times.",
    )


class SeriesQuerySerializer(PeriodQuerySerializer):
    """Adds ``interval``; a view narrows ``interval_choices`` to what it supports."""

    interval_choices: tuple[str, ...] = ("day", "week", "month")
    default_interval = "day"

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["interval"] = serializers.ChoiceField(
            choices=self.interval_choices, default=self.default_interval, required=False
        )
        return fields


@functools.cache
def serializer_for_intervals(*choices: str, default: str = "day") -> type[SeriesQuerySerializer]:
    """A SeriesQuerySerializer subclass accepting exactly ``choices`` (one class per set of
    choices, so that views sharing them share one OpenAPI description)."""
    name = "SeriesQuery" + "".join(choice.title() for choice in choices)
    return type(name, (SeriesQuerySerializer,), {"interval_choices": choices, "default_interval": default})


def trunc(interval: str, field: str, *, week_start: int = MONDAY) -> Func:
    """The database expression of the start of the bucket holding the date ``field``.

    The databases start weeks on Monday; a week starting on another day is Monday's week of the
    date moved forward by the days between them, moved back by as many days (cast back to a
    date: PostgreSQL's date plus an interval is a timestamp)."""
    if interval != "week" or week_start == MONDAY:
        return TRUNC[interval](field)
    shift = dt.timedelta(days=(7 - week_start) % 7)
    shifted = ExpressionWrapper(F(field) + shift, output_field=DateField())
    return Cast(ExpressionWrapper(TruncWeek(shifted) - shift, output_field=DateField()), DateField())


def truncate_time(moment: dt.datetime, interval: str) -> dt.datetime:
    """The start of the minute or hour holding ``moment``."""
    if interval == "minute":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def truncate(day_or_time: dt.date, interval: str, *, week_start: int = MONDAY) -> dt.date:
    """The start of the bucket holding ``day_or_time`` (a date, or a datetime for minutes and
    hours); weeks start on ``week_start`` (Monday unless told)."""
    if interval in ("minute", "hour"):
        if not isinstance(day_or_time, dt.datetime):
            raise TypeError(f"a {interval} bucket needs a datetime, not {day_or_time!r}")
        return truncate_time(day_or_time, interval)
    day = day_or_time.date() if isinstance(day_or_time, dt.datetime) else day_or_time
    if interval == "day":
        return day
    if interval == "week":
        return day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    if interval == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_bucket(bucket: dt.date, interval: str) -> dt.date:
    if interval == "minute":
        return bucket + dt.timedelta(minutes=1)
    if interval == "hour":
        return bucket + dt.timedelta(hours=1)
    if interval == "day":
        return bucket + dt.timedelta(days=1)
    if interval == "week":
        return bucket + dt.timedelta(weeks=1)
    if interval == "month":
        return (bucket.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return bucket.replace(year=bucket.year + 1)


def bucket_starts(
    first: dt.date | None, last: dt.date | None, interval: str, *, week_start: int = MONDAY
) -> list[dt.date]:
    """Every bucket start from the bucket of ``first`` to the bucket of ``last`` (weeks starting
    on ``week_start``).

    Raises a ValidationError (400) when the range holds more than MAX_BUCKETS buckets, so an
    absurd query (a year by the minute) is refused instead of served slowly.
    """
    if first is None or last is None:
        return []
    buckets = []
    current, end = truncate(first, interval, week_start=week_start), truncate(last, interval, week_start=week_start)
    while current <= end:
        buckets.append(current)
        check_bucket_count(len(buckets), interval)
        current = next_bucket(current, interval)
    return buckets


def check_bucket_count(count: int, interval: str) -> None:
    """A ValidationError (400) for a series of more than MAX_BUCKETS buckets."""
    if count > MAX_BUCKETS:
        raise serializers.ValidationError(
            {"interval": f"More than {MAX_BUCKETS} {interval} buckets: narrow the range or widen the interval."}
        )


def zero_fill(
    rows: Mapping[Bucket, Values], buckets: Iterable[Bucket], zero: Callable[[], Values]
) -> list[tuple[Bucket, Values]]:
    """``[(bucket, values)]`` for every bucket, ``zero()`` where ``rows`` has none."""
    return [(bucket, rows.get(bucket) or zero()) for bucket in buckets]


def growth_pct(current: Amount | None, previous: Amount | None) -> float | None:
    """Percent change from ``previous`` to ``current``; None when there is no base."""
    if previous is None or previous == 0 or current is None:
        return None
    return round(float((current - previous) / previous * 100), 2)


# The dashboards' time controls: a preset resolved against an anchor day (today, or the data's
# last day when the data stops before today), and a comparison the KPIs, series and tables follow.
PRESETS: dict[str, str] = {
    "today": "Today",
    "yesterday": "Yesterday",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "mtd": "Month to date",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "12m": "Last 12 months",
    "all": "All time",
    "custom": "Custom",
}
# Presets of live data (API traffic): the last minutes up to now, whatever the data's last day.
LIVE_PRESETS: dict[str, dt.timedelta] = {
    "15m": dt.timedelta(minutes=15),
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
}
LIVE_LABELS = {"15m": "Last 15 minutes", "1h": "Last hour", "24h": "Last 24 hours"}
COMPARISONS: dict[str, str] = {"previous": "Previous period", "year": "Same period last year", "none": "No comparison"}
DEFAULT_PRESET, DEFAULT_COMPARE = "30d", "previous"
_DAYS_BACK = {"today": 0, "7d": 6, "30d": 29, "90d": 89}


def preset_period(preset: str, anchor: dt.date) -> Period:
    """The inclusive dates of ``preset`` ending on ``anchor`` ("all" and "custom" are open)."""
    if preset in _DAYS_BACK:
        return Period(anchor - dt.timedelta(days=_DAYS_BACK[preset]), anchor)
    if preset == "yesterday":
        day = anchor - dt.timedelta(days=1)
        return Period(day, day)
    if preset == "mtd":
        return Period(anchor.replace(day=1), anchor)
    if preset == "qtd":
        return Period(anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1), anchor)
    if preset == "ytd":
        return Period(anchor.replace(month=1, day=1), anchor)
    if preset == "12m":
        return Period(_shift_year(anchor, -1) + dt.timedelta(days=1), anchor)
    return Period()


def live_period(preset: str, now: dt.datetime) -> Period:
    """The instants of a live preset: whole minutes up to the end of the current one, so the
    minute in progress is shown and "last 15 minutes" is 15 minute buckets."""
    end = truncate_time(now, "minute") + dt.timedelta(minutes=1)
    return Period(end - LIVE_PRESETS[preset], end)


def anchor_day(today: dt.date, last_data_day: dt.date | None) -> dt.date:
    """The day presets end on: today, or the data's last day when the data stops before."""
    return min(today, last_data_day) if last_data_day else today


def local_today(time_zone: str) -> dt.date:
    """Today in ``time_zone`` (a workspace's)."""
    return timezone.now().astimezone(ZoneInfo(time_zone)).date()


@dataclass(frozen=True)
class TimeChoice:
    """What a dashboard's time controls resolved to: the preset, the comparison, the dates in use
    and the anchor day (``historical`` when the data stops before today)."""

    preset: str
    compare: str
    period: Period
    anchor: dt.date
    historical: bool

    @property
    def description(self) -> str:
        """What the page says it shows ("last 30 days of data, ending 9 Dec 2011")."""
        if self.preset in LIVE_PRESETS:
            return f"{LIVE_LABELS[self.preset].lower()}, up to now"
        if self.preset == "custom" or not self.period.is_bounded:
            return PRESETS[self.preset]
        label = PRESETS[self.preset].lower()
        end = f"{self.anchor.day} {self.anchor:%b %Y}"
        return f"{label} of data, ending {end}" if self.historical else f"{label}, ending {end}"

    def query(self) -> dict[str, str]:
        """The choice as the query string that carries it to another page (defaults left out)."""
        query = {}
        if self.preset != DEFAULT_PRESET:
            query["preset"] = self.preset
        if self.preset == "custom":
            query.update({name: day.isoformat() for name, day in self._custom_ends() if day})
        if self.compare != DEFAULT_COMPARE:
            query["compare"] = self.compare
        return query

    def _custom_ends(self) -> tuple[tuple[str, dt.date | None], ...]:
        return (("date_from", self.period.date_from), ("date_to", self.period.date_to))

    def ends_now(self, tz: ZoneInfo) -> bool:
        """Whether the range reaches the present: what a live view may auto-refresh."""
        start, end = self.period.bounds(tz)
        now = timezone.now()
        return (start is None or start <= now) and (end is None or now < end)


class TimeControlsQuerySerializer(PeriodQuerySerializer):
    """A dashboard's query: a preset and a comparison. Dates given without a preset make it
    "custom"; beside another preset they are the dates the form showed, and the preset wins."""

    presets: dict[str, str] = PRESETS
    with_times = False  # whether the custom ends may be date-times (the page then asks for them)
    preset = serializers.ChoiceField(choices=tuple(PRESETS), required=False)
    compare = serializers.ChoiceField(choices=tuple(COMPARISONS), default=DEFAULT_COMPARE, required=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping) and data.get("preset") in LIVE_PRESETS and data["preset"] not in self.presets:
            # A live preset the nav links carry from the API metrics pages: a page of daily data
            # shows its default range rather than an error.
            data = {name: value for name, value in data.items() if name != "preset"}
        validated: dict[str, Any] = super().to_internal_value(data)
        return validated

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        has_dates = attrs.get("date_from") or attrs.get("date_to")
        attrs.setdefault("preset", "custom" if has_dates else DEFAULT_PRESET)
        return attrs

    def resolve(self, today: dt.date, last_data_day: dt.date | None) -> TimeChoice:
        """The choice with its preset turned into dates, relative to the data's last day when the
        data stops before ``today``."""
        anchor = anchor_day(today, last_data_day)
        preset = self.validated_data["preset"]
        if preset in LIVE_PRESETS:
            return TimeChoice(preset, self.validated_data["compare"], live_period(preset, timezone.now()), today, False)
        period = self.period if preset == "custom" else preset_period(preset, anchor)
        return TimeChoice(preset, self.validated_data["compare"], period, anchor, anchor < today)


class LiveTimeControlsQuerySerializer(TimeControlsQuerySerializer):
    """The time controls of live data (API metrics): the live presets besides the others, and
    custom ends that may be date-times."""

    presets = {**LIVE_LABELS, **PRESETS}
    with_times = True
    preset = serializers.ChoiceField(choices=tuple(presets), required=False)
    date_from = DateOrTimeField(required=False)
    date_to = DateOrTimeField(required=False)
