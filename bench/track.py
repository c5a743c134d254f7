"""Tracking and rollup-query benchmark for API metrics (PostgreSQL + Redis, gunicorn).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_apimetrics REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/track.py --port 8102 [--seconds 8] [--rounds 4] [--events 10000000] [--regenerate]

Prints, in one run:
1. events/s of single-event tracking vs a bare Django view on the same gunicorn (the framework's limit),
   gunicorn started with Pulse's own config/gunicorn.py;
2. rows/s of 1,000-event batch tracking vs a plain COPY of the same rows;
3. accepted vs stored events;
4. summary / time-series / endpoints latency over --events events from the rollups vs the same
   aggregates computed on the raw events table.
Goals: single >= 0.5x bare, batch >= 0.3x COPY, rollup queries <= 0.05x raw. The four load
measures take turns (--rounds), so that a drift of the shared machine weighs on each alike.
The 10M events are generated with generate_series and rolled up once; later runs reuse them.
"""

# ruff: noqa: S608 - the SQL interpolates fixed fragments only; values are parameters.
import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_track")
os.environ.setdefault("LOG_LEVEL", "WARNING")


# --- load generator (spawned processes, no Django) -----------------------------------------


def _http_worker(args) -> tuple[int, int, int]:
    import http.client

    port, path, body, key, seconds, start_at = args
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = accepted = failed = 0
    time.sleep(max(0.0, start_at - time.time()))  # every client starts together, after spawning
    deadline = start_at + seconds
    while time.time() < deadline:
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            failed += 1
            continue
        if response.status == 202:
            done += 1
            accepted += json.loads(payload)["accepted"]
        else:
            failed += 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
    return done, accepted, failed, time.time() - start_at


def _copy_worker(args) -> tuple[int, int, int]:
    import psycopg

    dsn, columns, rows, seconds, start_at = args
    done = 0
    with psycopg.connect(dsn) as connection:
        time.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + seconds
        while time.time() < deadline:
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY apimetrics_requestevent ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            connection.commit()
            done += 1
    return done, done * len(rows), 0, time.time() - start_at


START_DELAY = 0.5


def run_clients(pool, function, args, clients: int) -> tuple[int, int, int, float]:
    """Run ``function`` in ``clients`` processes of ``pool`` that start together; the rate's time
    is the longest client's, from the common start to its last answer."""
    results = pool.map(function, [(*args, time.time() + START_DELAY)] * clients)
    return (*(sum(r[i] for r in results) for i in range(3)), max(r[3] for r in results))


WARM_UP_SECONDS = 1.0


def warm_up(pool, phases: dict, clients: int) -> dict[str, tuple[int, int, int, float]]:
    """Run each phase once, briefly and unmeasured, so that none of the measured ones pays for
    the workers' first requests (imports, URL resolvers, connections). Returns what each did."""
    return {
        name: run_clients(pool, function, (*args[:-1], WARM_UP_SECONDS), clients)
        for name, (function, args) in phases.items()
    }


def alternate(pool, phases: dict, rounds: int, clients: int) -> dict[str, tuple[int, int, int, float]]:
    """Run the phases (name: (function, args)) one after the other, ``rounds`` times over, and
    add up each one's counts and times: a drift in the shared machine's speed weighs on every
    phase alike instead of on whichever ran last."""
    totals = dict.fromkeys(phases, (0, 0, 0, 0.0))
    for _ in range(rounds):
        for name, (function, args) in phases.items():
            result = run_clients(pool, function, args, clients)
            totals[name] = tuple(a + b for a, b in zip(totals[name], result, strict=True))
    return totals


# --- helpers -----------------------------------------------------------------------------------


def single_event(rng: random.Random) -> dict:
    return {
        "method": rng.choice(["GET", "GET", "POST", "PUT", "DELETE"]),
        "path": f"/v1/orders/{rng.randint(1, 99999)}/lines",
        "status_code": rng.choice([200] * 15 + [201, 302, 404, 500]),
        "response_time_ms": round(rng.lognormvariate(4, 0.8), 2),
        "ip": f"198.51.100.{rng.randint(1, 254)}",
        "user_agent": "bench/1.0 (+https://pulse.local)",
        "consumer": f"client-{rng.randint(1, 8)}",
    }


def start_server(port: int, workers: int | None, log_path: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn as production runs it (``config/gunicorn.py``: its worker count unless ``workers``
    is given), with the bench settings and no recycling (a worker restarting mid-phase would time
    Django's start-up). Returns the server and its count of workers, once all of them are up."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_track",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_TIMEOUT": "60",
    }
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-c", str(ROOT / "config/gunicorn.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2):
                return process, _settled_workers(process)
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not start, see {log_path}")


def _settled_workers(server: subprocess.Popen) -> int:
    """The count of gunicorn's workers once it has stopped forking them (it spaces them out)."""
    import psutil

    master = psutil.Process(server.pid)
    count, stable_since = len(master.children()), time.time()
    while time.time() - stable_since < 1.0:
        time.sleep(0.1)
        now = len(master.children())
        if now != count:
            count, stable_since = now, time.time()
    return count


def generate_and_roll_up(project_id: int, start: dt.datetime, end: dt.datetime, events: int) -> None:
    """``events`` events of the project spread evenly over [start, end) (20 endpoints, 8 consumers,
    1 % 5xx, 4 % 4xx, log-normal latencies), generated in PostgreSQL, then rolled up once as the
    beat task would (up to ``end``). bench/alerts.py loads its API project with it too."""
    from django.db import connection

    from apimetrics import rollups

    step = (end - start).total_seconds() / events
    generated = time.perf_counter()
    chunk = 1_000_000
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for first in range(0, events, chunk):
            last = min(first + chunk, events)
            cursor.execute(
                """
                INSERT INTO apimetrics_requestevent (project_id, timestamp, method, path, endpoint, status_code,
                    response_time_ms, ip_hash, user_agent, consumer)
                SELECT %s, %s::timestamptz + (g * %s) * interval '1 second',
                    (ARRAY['GET', 'POST', 'PUT'])[1 + (g %% 20) %% 3],
                    '/v1/r' || (g %% 20) || '/' || g, '/v1/r' || (g %% 20) || '/{id}',
                    CASE WHEN r1 < 0.01 THEN 500 WHEN r1 < 0.05 THEN 404 WHEN r1 < 0.06 THEN 302 ELSE 200 END,
                    exp(ln(20 + (g %% 20) * 8) + 0.7 * sqrt(-2 * ln(1 - r2)) * cos(2 * pi() * r3)),
                    '', '', 'consumer-' || (g %% 8)
                FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3
                      FROM generate_series(%s, %s) AS g) AS s
                """,
                [project_id, start, step, first, last - 1],
            )
            print(f"  generated {last:,} events", flush=True)
        cursor.execute("ANALYZE apimetrics_requestevent")
    generated = time.perf_counter() - generated
    rolled = time.perf_counter()
    rollups.rollup_project(project_id=project_id, now=end, batch=dt.timedelta(days=1))
    rolled = time.perf_counter() - rolled
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE apimetrics_minuterollup")
        cursor.execute("ANALYZE apimetrics_hourrollup")
    print(
        f"  {events:,} events generated in {generated:.0f} s, rolled up in {rolled:.0f} s "
        f"({events / rolled:,.0f} events/s)"
    )


def timed(function, repeat: int) -> float:
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--seconds", type=float, default=8.0, help="Load time of each measure, in all.")
    parser.add_argument("--rounds", type=int, default=4, help="Turns the measures take, one after the other.")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent client processes.")
    parser.add_argument(
        "--workers", type=int, help="gunicorn sync workers (default: config/gunicorn.py's, 2 x CPUs + 1)."
    )
    parser.add_argument("--events", type=int, default=10_000_000, help="Events for the query benchmark.")
    parser.add_argument("--regenerate", action="store_true", help="Regenerate the query data set.")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (and REDIS_URL to a Redis db).")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Workspace
    from apimetrics import analytics, keys, projects, tables
    from apimetrics.models import Project, RequestEvent, RollupState
    from apimetrics.recording import EVENT_COLUMNS
    from apimetrics.tracking import clean_events
    from config.periods import Period

    bench_started = time.perf_counter()
    call_command("migrate", verbosity=0)
    workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})

    def fresh_project(key: str) -> Project:
        Project.objects.filter(workspace=workspace, key=key).delete()
        return projects.project_create(workspace=workspace, name=key, key=key)

    tracked = fresh_project("bench-track")
    copied = fresh_project("bench-copy")
    with connection.cursor() as cursor:
        # Write out the pages that deleting the previous run's events dirtied, or the checkpoint
        # would share the machine with the first measures.
        cursor.execute("CHECKPOINT")
    secret = keys.api_key_create(project=tracked, name="bench", user=None).secret
    rng = random.Random(1)
    single_body = json.dumps(single_event(rng)).encode()
    batch = [single_event(rng) for _ in range(1000)]
    batch_body = json.dumps(batch).encode()

    rows = [(copied.pk, *row) for row in clean_events(batch, dt.datetime.now(tz=dt.UTC))]
    settings_db = connection.settings_dict
    dsn = (
        f"host={settings_db['HOST']} port={settings_db['PORT'] or 5432} "
        f"dbname={settings_db['NAME']} user={settings_db['USER']}"
    )
    columns = ", ".join(("project_id", *EVENT_COLUMNS))
    port, seconds = options.port, options.seconds / options.rounds
    server, workers = start_server(options.port, options.workers, Path("/tmp/pulse-bench-gunicorn.log"))  # noqa: S108
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; gunicorn {workers} sync workers, "
        f"{options.clients} client processes, {options.seconds:.0f} s per measure in {options.rounds} turns"
    )
    try:
        phases = {
            "bare": (_http_worker, (port, "/bench/bare", single_body, "", seconds)),
            "single": (_http_worker, (port, "/api/v1/track", single_body, secret, seconds)),
            "batch": (_http_worker, (port, "/api/v1/track", batch_body, secret, seconds)),
            "copy": (_copy_worker, (dsn, columns, rows, seconds)),
        }
        with multiprocessing.get_context("spawn").Pool(options.clients) as pool:
            warm = warm_up(pool, phases, options.clients)
            load = alternate(pool, phases, options.rounds, options.clients)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker stuck on a busy machine must not lose the figures
            server.kill()
            server.wait(timeout=10)
    bare, single, batched, copy = load["bare"], load["single"], load["batch"], load["copy"]

    stored = RequestEvent.objects.filter(project=tracked).count()
    warm_accepted = warm["single"][1] + warm["batch"][1]
    accepted = single[1] + batched[1] + warm_accepted
    bare_rate, single_rate = bare[0] / bare[3], single[1] / single[3]
    batch_rate, copy_rate = batched[1] / batched[3], copy[1] / copy[3]

    # --- queries over a large data set -------------------------------------------------------
    big = Project.objects.filter(workspace=workspace, key="bench-10m").first()
    end = (dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=30)
    have = RequestEvent.objects.filter(project=big).count() if big else 0
    state = RollupState.objects.filter(project=big).first() if big else None
    if options.regenerate or have != options.events or state is None or state.rolled_until is None:
        big = fresh_project("bench-10m")
        generate_and_roll_up(big.pk, start, end, options.events)
    period = Period(start.date(), (end - dt.timedelta(days=1)).date())
    lo, hi = period.bounds(big.tzinfo)
    prev_lo, prev_hi = period.previous().bounds(big.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")  # the same for both sides; generous to the raw queries

    aggregates = (
        "count(*), sum(CASE WHEN status_code BETWEEN 400 AND 499 THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status_code >= 500 THEN 1 ELSE 0 END), avg(response_time_ms), "
        "percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY response_time_ms)"
    )
    where = "project_id = %s AND timestamp >= %s AND timestamp < %s"

    def raw(sql_text, params):
        with connection.cursor() as cursor:
            cursor.execute(sql_text, params)
            return cursor.fetchall()

    raw_queries = {
        "summary": lambda: (
            raw(
                f"SELECT {aggregates}, avg(CASE WHEN response_time_ms <= 500 THEN 1.0 WHEN response_time_ms <= 2000 "
                f"THEN 0.5 ELSE 0 END) FROM apimetrics_requestevent WHERE {where}",
                [big.pk, lo, hi],
            ),
            raw(f"SELECT {aggregates} FROM apimetrics_requestevent WHERE {where}", [big.pk, prev_lo, prev_hi]),
        ),
        "time-series (day)": lambda: raw(
            f"SELECT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS d, {aggregates} "
            f"FROM apimetrics_requestevent WHERE {where} GROUP BY d ORDER BY d",
            [big.pk, lo, hi],
        ),
        "endpoints": lambda: raw(
            f"SELECT method, endpoint, {aggregates} FROM apimetrics_requestevent WHERE {where} "
            f"GROUP BY method, endpoint",
            [big.pk, lo, hi],
        ),
    }
    rollup_queries = {
        "summary": lambda: analytics.summary(big, period, analytics.rollup_watermark(big)),
        "time-series (day)": lambda: analytics.time_series(big, period, analytics.rollup_watermark(big), "day"),
        "endpoints": lambda: tables.endpoints(big, period, analytics.rollup_watermark(big)),
    }
    check_rollup = rollup_queries["summary"]()
    check_raw = raw_queries["summary"]()[0][0]
    query_rows = []
    for name in raw_queries:
        rollup_time = timed(rollup_queries[name], 3)
        raw_time = timed(raw_queries[name], 1)
        query_rows.append((name, rollup_time, raw_time))

    # --- report ----------------------------------------------------------------------------
    print()
    print("| measure | Pulse | baseline | ratio | goal |")
    print("|---|---|---|---|---|")
    print(
        f"| single-event tracking (events/s) vs bare Django view (req/s) | {single_rate:,.0f} | {bare_rate:,.0f} "
        f"| {single_rate / bare_rate:.2f}x | >= 0.5x |"
    )
    print(
        f"| 1,000-event batches (rows/s) vs plain COPY (rows/s) | {batch_rate:,.0f} | {copy_rate:,.0f} "
        f"| {batch_rate / copy_rate:.2f}x | >= 0.3x |"
    )
    for name, rollup_time, raw_time in query_rows:
        print(
            f"| {name} over {options.events:,} events: rollups vs raw table (ms) | {rollup_time * 1000:,.1f} "
            f"| {raw_time * 1000:,.0f} | {rollup_time / raw_time:.4f}x | <= 0.05x |"
        )
    print()
    print(
        f"accepted {accepted:,} events (single {single[1]:,} in {single[0]:,} requests, batch {batched[1]:,} in "
        f"{batched[0]:,} requests, {warm_accepted:,} in the warm-up), stored {stored:,}: "
        f"{'OK' if accepted == stored else 'MISMATCH'}; "
        f"non-202 answers: bare {bare[2] + warm['bare'][2]}, single {single[2] + warm['single'][2]}, "
        f"batch {batched[2] + warm['batch'][2]}"
    )
    print(
        f"summary check: rollups count {check_rollup['requests']:,}, raw count {check_raw[0]:,}; "
        f"p95 rollups {check_rollup['p95_ms']} ms vs exact {check_raw[4][1]:.2f} ms"
    )
    print(f"total bench time {time.perf_counter() - bench_started:.0f} s")


if __name__ == "__main__":
    main()
