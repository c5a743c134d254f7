"""Retention of one day of raw API events on PostgreSQL: deleting its rows (in batches, as
retention did before the events table was partitioned, and still does on SQLite) against
dropping the day's partition.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_bench .venv/bin/python bench/retention.py [--events 500000]

Both take the same day of --events events of one project, generated with generate_series into
that day's partition, in the same run. The row delete leaves dead rows for VACUUM on top of its
time; the drop leaves nothing.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def fill(project_id: int, day: dt.date, events: int) -> None:
    from django.db import connection

    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO apimetrics_requestevent (project_id, timestamp, method, path, endpoint, status_code,
                response_time_ms, ip_hash, user_agent, consumer)
            SELECT %s, %s::timestamptz + (g * 86399.0 / %s) * interval '1 second', 'GET', '/v1/r/' || g,
                '/v1/r/{id}', 200, 20 + g %% 200, '', '', 'consumer-' || (g %% 8)
            FROM generate_series(0, %s - 1) AS g
            """,
            [project_id, start, events, events],
        )
        cursor.execute("ANALYZE apimetrics_requestevent")
        cursor.execute("CHECKPOINT")  # the fill's writes are not the measure's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500_000, help="Events of the day retention removes.")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")

    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Workspace
    from apimetrics import partitions, projects, retention
    from apimetrics.models import Project

    call_command("migrate", verbosity=0)
    if not partitions.enabled():
        raise SystemExit("The events table is not partitioned (migration apimetrics 0004).")
    workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    Project.objects.filter(workspace=workspace, key="bench-retention").delete()
    project = projects.project_create(workspace=workspace, name="bench-retention", key="bench-retention")
    day = dt.datetime.now(tz=dt.UTC).date() - dt.timedelta(days=400)  # older than any other bench data
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    after = noon + dt.timedelta(days=project.retention_days + 1)  # the day is past retention then

    partitions.ensure(first=day, now=noon, ahead=0)
    fill(project.pk, day, options.events)
    started = time.perf_counter()
    deleted = retention.events_delete_expired(project_id=project.pk, now=after)
    by_rows = time.perf_counter() - started

    partitions.ensure(first=day, now=noon, ahead=0)
    fill(project.pk, day, options.events)
    started = time.perf_counter()
    dropped = partitions.drop_before(day + dt.timedelta(days=1))
    by_partition = time.perf_counter() - started
    assert deleted == options.events, deleted
    assert dropped == [partitions.partition_name(day)], dropped

    print(f"one day of {options.events:,} events of one project, PostgreSQL, in one run:")
    print("| how | seconds | events/s |")
    print("|---|---|---|")
    print(f"| row delete, batches of 5,000 (retention before) | {by_rows:.2f} | {options.events / by_rows:,.0f} |")
    print(f"| detach and drop the day's partition | {by_partition:.3f} | {options.events / by_partition:,.0f} |")
    print(f"ratio: the drop takes {by_partition / by_rows:.4f}x the delete's time")
    project.delete()


if __name__ == "__main__":
    main()
