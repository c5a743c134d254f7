"""Periods, buckets, zero-fill and growth (config.periods) and money (config.money)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from rest_framework.exceptions import ValidationError

from config import periods
from config.money import money, ratio
from config.periods import Period

D = dt.date


def test_period_bounds_are_local_midnights():
    start, end = Period(D(2026, 3, 28), D(2026, 3, 29)).bounds(ZoneInfo("Europe/London"))
    assert start == dt.datetime(2026, 3, 28, tzinfo=ZoneInfo("Europe/London"))
    assert end == dt.datetime(2026, 3, 30, tzinfo=ZoneInfo("Europe/London"))
    # the DST change on 29 March: the range is 47 hours long
    assert (end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() == 47 * 3600


def test_open_periods():
    assert Period().bounds(ZoneInfo("UTC")) == (None, None)
    assert not Period(D(2026, 1, 1)).is_bounded
    assert Period(None, D(2026, 1, 31)).within(D(2025, 12, 1), D(2026, 2, 1)) == Period(D(2025, 12, 1), D(2026, 1, 31))


def test_previous_periods():
    january = Period(D(2026, 1, 1), D(2026, 1, 31))
    assert january.days == 31
    assert january.previous() == Period(D(2025, 12, 1), D(2025, 12, 31))
    assert Period(D(2024, 2, 29), D(2024, 3, 1)).previous_year() == Period(D(2023, 2, 28), D(2023, 3, 1))


def test_an_open_period_has_no_length_nor_predecessor():
    for open_period in (Period(D(2026, 1, 1)), Period(None, D(2026, 1, 31))):
        for arithmetic in (lambda p: p.days, Period.previous, Period.previous_year):
            with pytest.raises(TypeError, match="is open"):
                arithmetic(open_period)


def test_minutes_and_hours_truncate_datetimes_only():
    moment = dt.datetime(2026, 3, 8, 14, 37, 21, 5, tzinfo=ZoneInfo("Europe/Paris"))
    assert periods.truncate(moment, "minute") == moment.replace(second=0, microsecond=0)
    assert periods.truncate(moment, "hour") == moment.replace(minute=0, second=0, microsecond=0)
    assert periods.truncate(moment, "day") == D(2026, 3, 8)
    with pytest.raises(TypeError, match="hour bucket needs a datetime"):
        periods.truncate(D(2026, 3, 8), "hour")


@pytest.mark.parametrize(
    ("interval", "first", "last", "expected"),
    [
        ("day", D(2026, 1, 30), D(2026, 2, 2), [D(2026, 1, 30), D(2026, 1, 31), D(2026, 2, 1), D(2026, 2, 2)]),
        ("week", D(2026, 1, 1), D(2026, 1, 12), [D(2025, 12, 29), D(2026, 1, 5), D(2026, 1, 12)]),
        ("month", D(2025, 11, 15), D(2026, 2, 1), [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]),
        ("year", D(2024, 6, 1), D(2026, 1, 1), [D(2024, 1, 1), D(2025, 1, 1), D(2026, 1, 1)]),
        (
            "hour",
            dt.datetime(2026, 1, 1, 22, 30),
            dt.datetime(2026, 1, 2, 0, 5),
            [dt.datetime(2026, 1, 1, 22), dt.datetime(2026, 1, 1, 23), dt.datetime(2026, 1, 2, 0)],
        ),
    ],
)
def test_bucket_starts_cover_the_range_without_gaps(interval, first, last, expected):
    assert periods.bucket_starts(first, last, interval) == expected


def test_too_many_buckets_are_refused():
    with pytest.raises(ValidationError) as caught:
        periods.bucket_starts(dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31), "minute")
    assert "More than 5000 minute buckets" in str(caught.value.detail["interval"])


def test_empty_data_has_no_buckets():
    assert periods.bucket_starts(None, None, "day") == []


def test_zero_fill():
    buckets = [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)]
    rows = {D(2026, 1, 2): {"revenue": 5}}
    assert periods.zero_fill(rows, buckets, lambda: {"revenue": 0}) == [
        (D(2026, 1, 1), {"revenue": 0}),
        (D(2026, 1, 2), {"revenue": 5}),
        (D(2026, 1, 3), {"revenue": 0}),
    ]


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(150, 100, 50.0), (50, 100, -50.0), (Decimal("1"), Decimal("3"), -66.67), (5, 0, None), (5, None, None)],
)
def test_growth_pct(current, previous, expected):
    assert periods.growth_pct(current, previous) == expected


def test_serializer_for_intervals_is_shared_and_validates():
    cls = periods.serializer_for_intervals("day", "month")
    assert periods.serializer_for_intervals("day", "month") is cls
    query = cls(data={"interval": "month", "date_from": "2026-01-01"})
    assert query.is_valid(), query.errors
    assert query.period == Period(D(2026, 1, 1), None)
    assert not cls(data={"interval": "week"}).is_valid()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1234.5"), "1234.50"), (Decimal("0.005"), "0.01"), (Decimal("2.675"), "2.68"), (3, "3.00"), (None, None)],
)
def test_money_is_a_two_place_string(value, expected):
    assert money(value) == expected


def test_ratio():
    assert ratio(Decimal("10"), Decimal("3")) == 3.3333
    assert ratio(1, 0) is None
    assert ratio(None, 3) is None


@pytest.mark.parametrize(
    ("day", "monday_week", "sunday_week"),
    [
        (D(2026, 3, 8), D(2026, 3, 2), D(2026, 3, 8)),  # a Sunday
        (D(2026, 3, 9), D(2026, 3, 9), D(2026, 3, 8)),  # a Monday
        (D(2026, 3, 14), D(2026, 3, 9), D(2026, 3, 8)),  # a Saturday
        (D(2026, 1, 1), D(2025, 12, 29), D(2025, 12, 28)),  # a Thursday, weeks across the year
    ],
)
def test_weeks_start_on_the_given_day(day, monday_week, sunday_week):
    assert periods.truncate(day, "week") == monday_week
    assert periods.truncate(day, "week", week_start=periods.SUNDAY) == sunday_week
    moment = dt.datetime.combine(day, dt.time(23, 59))
    assert periods.truncate(moment, "week", week_start=periods.SUNDAY) == sunday_week


def test_sunday_weeks_cover_the_range_without_gaps():
    assert periods.bucket_starts(D(2026, 3, 7), D(2026, 3, 22), "week", week_start=periods.SUNDAY) == [
        D(2026, 3, 1), D(2026, 3, 8), D(2026, 3, 15), D(2026, 3, 22)
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("week_start", [periods.MONDAY, periods.SUNDAY])
def test_the_database_truncates_weeks_as_python_does(workspace, week_start):
    from sales.models import SalesRecord
    from tests.sales.factories import SalesRecordFactory, StoreFactory

    store = StoreFactory(workspace=workspace)
    days = [D(2026, 2, 28) + dt.timedelta(days=n) for n in range(16)]  # Saturday 28 February onwards
    for day in days:
        SalesRecordFactory(store=store, date=day)
    rows = SalesRecord.objects.annotate(bucket=periods.trunc("week", "date", week_start=week_start))
    found = {row.date: row.bucket for row in rows}
    assert found == {day: periods.truncate(day, "week", week_start=week_start) for day in days}
    assert all(isinstance(bucket, dt.date) and not isinstance(bucket, dt.datetime) for bucket in found.values())
