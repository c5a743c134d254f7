"""The dashboards' time controls (config.periods): presets, comparison, the query that carries them."""

import datetime as dt

import pytest
import time_machine

from config.periods import Period, TimeControlsQuerySerializer, local_today, preset_period

D = dt.date
ANCHOR = D(2011, 12, 9)  # the real file's last day, a Friday
TODAY = D(2026, 12, 7)


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("today", Period(D(2011, 12, 9), D(2011, 12, 9))),
        ("yesterday", Period(D(2011, 12, 8), D(2011, 12, 8))),
        ("7d", Period(D(2011, 12, 3), D(2011, 12, 9))),
        ("30d", Period(D(2011, 11, 10), D(2011, 12, 9))),
        ("90d", Period(D(2011, 9, 11), D(2011, 12, 9))),
        ("mtd", Period(D(2011, 12, 1), D(2011, 12, 9))),
        ("qtd", Period(D(2011, 10, 1), D(2011, 12, 9))),
        ("ytd", Period(D(2011, 1, 1), D(2011, 12, 9))),
        ("12m", Period(D(2010, 12, 10), D(2011, 12, 9))),
        ("all", Period()),
    ],
)
def test_each_preset_ends_on_the_anchor_day(preset, expected):
    assert preset_period(preset, ANCHOR) == expected


def test_presets_at_the_edges_of_months_quarters_and_leap_years():
    assert preset_period("qtd", D(2024, 3, 31)) == Period(D(2024, 1, 1), D(2024, 3, 31))
    assert preset_period("qtd", D(2024, 4, 1)) == Period(D(2024, 4, 1), D(2024, 4, 1))
    assert preset_period("yesterday", D(2024, 3, 1)) == Period(D(2024, 2, 29), D(2024, 2, 29))
    # 29 February a year back is the 28th: the twelve months start the day after.
    assert preset_period("12m", D(2024, 2, 29)) == Period(D(2023, 3, 1), D(2024, 2, 29))


def _choice(query, today=TODAY, last=ANCHOR):
    serializer = TimeControlsQuerySerializer(data=query)
    assert serializer.is_valid(), serializer.errors
    return serializer.resolve(today, last)


def test_historical_data_gets_the_last_30_days_of_data_compared_with_the_30_before():
    choice = _choice({})
    assert (choice.preset, choice.compare, choice.historical) == ("30d", "previous", True)
    assert choice.period == Period(D(2011, 11, 10), D(2011, 12, 9))
    assert choice.description == "last 30 days of data, ending 9 Dec 2011"
    assert choice.query() == {}  # the defaults leave the links clean


def test_current_data_ends_today_and_says_so_plainly():
    choice = _choice({"preset": "7d", "compare": "year"}, today=D(2026, 12, 7), last=D(2026, 12, 7))
    assert choice.period == Period(D(2026, 12, 1), D(2026, 12, 7))
    assert not choice.historical
    assert choice.description == "last 7 days, ending 7 Dec 2026"
    assert choice.query() == {"preset": "7d", "compare": "year"}


def test_no_data_anchors_on_today():
    assert _choice({"preset": "today"}, last=None).period == Period(D(2026, 12, 7), D(2026, 12, 7))


def test_dates_alone_are_a_custom_range_and_travel_with_it():
    choice = _choice({"date_from": "2011-02-01", "date_to": "2011-02-28", "compare": "none"})
    assert choice.preset == "custom"
    assert choice.period == Period(D(2011, 2, 1), D(2011, 2, 28))
    assert choice.description == "Custom"
    assert choice.query() == {"preset": "custom", "date_from": "2011-02-01", "date_to": "2011-02-28", "compare": "none"}


def test_a_preset_wins_over_the_dates_the_form_showed():
    choice = _choice({"preset": "mtd", "date_from": "2011-02-01", "date_to": "2011-02-28"})
    assert choice.period == Period(D(2011, 12, 1), D(2011, 12, 9))
    assert choice.query() == {"preset": "mtd"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"preset": "last-week"}, "preset"),
        ({"compare": "decade"}, "compare"),
        ({"date_from": "2011-13-01"}, "date_from"),
        ({"date_from": "2011-03-01", "date_to": "2011-01-01"}, "date_to"),
    ],
)
def test_bad_controls_name_the_field(query, field):
    serializer = TimeControlsQuerySerializer(data=query)
    assert not serializer.is_valid()
    assert list(serializer.errors) == [field]


@time_machine.travel(dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC), tick=False)
def test_today_is_the_workspace_s_own():
    assert local_today("UTC") == D(2026, 12, 7)
    assert local_today("Asia/Tokyo") == D(2026, 12, 8)
    assert local_today("America/Los_Angeles") == D(2026, 12, 7)
