"""One beat round of alert evaluation: 1,000 rules over the real Online Retail file's workspace and
a 10-million-event API project (PostgreSQL + Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_alerts_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/alerts.py [--rules 1000] [--events 10000000] [--regenerate]

The workspace ``bench-alerts`` holds the real file (imported once with ``import_orders``) and the
API project ``bench-alerts-10m``, whose events fill the 30 days before the file's last day
(generated in PostgreSQL and rolled up once: bench/track.py's loader); later runs reuse both.
The rules watch the e-commerce KPIs, single countries and the API project's summary, with every
kind of condition and windows of 1, 7 and 28 days. The round runs at 10 December 2011, 08:00 UTC,
the morning after the file's last day, with the API project rolled up to then.

Prints, in one run (after one untimed pass that fills PostgreSQL's buffers): the round from a
cold cache (what beat's task does after new data), the same
round again (cache warm, data unchanged), and the baseline: the readings alone (every rule's
``alerts.read``, cold cache, no claim, state or incident written); the round as a ratio of it;
and how many statements of the round touched the raw events table (goal: none). Goal: the cold
round under 10 s on this machine.
"""

import argparse
import datetime as dt
import itertools
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

DATA = Path(os.environ.get("PULSE_RETAIL_FILE", ROOT.parent / "shared" / "data" / "online-retail.csv.gz"))
SLUG, PROJECT = "bench-alerts", "bench-alerts-10m"
NOW = dt.datetime(2011, 12, 10, 8, 0, tzinfo=dt.UTC)
EVENTS_END = dt.datetime(2011, 12, 10, tzinfo=dt.UTC)
GOAL_S = 10.0
COUNTRIES = ("United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland")
KPIS = ("revenue", "orders", "average_order_value", "return_rate", "customers", "units")
API = ("requests", "error_rate_4xx", "error_rate_5xx", "p95_ms", "p99_ms", "apdex", "avg_ms")
CONDITIONS = (
    {"condition": "threshold", "direction": "above", "threshold": Decimal("1000")},
    {"condition": "threshold", "direction": "below", "threshold": Decimal("5")},
    {"condition": "change", "direction": "either", "threshold": Decimal("30")},
    {"condition": "change", "baseline": "same_weekday", "weeks": 4, "direction": "below", "threshold": Decimal("20")},
    {"condition": "anomaly", "weeks": 4, "direction": "either", "threshold": Decimal("3")},
)


def watched() -> list[tuple[str, str, dict]]:
    """Every (insight, metric, filters) a rule of the bench watches."""
    kpis = [("ecommerce.kpis", metric, {}) for metric in KPIS]
    countries = [
        ("ecommerce.country", f"kpis.{metric}", {"name": country})
        for country in COUNTRIES
        for metric in ("revenue", "orders", "average_order_value", "return_rate")
    ]
    api = [("apimetrics.summary", metric, {"key": PROJECT}) for metric in API]
    return kpis + countries + api


def load(workspace, events: int, regenerate: bool) -> None:
    from django.core.management import call_command

    from apimetrics import projects, rollups
    from apimetrics.models import Project, RequestEvent
    from bench.track import generate_and_roll_up
    from ecommerce.models import ImportJob

    if not ImportJob.objects.filter(workspace=workspace, status="succeeded").exists():
        started = time.perf_counter()
        call_command("import_orders", str(DATA), workspace=SLUG, no_progress=True)
        print(f"  the real file imported in {time.perf_counter() - started:.0f} s")
    project = Project.objects.filter(workspace=workspace, key=PROJECT).first()
    if regenerate or project is None or RequestEvent.objects.filter(project=project).count() != events:
        Project.objects.filter(workspace=workspace, key=PROJECT).delete()
        project = projects.project_create(workspace=workspace, name=PROJECT, key=PROJECT)
        generate_and_roll_up(project.pk, EVENTS_END - dt.timedelta(days=30), EVENTS_END, events)
    # The beat task rolls up every minute: at the round's time the watermark is past the windows,
    # so the rules read rollups only (a window past it would read the raw events after it).
    rollups.rollup_project(project_id=project.pk, now=NOW)


def make_rules(workspace, count: int) -> None:
    from reports.models import AlertRule

    AlertRule.objects.filter(workspace=workspace).delete()
    combos = itertools.cycle(itertools.product(watched(), CONDITIONS, (1, 7, 28)))
    rules = []
    for number, ((insight, metric, filters), condition, window) in zip(range(count), combos, strict=False):
        rules.append(
            AlertRule(
                workspace=workspace,
                name=f"bench rule {number}",
                insight=insight,
                metric=metric,
                filters=filters,
                window_days=window,
                cadence_minutes=5,
                next_run_at=NOW,
                **condition,
            )
        )
    AlertRule.objects.bulk_create(rules)


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--regenerate", action="store_true", help="Regenerate the API project's events.")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database and REDIS_URL to a Redis db.")

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Workspace
    from reports import alert_services, alerts
    from reports.models import AlertRule, Incident

    call_command("migrate", verbosity=0)
    workspace, _ = Workspace.objects.get_or_create(slug=SLUG, defaults={"name": "Bench alerts"})
    load(workspace, options.events, options.regenerate)
    make_rules(workspace, options.rules)
    rules = list(AlertRule.objects.filter(workspace=workspace).select_related("workspace"))
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; {len(rules):,} rules; round at {NOW}"
    )

    # Untimed: PostgreSQL's buffers hold what the rules read, for the baseline and the round alike.
    for rule in rules:
        alerts.read(rule, NOW)
    cache.clear()
    by_insight: dict[str, float] = {}
    for rule in rules:
        spent, _ = timed(lambda rule=rule: alerts.read(rule, NOW))
        by_insight[rule.insight] = by_insight.get(rule.insight, 0.0) + spent
    baseline = sum(by_insight.values())
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        cold, evaluated = timed(lambda: alert_services.evaluate_due(now=NOW))
    raw_reads = sum("apimetrics_requestevent" in query["sql"] for query in queries.captured_queries)
    AlertRule.objects.filter(workspace=workspace).update(next_run_at=NOW)
    warm, again = timed(lambda: alert_services.evaluate_due(now=NOW))

    outcomes = dict.fromkeys(AlertRule.Outcome.values, 0)
    for outcome in AlertRule.objects.filter(workspace=workspace).values_list("last_outcome", flat=True):
        outcomes[outcome] += 1
    print("| measure | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| baseline: the readings alone, cold cache ({len(rules):,} rules) | {baseline:.2f} | 1.00x |")
    print(f"| one round, cold cache ({evaluated:,} rules evaluated) | {cold:.2f} | {cold / baseline:.2f}x |")
    print(f"| the same round, warm cache ({again:,} rules) | {warm:.2f} | {warm / baseline:.2f}x |")
    print(f"| goal: the cold round under {GOAL_S:.0f} s | {GOAL_S:.2f} | {cold / GOAL_S:.2f}x of the goal |")
    print("baseline by insight: " + ", ".join(f"{name} {spent:.2f} s" for name, spent in sorted(by_insight.items())))
    print(
        f"statements in the cold round: {len(queries.captured_queries):,}, of which on the raw events table: "
        f"{raw_reads}; outcomes: {outcomes}; incidents opened: {Incident.objects.filter(workspace=workspace).count()}"
    )


if __name__ == "__main__":
    main()
