"""The capacity figures of ``bench/load.py --capacity``: what one web worker and one PostgreSQL
on this machine sustain, the numbers docs/scaling.md turns into machines.

1. tracked events per second per web worker (single-event ``POST /api/v1/track``, the
   worst case: every event pays a request), and with 100-event batches;
2. cached reads per second per web worker (``GET /api/v1/ecommerce/kpis``, warmed first), with
   p99, next to the bare view of the same gunicorn in the same run;
3. rollup lag under sustained tracking: while 100-event tracking runs, the rollup of the
   bench project runs every ``--rollup-every`` seconds in a process of its own, as the ingest
   queue's worker would; each run prints its time, the events it rolled and how far the
   watermark is behind the clock afterwards (at least ``ROLLUP_LAG``, the minute late events
   may still arrive in, plus the minute in progress);
4. import rows per second: ``manage.py import_orders`` of ``--import-file`` into a new
   workspace, timed from the outside (start-up included), rows counted by the import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

# The rollup process: sets Django up once, then rolls the bench project every few seconds.
ROLLUP_SCRIPT = """
import json, sys, time
import django
django.setup()
from django.utils import timezone
from apimetrics.models import Project, RequestEvent, RollupState
from apimetrics.rollups import rollup_project
project = Project.objects.get(key=sys.argv[1], workspace__slug=sys.argv[2])
stop, every = time.monotonic() + float(sys.argv[3]), float(sys.argv[4])
while time.monotonic() < stop:
    time.sleep(every)
    before = RollupState.objects.filter(project=project).values_list("rolled_until", flat=True).first()
    started = time.perf_counter()
    result = rollup_project(project_id=project.pk)
    seconds = time.perf_counter() - started
    events = 0
    if result.minutes:  # nothing rolled yet leaves no watermark
        rolled = RequestEvent.objects.filter(project=project, timestamp__lt=result.rolled_until)
        events = (rolled if before is None else rolled.filter(timestamp__gte=before)).count()
    print(json.dumps({
        "seconds": seconds, "minutes": result.minutes, "events": events,
        "lag": (timezone.now() - result.rolled_until).total_seconds() if result.rolled_until else None,
    }), flush=True)
"""


def _track_events(rng, size: int) -> list[dict]:
    return [
        {
            "method": rng.choice(["GET", "POST"]),
            "path": f"/orders/{rng.randint(1, 500)}",
            "status_code": rng.choice([200, 200, 200, 201, 404, 500]),
            "response_time_ms": round(rng.lognormvariate(3.5, 0.6), 1),
        }
        for _ in range(size)
    ]


def tracker(api_key: str, size: int):
    def track(client, rng, recorder):
        events = _track_events(rng, size)
        status, _, seconds = client.request("POST", "/api/v1/track", events, {"X-API-Key": api_key})
        ok = status == 202
        if ok:
            with recorder.lock:
                recorder.accepted_events += len(events)
        recorder.add(f"track×{size}", status, seconds, ok)

    return track


def reader(url: str, headers: dict):
    def read(client, rng, recorder):
        status, _, seconds = client.request("GET", url, headers=headers)
        recorder.add("cached", status, seconds, status == 200)

    return read


def run_rollups(env: dict, root: Path, project: str, workspace: str, seconds: float, every: float) -> list[dict]:
    """Rollup runs in a process of their own for ``seconds``; what each run printed."""
    process = subprocess.run(
        [sys.executable, "-c", ROLLUP_SCRIPT, project, workspace, str(seconds), str(every)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 600,
        check=False,
    )
    if process.returncode != 0:
        print(f"rollup process failed: {process.stderr[-600:]}")
    return [json.loads(line) for line in process.stdout.splitlines() if line.startswith("{")]


def import_rate(env: dict, root: Path, path: Path, owner: str) -> tuple[int, float, float] | None:
    """Rows read, the import's own seconds and the command's wall seconds (start-up and the new
    workspace included) of one ``import_orders`` of ``path`` into a new workspace."""
    if not path.exists():
        print(f"import skipped: {path} does not exist")
        return None
    slug = f"bench-import-{int(time.time())}"
    command = [sys.executable, "manage.py", "import_orders", str(path), "--workspace", slug, "--create"]
    started = time.perf_counter()
    process = subprocess.run(
        [*command, "--owner", owner, "--json", "--no-progress"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        print(f"import failed: {process.stderr[-600:]}")
        return None
    # The JSON report is the command's last output; log lines may come before it.
    start = process.stdout.rfind('{\n  "job"')
    if start < 0:
        print(f"import printed no report: {process.stdout[-600:]} {process.stderr[-600:]}")
        return None
    report = json.loads(process.stdout[start:])["report"] or {}
    print(f"import report: { {k: v for k, v in report.items() if not isinstance(v, dict | list)} }")
    return int(report["rows_read"]), float(report["duration_seconds"]), seconds


def run(ctx) -> None:
    """The capacity phases; ``ctx`` carries load.py's helpers, arguments and setup."""
    args, workers = ctx.args, ctx.args.workers
    print(f"\n=== capacity: {workers} gunicorn workers, {args.threads} client threads, {args.duration:.0f} s each ===")
    bare, elapsed = ctx.run_phase(args.port, args.baseline, args.threads, ctx.bare)
    bare_rps = ctx.table("bare view /bench/bare", bare, elapsed)

    kpis = "/api/v1/ecommerce/kpis"
    headers = ctx.auth(ctx.token)
    ctx.client.request("GET", kpis, headers=headers)  # computed once, cached from here on
    cached, elapsed = ctx.run_phase(args.port, args.duration, args.threads, reader(kpis, headers))
    cached_rps = ctx.table(f"cached {kpis}", cached, elapsed)
    p99 = ctx.percentile(cached.samples["cached"], 99) * 1000

    figures = {}
    for size in (1, 100):
        load, elapsed = ctx.run_phase(args.port, args.duration, args.threads, tracker(ctx.api_key, size))
        ctx.table(f"tracking, {size} event(s) a request", load, elapsed)
        figures[size] = load.accepted_events / elapsed

    holder: dict[str, list[dict]] = {}
    seconds = max(args.duration, 6 * args.rollup_every)
    thread = threading.Thread(
        target=lambda: holder.setdefault(
            "runs", run_rollups(ctx.env, ctx.root, ctx.project, ctx.workspace, seconds, args.rollup_every)
        )
    )
    thread.start()
    sustained, elapsed = ctx.run_phase(args.port, seconds, args.threads, tracker(ctx.api_key, 100))
    thread.join()
    ctx.table("tracking (100 events a request) during rollups", sustained, elapsed)
    runs = holder.get("runs", [])

    imported = import_rate(ctx.env, ctx.root, args.import_file, ctx.owner) if args.import_file else None

    print("\n--- capacity summary (this machine) ---")
    print(f"bare view: {bare_rps:.0f} req/s, {bare_rps / workers:.0f} per worker")
    print(f"cached reads: {cached_rps:.0f} req/s, {cached_rps / workers:.0f} per worker, p99 {p99:.0f} ms, ", end="")
    print(f"{cached_rps / bare_rps:.2f}x the bare view")
    for size, rate in figures.items():
        print(f"tracked events, {size}/request: {rate:.0f} events/s, {rate / workers:.0f} per worker")
    rate = sustained.accepted_events / elapsed
    print(f"tracked events during rollups (100/request): {rate:.0f} events/s ({rate * 60:.0f} a minute)")
    for run_ in runs:
        lag = "-" if run_["lag"] is None else f"{run_['lag']:.0f} s"
        rolled = f"{run_['minutes']} minute(s), {run_['events']} events"
        print(f"  rollup run: {run_['seconds']:.2f} s for {rolled}; watermark {lag} behind after it")
    if imported:
        rows, took, wall = imported
        print(f"import: {rows} rows in {took:.1f} s = {rows / took:.0f} rows/s ({rows / wall:.0f} with start-up)")
