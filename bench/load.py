"""Mixed load against gunicorn + PostgreSQL + Redis on loopback, with the bare-view floor.

    .venv/bin/python bench/load.py [--duration 60] [--baseline 10] [--threads 8] [--workers 3]
                                   [--port 8104] [--database-url …] [--redis-url …] [--endpoints FILE]

It migrates the database, loads the demo data (``manage.py demo``), starts gunicorn (production
settings, ``bench.settings``: Pulse's URLs plus ``/bench/bare``), measures the bare view for
``--baseline`` seconds, then runs the mixed workload for ``--duration`` seconds with the same
threads: logins, authenticated API reads (users, workspaces and the apps' analytics), catalog
reads and tracking (``POST /api/v1/track``, 1-5 events a request, with a key of a ``bench-api``
project it creates). Authenticated reads send ``X-Workspace: demo`` (the demo data's workspace).
Every URL is probed first; one that answers 404 (its app is not there) is left out and listed as
skipped. Prints requests/s, p50/p95/p99, errors and 5xx per endpoint class, the mixed throughput
as a ratio of the bare view's, and the tracking events accepted (202) against those stored
(counted in PostgreSQL): the difference is the lost count. Stops gunicorn at the end.

``--capacity``: instead of the mixed workload, the capacity figures of :mod:`bench.capacity`
(tracked events and cached reads per second per worker, rollup lag under sustained tracking,
import rows per second), which docs/scaling.md turns into machines.

``--endpoints FILE``: a JSON object ``{"api": [...], "catalog": [...]}`` replacing the URL lists
below (``{project}`` and ``{type}`` are filled from the tracking project and the first
catalog type).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import capacity  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DEMO_EMAIL, DEMO_PASSWORD = "demo@pulse.local", "pulse-demo-2026"
PROJECT = "bench-api"
# Every authenticated request names the demo workspace (the demo user's personal one is empty).
WORKSPACE = "demo"


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "X-Workspace": WORKSPACE}


API_READS = [
    "/api/v1/users/me",
    "/api/v1/workspaces/",
    "/api/v1/sales/summary",
    "/api/v1/sales/series?interval=month",
    "/api/v1/sales/top-users?limit=3",
    "/api/v1/ecommerce/kpis",
    "/api/v1/ecommerce/series?interval=month",
    "/api/v1/ecommerce/countries?limit=10",
    "/api/v1/ecommerce/customers/top?limit=10",
    "/api/v1/projects/",
    "/api/v1/projects/demo-shop-api/metrics/summary",
    "/api/v1/projects/demo-shop-api/metrics/time-series?interval=hour",
    "/api/v1/projects/demo-shop-api/metrics/endpoints",
    "/api/v1/projects/{project}/metrics/summary",
]
CATALOG_READS = [
    "/api/v1/catalog/types",
    "/api/v1/catalog/promotions",
    "/api/v1/catalog/types/{type}/products",
]
# Share of each class in the mixed workload.
WEIGHTS = {"login": 5, "api": 45, "catalog": 25, "track": 25}


class Client:
    """One keep-alive-less HTTP client per thread (gunicorn's sync workers close each connection)."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method: str, path: str, body: dict | list | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})} if payload else (headers or {})
        started = time.perf_counter()
        try:
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except OSError:
            status, data = 599, b""
        finally:
            conn.close()
        return status, data, time.perf_counter() - started


def server_env(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PULSE_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "LOG_LEVEL": "WARNING",
        # The load logs in far more often than a person: lift the auth throttles for the run.
        "THROTTLE_AUTH_IP": "1000000/min",
        "THROTTLE_AUTH_ACCOUNT": "1000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "WEB_CONCURRENCY": str(args.workers),
        "PYTHONPATH": str(ROOT),
    }


def manage(env: dict, *command: str) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "config.wsgi", "-c", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = Client(port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if client.request("GET", "/health/")[0] == 200:
            return process
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def login(client: Client) -> str:
    status, data, _ = client.request("POST", "/api/v1/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    if status != 200:
        raise SystemExit(f"demo login failed: {status} {data[:200]!r}")
    return json.loads(data)["access"]


def setup_tracking(client: Client, token: str) -> tuple[str | None, str]:
    """An API project and key of the demo workspace through the API; (None, reason) without apimetrics."""
    headers = auth(token)
    status, data, _ = client.request("GET", f"/api/v1/projects/{PROJECT}/", headers=headers)
    if status == 404 and client.request("GET", "/api/v1/projects/", headers=headers)[0] == 404:
        return None, "no /api/v1/projects/ (apimetrics absent)"
    if status == 404:
        status, data, _ = client.request(
            "POST", "/api/v1/projects/", {"name": "Bench API", "key": PROJECT}, headers=headers
        )
        if status not in (200, 201):
            return None, f"project creation answered {status}: {data[:120]!r}"
    status, data, _ = client.request(
        "POST", f"/api/v1/projects/{PROJECT}/api-keys/", {"name": "bench"}, headers=headers
    )
    if status not in (200, 201):
        return None, f"API key creation answered {status}: {data[:120]!r}"
    body = json.loads(data)
    secret = next(
        (body[k] for k in ("key", "secret", "api_key", "raw_key", "token") if isinstance(body.get(k), str)), None
    )
    return (secret, "") if secret else (None, f"no secret in the API key response: {sorted(body)}")


def stored_events(database_url: str) -> int | None:
    """The raw events stored for the bench project, counted in the database itself (the API's
    summary is cached, and only a count of the rows shows a lost event)."""
    import psycopg

    if not database_url.startswith("postgres"):
        return None
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM apimetrics_requestevent e JOIN apimetrics_project p ON p.id = e.project_id "
            "JOIN accounts_workspace w ON w.id = p.workspace_id WHERE p.key = %s AND w.slug = %s",
            [PROJECT, WORKSPACE],
        ).fetchone()
    return int(row[0])


def probe(client: Client, token: str, urls: list[str]) -> tuple[list[str], list[str]]:
    present, absent = [], []
    for url in urls:
        status = client.request("GET", url, headers=auth(token))[0]
        (absent if status == 404 else present).append(url)
    return present, absent


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.server_errors: dict[str, int] = defaultdict(int)
        self.accepted_events = 0

    def add(self, kind: str, status: int, seconds: float, ok: bool) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
            if status >= 500:
                self.server_errors[kind] += 1


def run_phase(port: int, seconds: float, threads: int, pick) -> tuple[Recorder, float]:
    recorder = Recorder()
    stop = time.monotonic() + seconds

    def worker(seed: int):
        rng = random.Random(seed)
        client = Client(port)
        while time.monotonic() < stop:
            pick(client, rng, recorder)

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return recorder, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def table(title: str, recorder: Recorder, elapsed: float) -> float:
    print(f"\n{title} ({elapsed:.1f} s)")
    print(
        f"{'class':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'5xx':>5}"
    )
    total = 0
    for kind in sorted(recorder.samples):
        values = recorder.samples[kind]
        total += len(values)
        print(
            f"{kind:<10} {len(values):>9} {len(values) / elapsed:>8.1f} {percentile(values, 50) * 1000:>8.1f} "
            f"{percentile(values, 95) * 1000:>8.1f} {percentile(values, 99) * 1000:>8.1f} "
            f"{recorder.errors[kind]:>7} {recorder.server_errors[kind]:>5}"
        )
    all_values = [v for values in recorder.samples.values() for v in values]
    if len(recorder.samples) > 1 and all_values:
        print(
            f"{'all':<10} {total:>9} {total / elapsed:>8.1f} {percentile(all_values, 50) * 1000:>8.1f} "
            f"{percentile(all_values, 95) * 1000:>8.1f} {percentile(all_values, 99) * 1000:>8.1f} "
            f"{sum(recorder.errors.values()):>7} {sum(recorder.server_errors.values()):>5}"
        )
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of mixed load (default 60)")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of bare-view load (default 10)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/pulse_ops")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--endpoints", type=Path, help="JSON file with the api and catalog URL lists")
    parser.add_argument("--skip-setup", action="store_true", help="no migrate/demo (already done)")
    parser.add_argument(
        "--weights", help="class weights, e.g. login=5,api=45,catalog=25,track=25 (the default)", default=""
    )
    parser.add_argument("--capacity", action="store_true", help="capacity figures instead of the mixed load")
    parser.add_argument("--rollup-every", type=float, default=15.0, help="--capacity: seconds between rollups")
    parser.add_argument(
        "--import-file",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "online-retail.csv.gz",
        help="--capacity: the orders file whose import is timed",
    )
    args = parser.parse_args()

    api_urls, catalog_urls = API_READS, CATALOG_READS
    if args.endpoints:
        configured = json.loads(args.endpoints.read_text())
        api_urls, catalog_urls = configured.get("api", api_urls), configured.get("catalog", catalog_urls)

    env = server_env(args)
    if args.capacity:  # what the server sustains, not what one key is allowed
        env["APIMETRICS_RATE_LIMIT_PER_MINUTE"] = str(10**9)
    if not args.skip_setup:
        print("migrate + demo data…", flush=True)
        ensure_database(args.database_url)
        manage(env, "migrate", "--noinput")
        manage(env, "demo")
        manage(env, "collectstatic", "--noinput")
    server = start_gunicorn(env, args.port)
    try:
        client = Client(args.port)
        token = login(client)
        api_key, why_no_tracking = setup_tracking(client, token)
        catalog_type = None
        status, data, _ = client.request("GET", "/api/v1/catalog/types")
        if status == 200:
            body = json.loads(data)
            rows = body.get("results", body) if isinstance(body, dict) else body
            catalog_type = rows[0]["slug"] if rows and isinstance(rows[0], dict) and "slug" in rows[0] else None

        def fill(url: str) -> str | None:
            if "{project}" in url and api_key is None:
                return None
            if "{type}" in url and catalog_type is None:
                return None
            return url.replace("{project}", PROJECT).replace("{type}", catalog_type or "")

        api_present, api_absent = probe(client, token, [u for u in map(fill, api_urls) if u])
        catalog_present, catalog_absent = probe(client, token, [u for u in map(fill, catalog_urls) if u])
        skipped = api_absent + catalog_absent + [u for u in api_urls + catalog_urls if fill(u) is None]
        weights_given = dict(item.split("=") for item in args.weights.split(",") if item)
        WEIGHTS.update({k: int(v) for k, v in weights_given.items()})
        classes = {"login": WEIGHTS["login"]} if WEIGHTS["login"] else {}
        if api_present and WEIGHTS["api"]:
            classes["api"] = WEIGHTS["api"]
        if catalog_present and WEIGHTS["catalog"]:
            classes["catalog"] = WEIGHTS["catalog"]
        if api_key and WEIGHTS["track"]:
            classes["track"] = WEIGHTS["track"]
        kinds, weights = list(classes), list(classes.values())
        tokens = [login(client) for _ in range(args.threads)]

        def bare(client, rng, recorder):
            status, _, seconds = client.request("GET", "/bench/bare")
            recorder.add("bare", status, seconds, status == 200)

        def mixed(client, rng, recorder):
            kind = rng.choices(kinds, weights)[0]
            if kind == "login":
                status, _, seconds = client.request(
                    "POST", "/api/v1/auth/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
                )
                ok = status == 200
            elif kind == "track":
                events = [
                    {
                        "method": rng.choice(["GET", "POST"]),
                        "path": f"/orders/{rng.randint(1, 500)}",
                        "status_code": rng.choice([200, 200, 200, 201, 404, 500]),
                        "response_time_ms": round(rng.lognormvariate(3.5, 0.6), 1),
                    }
                    for _ in range(rng.randint(1, 5))
                ]
                status, _, seconds = client.request("POST", "/api/v1/track", events, {"X-API-Key": api_key})
                ok = status == 202
                if ok:
                    with recorder.lock:
                        recorder.accepted_events += len(events)
            else:
                url = rng.choice(api_present if kind == "api" else catalog_present)
                status, _, seconds = client.request("GET", url, headers=auth(rng.choice(tokens)))
                ok = status == 200
            recorder.add(kind, status, seconds, ok)

        tracked_before = stored_events(args.database_url) if api_key else None
        print(f"\ngunicorn: {args.workers} workers on 127.0.0.1:{args.port}; client: {args.threads} threads")
        print(f"mixed classes: {', '.join(f'{k} {w}%' for k, w in classes.items())}")
        print(f"api reads: {len(api_present)} URLs; catalog reads: {len(catalog_present)} URLs")
        if skipped:
            print("skipped (absent on this server): " + ", ".join(skipped))
        if not api_key:
            print(f"tracking skipped: {why_no_tracking}")

        if args.capacity:
            context = SimpleNamespace(
                args=args, env=env, root=ROOT, client=client, token=token, api_key=api_key, project=PROJECT,
                workspace=WORKSPACE, owner=DEMO_EMAIL, auth=auth, bare=bare, run_phase=run_phase, table=table,
                percentile=percentile,
            )  # fmt: skip
            capacity.run(context)
            return
        baseline, baseline_elapsed = run_phase(args.port, args.baseline, args.threads, bare)
        bare_rps = table("bare view /bench/bare", baseline, baseline_elapsed)
        load, load_elapsed = run_phase(args.port, args.duration, args.threads, mixed)
        mixed_rps = table("mixed workload", load, load_elapsed)
        print(f"\nmixed / bare throughput: {mixed_rps / bare_rps:.2f}  ({mixed_rps:.1f} vs {bare_rps:.1f} req/s)")
        per_class = ", ".join(f"{kind} {load.server_errors[kind]}" for kind in sorted(load.samples))
        print(f"5xx during the mixed load: {sum(load.server_errors.values())} ({per_class})")
        if api_key:
            tracked_after = stored_events(args.database_url)
            if tracked_before is not None and tracked_after is not None:
                stored = tracked_after - tracked_before
                print(
                    f"tracking events: {load.accepted_events} accepted (202), {stored} stored, "
                    f"{load.accepted_events - stored} lost"
                )
            else:
                print(f"tracking events: {load.accepted_events} accepted (202); no PostgreSQL to count them in")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


if __name__ == "__main__":
    main()
