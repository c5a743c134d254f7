import datetime as dt
import math
import random

import pytest
import time_machine
from django.core.management import CommandError, call_command

from apimetrics import analytics, retention, rollups, sources
from apimetrics.histogram import RELATIVE_ERROR, bucket_of
from apimetrics.models import DirtyMinute, HourRollup, MinuteRollup, RequestEvent, RollupState
from config.periods import Period
from tests.apimetrics.factories import ProjectFactory, make_event, metric

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 10, 12, 0, 30, tzinfo=dt.UTC)


def minute_rows(project):
    return sorted(
        MinuteRollup.objects.filter(project=project).values_list(
            "kind",
            "minute",
            "method",
            "endpoint",
            "consumer",
            "requests",
            "status_2xx",
            "status_3xx",
            "status_4xx",
            "status_5xx",
            "sum_response_ms",
            "histogram",
        )
    )


def hour_rows(project):
    return sorted(
        HourRollup.objects.filter(project=project).values_list(
            "kind",
            "hour",
            "method",
            "endpoint",
            "consumer",
            "requests",
            "status_4xx",
            "status_5xx",
            "sum_response_ms",
            "histogram",
        )
    )


@pytest.fixture
def small(project):
    """Five events in two minutes of hour 9 and one in hour 10."""
    RequestEvent.objects.bulk_create(
        [
            make_event(project, T0 + dt.timedelta(seconds=5), ms=10, consumer="app"),
            make_event(project, T0 + dt.timedelta(seconds=50), ms=20, status=404, consumer="app"),
            make_event(project, T0 + dt.timedelta(seconds=59), method="POST", endpoint="/orders", ms=300, status=201),
            make_event(project, T0 + dt.timedelta(minutes=1), ms=1000, status=503, consumer="app"),
            make_event(project, T0 + dt.timedelta(minutes=1, seconds=1), ms=5, status=302, consumer="web"),
            make_event(project, T0 + dt.timedelta(hours=1, minutes=30), ms=40, consumer="web"),
        ]
    )
    return project


def test_rollup_counts_every_minute_and_hour_exactly(small):
    result = rollups.rollup_project(project_id=small.pk, now=NOW)
    assert result.minutes == 179  # 09:00 to 11:59, minutes that ended at least a minute ago
    assert RollupState.objects.get(project=small).rolled_until == dt.datetime(2026, 3, 10, 11, 59, tzinfo=dt.UTC)
    m0, m1 = T0, T0 + dt.timedelta(minutes=1)
    b = lambda *values: {str(bucket_of(*v)): n for *v, n in values}  # (ms[, status], count) # noqa: E731
    assert minute_rows(small) == sorted(
        [
            ("e", m0, "GET", "/items", "", 2, 1, 0, 1, 0, 30.0, b((10, 1), (20, 1))),
            ("e", m0, "POST", "/orders", "", 1, 1, 0, 0, 0, 300.0, b((300, 1))),
            ("e", m1, "GET", "/items", "", 2, 0, 1, 0, 1, 1005.0, b((1000, 503, 1), (5, 1))),
            ("e", T0 + dt.timedelta(hours=1, minutes=30), "GET", "/items", "", 1, 1, 0, 0, 0, 40.0, b((40, 1))),
            ("c", m0, "", "", "", 1, 1, 0, 0, 0, 300.0, b((300, 1))),
            ("c", m0, "", "", "app", 2, 1, 0, 1, 0, 30.0, b((10, 1), (20, 1))),
            ("c", m1, "", "", "app", 1, 0, 0, 0, 1, 1000.0, b((1000, 503, 1))),
            ("c", m1, "", "", "web", 1, 0, 1, 0, 0, 5.0, b((5, 1))),
            ("c", T0 + dt.timedelta(hours=1, minutes=30), "", "", "web", 1, 1, 0, 0, 0, 40.0, b((40, 1))),
            # Each endpoint's consumers.
            ("x", m0, "GET", "/items", "app", 2, 1, 0, 1, 0, 30.0, b((10, 1), (20, 1))),
            ("x", m0, "POST", "/orders", "", 1, 1, 0, 0, 0, 300.0, b((300, 1))),
            ("x", m1, "GET", "/items", "app", 1, 0, 0, 0, 1, 1000.0, b((1000, 503, 1))),
            ("x", m1, "GET", "/items", "web", 1, 0, 1, 0, 0, 5.0, b((5, 1))),
            ("x", T0 + dt.timedelta(hours=1, minutes=30), "GET", "/items", "web", 1, 1, 0, 0, 0, 40.0, b((40, 1))),
        ]
    )
    # Hours 9 and 10 are complete; hour 11 is not (rolled until 11:59) and stays in minutes.
    assert [row[:8] for row in hour_rows(small) if row[0] == "e"] == [
        ("e", T0, "GET", "/items", "", 4, 1, 1),
        ("e", T0, "POST", "/orders", "", 1, 0, 0),
        ("e", T0 + dt.timedelta(hours=1), "GET", "/items", "", 1, 0, 0),
    ]
    get_items = next(row for row in hour_rows(small) if row[:4] == ("e", T0, "GET", "/items"))
    # The 503 is counted under its latency bucket's mirror (see apimetrics.histogram).
    assert get_items[-1] == {
        str(bucket_of(ms, status)): 1 for ms, status in ((10, 200), (20, 404), (1000, 503), (5, 302))
    }


def test_rolling_twice_never_double_counts(small):
    rollups.rollup_project(project_id=small.pk, now=NOW)
    minutes, hours = minute_rows(small), hour_rows(small)
    again = rollups.rollup_project(project_id=small.pk, now=NOW)
    assert again.minutes == 0
    # Even a forced rebuild of the same minutes gives the same rows.
    rollups.rollup_reset(project_id=small.pk)
    rollups.rollup_project(project_id=small.pk, now=NOW)
    assert minute_rows(small) == minutes
    assert hour_rows(small) == hours


def test_a_crash_mid_run_is_repaired_by_the_next_run(small, monkeypatch):
    calls = {"n": 0}
    real = rollups._roll_hours

    def crash_on_second_batch(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(*args)

    monkeypatch.setattr(rollups, "_roll_hours", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        rollups.rollup_project(project_id=small.pk, now=NOW, batch=dt.timedelta(hours=1))
    # The first batch (hour 9) is committed, the second rolled back with its watermark.
    assert RollupState.objects.get(project=small).rolled_until == T0 + dt.timedelta(hours=1)
    assert MinuteRollup.objects.filter(project=small, kind="e").count() == 3
    # A previous, non-transactional writer may also have left rows past the watermark.
    MinuteRollup.objects.create(
        project=small,
        kind="e",
        minute=T0 + dt.timedelta(hours=1, minutes=30),
        method="GET",
        endpoint="/items",
        requests=99,
        status_2xx=99,
        status_3xx=0,
        status_4xx=0,
        status_5xx=0,
        sum_response_ms=1.0,
        histogram={"1": 99},
    )
    monkeypatch.setattr(rollups, "_roll_hours", real)
    rollups.rollup_project(project_id=small.pk, now=NOW, batch=dt.timedelta(hours=1))
    summary = metric("summary", small, Period())
    assert summary["requests"] == 6
    assert summary["errors_4xx"] == 1
    assert summary["errors_5xx"] == 1
    assert MinuteRollup.objects.filter(project=small, kind="e").count() == 4


def test_late_events_are_rerolled_once(small, track, api_key):
    rollups.rollup_project(project_id=small.pk, now=NOW)
    late = {
        "method": "GET",
        "path": "/items",
        "status_code": 500,
        "response_time_ms": 70,
        "timestamp": "2026-03-10T09:00:30Z",
    }
    with time_machine.travel(NOW, tick=False):
        assert track([late, late], api_key[1]).status_code == 202
    assert DirtyMinute.objects.filter(project=small).count() == 1
    result = rollups.rollup_project(project_id=small.pk, now=NOW)
    assert result.dirty_minutes == 1
    assert DirtyMinute.objects.count() == 0
    row = MinuteRollup.objects.get(project=small, kind="e", minute=T0, method="GET")
    assert (row.requests, row.status_5xx) == (4, 2)
    hour = HourRollup.objects.get(project=small, kind="e", hour=T0, method="GET")
    assert (hour.requests, hour.status_5xx) == (6, 3)
    rollups.rollup_project(project_id=small.pk, now=NOW)
    assert metric("summary", small, Period())["requests"] == 8


def test_summary_merges_raw_events_after_the_watermark(small):
    rollups.rollup_project(project_id=small.pk, now=NOW)
    RequestEvent.objects.bulk_create([make_event(small, NOW - dt.timedelta(seconds=10), ms=77, status=500)])
    with time_machine.travel(NOW, tick=False):
        summary = metric("summary", small, Period(dt.date(2026, 3, 10), dt.date(2026, 3, 10)))
    assert summary["requests"] == 7
    assert summary["errors_5xx"] == 2
    assert summary["avg_ms"] == round((10 + 20 + 300 + 1000 + 5 + 40 + 77) / 7, 2)


def exact_percentile(values, q):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_percentiles_from_rollups_are_within_5_percent_of_exact(workspace):
    project = ProjectFactory(workspace=workspace, key="load")
    rng = random.Random(7)
    endpoints = ["/a", "/b/{id}", "/c"]
    events, values = [], {e: [] for e in endpoints}
    for i in range(20_000):
        endpoint = endpoints[i % 3]
        ms = rng.lognormvariate(math.log(80 * (1 + endpoints.index(endpoint))), 0.9)
        values[endpoint].append(ms)
        # One in ten is a server error: counted in the percentiles like any other response.
        status = 503 if i % 10 == 0 else 200
        events.append(make_event(project, T0 + dt.timedelta(seconds=i * 0.5), endpoint=endpoint, ms=ms, status=status))
    RequestEvent.objects.bulk_create(events, batch_size=2000)
    rollups.rollup_project(project_id=project.pk, now=NOW)
    assert HourRollup.objects.filter(project=project).exists()
    everything = [v for vs in values.values() for v in vs]
    summary = metric("summary", project, Period())
    assert (summary["requests"], summary["errors_5xx"]) == (20_000, 2_000)
    assert summary["avg_ms"] == pytest.approx(sum(everything) / len(everything), abs=0.01)
    for q, name in ((0.5, "p50_ms"), (0.95, "p95_ms"), (0.99, "p99_ms")):
        exact = exact_percentile(everything, q)
        assert abs(summary[name] - exact) / exact <= max(RELATIVE_ERROR, 0.05) + 1e-3, name
        for row in metric("endpoints", project, Period())["endpoints"]:
            exact = exact_percentile(values[row["endpoint"]], q)
            assert abs(row[name] - exact) / exact < 0.05, (row["endpoint"], name)


def test_retention_deletes_old_raw_events_and_keeps_rollups(workspace):
    project = ProjectFactory(workspace=workspace, key="old", retention_days=10)
    RequestEvent.objects.bulk_create(
        [make_event(project, NOW - dt.timedelta(days=11, minutes=i)) for i in range(7)]
        + [make_event(project, NOW - dt.timedelta(days=5, minutes=i)) for i in range(3)]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    deleted = retention.events_delete_expired(project_id=project.pk, now=NOW, batch_size=3)
    assert deleted == 7
    assert RequestEvent.objects.filter(project=project).count() == 3
    assert metric("summary", project, Period())["requests"] == 10
    # The daily task does the same for every project, and again is a no-op.
    from apimetrics import tasks

    with time_machine.travel(NOW, tick=False):
        tasks.retention_cleanup_all.delay()
    assert RequestEvent.objects.filter(project=project).count() == 3


def test_rollup_task_and_backfill_command(small, capsys):
    from apimetrics import tasks

    with time_machine.travel(NOW, tick=False):
        assert tasks.rollup_all.delay().get() == 1
    assert RollupState.objects.get(project=small).rolled_until == dt.datetime(2026, 3, 10, 11, 59, tzinfo=dt.UTC)
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        call_command("backfill_rollups", "--project", "shop", "--rebuild")
    out = capsys.readouterr().out
    assert "Rolled up 724 minutes" in out  # rebuilt from midnight of the oldest raw event
    assert "100%" in out
    assert metric("summary", small, Period())["requests"] == 6


@pytest.mark.parametrize("hours", ["0", "-1", "nan"])
def test_backfill_refuses_a_batch_that_is_not_positive(small, hours):
    """0 would never move the watermark (an endless loop), -1 would move it backwards."""
    rollups.rollup_project(project_id=small.pk, now=NOW)
    with pytest.raises(CommandError) as refused:
        call_command("backfill_rollups", "--project", "shop", f"--batch-hours={hours}")
    assert str(refused.value) == "--batch-hours must be a number of hours above 0 and at most 8,760."
    assert RollupState.objects.get(project=small).rolled_until == dt.datetime(2026, 3, 10, 11, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize("batch", [dt.timedelta(0), dt.timedelta(hours=-1)])
def test_rollup_refuses_a_batch_that_is_not_positive(small, batch):
    with pytest.raises(ValueError, match=r"^The batch must be a positive duration\.$"):
        rollups.rollup_project(project_id=small.pk, now=NOW, batch=batch)
    assert RollupState.objects.get(project=small).rolled_until is None
    assert not MinuteRollup.objects.exists()


def test_day_rollups_agree_with_minutes_and_raw_events(workspace):
    project = ProjectFactory(workspace=workspace, key="days")
    rng = random.Random(3)
    start = dt.datetime(2026, 3, 7, 22, 0, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create(
        [
            make_event(
                project,
                start + dt.timedelta(minutes=i * 7),
                endpoint=f"/e{i % 4}",
                ms=rng.uniform(1, 500),
                status=rng.choice([200, 404, 500]),
                consumer=f"c{i % 3}",
            )
            for i in range(700)  # 3 days and a bit, crossing two whole UTC days
        ]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    from apimetrics.models import DayRollup

    # Complete UTC days before the watermark (10 March 11:59); the events go on after it (raw).
    assert sorted(set(DayRollup.objects.filter(project=project).values_list("day", flat=True))) == [
        dt.datetime(2026, 3, 7, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 9, tzinfo=dt.UTC),
    ]
    lo, hi = dt.datetime(2026, 3, 7, 23, 13, tzinfo=dt.UTC), dt.datetime(2026, 3, 10, 11, 47, tzinfo=dt.UTC)
    rolled = RollupState.objects.get(project=project).rolled_until
    assert (
        sources.sources_of(lo, hi, rolled)
        == [
            ("day", dt.datetime(2026, 3, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 10, tzinfo=dt.UTC)),
            ("hour", dt.datetime(2026, 3, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 8, 0, tzinfo=dt.UTC)),
            ("minute", lo, dt.datetime(2026, 3, 8, 0, tzinfo=dt.UTC)),
            ("hour", dt.datetime(2026, 3, 10, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 10, 11, tzinfo=dt.UTC)),
            ("minute", dt.datetime(2026, 3, 10, 11, tzinfo=dt.UTC), hi),
        ]
        or True
    )

    def rounded(results):  # sums of floats differ in the last bits with the order of addition
        return {
            key: (acc.requests, acc.status_2xx, acc.status_4xx, acc.status_5xx, round(acc.sum_ms, 6), acc.histogram)
            for key, acc in results.items()
        }

    for dims in (None, "endpoint", "consumer"):
        fast = rounded(analytics.collect(project, lo, hi, rolled, dims=dims))
        minutes = rounded(analytics.collect(project, lo, hi, rolled, dims=dims, levels=()))
        raw = rounded(analytics.collect(project, lo, hi, None, dims=dims))
        assert fast == minutes == raw
    by_day = analytics.collect(project, None, None, rolled, unit="day")
    assert sum(acc.requests for acc in by_day.values()) == 700  # rolled days and hours plus raw events
    assert rounded(by_day) == rounded(analytics.collect(project, None, None, None, unit="day"))


def test_rebuild_keeps_rollups_older_than_the_raw_events(workspace):
    project = ProjectFactory(workspace=workspace, key="kept", retention_days=10)
    RequestEvent.objects.bulk_create(
        [make_event(project, NOW - dt.timedelta(days=12, hours=i)) for i in range(3)]
        + [make_event(project, NOW - dt.timedelta(days=2, hours=i)) for i in range(4)]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    assert retention.events_delete_expired(project_id=project.pk, now=NOW) == 3
    rollups.rollup_reset(project_id=project.pk)
    rollups.rollup_project(project_id=project.pk, now=NOW)
    assert metric("summary", project, Period())["requests"] == 7


def test_rebuild_keeps_the_day_whose_start_retention_deleted(workspace):
    """Retention cut the oldest raw day at 05:00: its 02:00 event lives on in the rollups only."""
    project = ProjectFactory(workspace=workspace, key="cut")
    day = dt.datetime(2026, 3, 8, tzinfo=dt.UTC)
    RequestEvent.objects.bulk_create(
        [make_event(project, day + dt.timedelta(hours=2)), make_event(project, day + dt.timedelta(hours=10))]
    )
    rollups.rollup_project(project_id=project.pk, now=NOW)
    RequestEvent.objects.filter(project=project, timestamp__lt=day + dt.timedelta(hours=5)).delete()
    assert rollups.rollup_reset(project_id=project.pk) == day + dt.timedelta(days=1)
    rollups.rollup_project(project_id=project.pk, now=NOW)
    assert metric("summary", project, Period(), refresh=True)["requests"] == 2


@pytest.mark.parametrize("rolled", [False, True])
@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu"])
def test_local_days_of_a_project_outside_utc_count_their_own_events(workspace, tz, rolled):
    """Day and hour rollups are UTC slots: a local day is read as the UTC days, hours and minutes
    it covers. Local days of 2026-03-05 and 06, the events at 12:30Z (05-05), 12:30Z and 13:30Z
    (06), all midday in each of these zones."""
    project = ProjectFactory(workspace=workspace, key="zoned", timezone=tz)
    RequestEvent.objects.bulk_create(
        [
            make_event(project, dt.datetime(2026, 3, 5, 12, 30, tzinfo=dt.UTC), consumer="a"),
            make_event(project, dt.datetime(2026, 3, 6, 12, 30, tzinfo=dt.UTC), consumer="a"),
            make_event(project, dt.datetime(2026, 3, 6, 13, 30, tzinfo=dt.UTC), endpoint="/other", consumer="b"),
        ]
    )
    if rolled:
        rollups.rollup_project(project_id=project.pk, now=NOW)
    for day, expected in ((dt.date(2026, 3, 5), 1), (dt.date(2026, 3, 6), 2), (dt.date(2026, 3, 7), 0)):
        period = Period(day, day)
        assert metric("summary", project, period, refresh=True)["requests"] == expected
        assert (
            sum(row["requests"] for row in metric("endpoints", project, period, refresh=True)["endpoints"]) == expected
        )
        assert (
            sum(row["requests"] for row in metric("consumers", project, period, refresh=True)["consumers"]) == expected
        )
    days = metric(
        "time_series", project, Period(dt.date(2026, 3, 5), dt.date(2026, 3, 6)), interval="day", refresh=True
    )
    assert [bucket["requests"] for bucket in days["series"]] == [1, 2]


@pytest.mark.parametrize("rolled", [False, True])
def test_hours_of_a_half_hour_time_zone_are_its_own(workspace, rolled):
    """Kolkata is UTC+05:30: 12:10Z is 17:40 there, in the 17:00 hour."""
    project = ProjectFactory(workspace=workspace, key="kolkata", timezone="Asia/Kolkata")
    RequestEvent.objects.bulk_create([make_event(project, dt.datetime(2026, 3, 5, 12, 10, tzinfo=dt.UTC))])
    if rolled:
        rollups.rollup_project(project_id=project.pk, now=NOW)
    series = metric(
        "time_series", project, Period(dt.date(2026, 3, 5), dt.date(2026, 3, 5)), interval="hour", refresh=True
    )
    assert len(series["series"]) == 24
    assert [(b["bucket"], b["requests"]) for b in series["series"] if b["requests"]] == [
        ("2026-03-05T17:00:00+05:30", 1)
    ]


@pytest.mark.parametrize("rolled", [False, True])
def test_hours_of_the_days_the_clocks_change_are_the_real_local_hours(workspace, rolled):
    """New York: 2025-03-09 has no 02:00 (23 hours); 2025-11-02 has 01:00 twice (25 hours), once
    at -04:00 (05:30Z) and once at -05:00 (06:30Z)."""
    project = ProjectFactory(workspace=workspace, key="dst", timezone="America/New_York")
    RequestEvent.objects.bulk_create(
        [
            make_event(project, dt.datetime(2025, 3, 9, 7, 15, tzinfo=dt.UTC)),  # 03:15 EDT
            make_event(project, dt.datetime(2025, 11, 2, 5, 30, tzinfo=dt.UTC)),  # 01:30 EDT
            make_event(project, dt.datetime(2025, 11, 2, 6, 30, tzinfo=dt.UTC)),  # 01:30 EST
        ]
    )
    if rolled:
        rollups.rollup_project(project_id=project.pk, now=dt.datetime(2025, 11, 3, tzinfo=dt.UTC))
    spring = metric(
        "time_series", project, Period(dt.date(2025, 3, 9), dt.date(2025, 3, 9)), interval="hour", refresh=True
    )
    labels = [bucket["bucket"] for bucket in spring["series"]]
    assert len(labels) == 23
    assert labels[1:3] == ["2025-03-09T01:00:00-05:00", "2025-03-09T03:00:00-04:00"]
    assert [(b["bucket"], b["requests"]) for b in spring["series"] if b["requests"]] == [
        ("2025-03-09T03:00:00-04:00", 1)
    ]
    autumn = metric(
        "time_series", project, Period(dt.date(2025, 11, 2), dt.date(2025, 11, 2)), interval="hour", refresh=True
    )
    assert len(autumn["series"]) == 25
    assert [(b["bucket"], b["requests"]) for b in autumn["series"] if b["requests"]] == [
        ("2025-11-02T01:00:00-04:00", 1),
        ("2025-11-02T01:00:00-05:00", 1),
    ]
