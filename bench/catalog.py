"""Benchmark of the cached public menu, through gunicorn, on PostgreSQL + Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_catalog REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/catalog.py [--port 8103] [--seconds 2] [--rounds 3]

1. migrates and seeds the menu (``seed_catalog``), starts gunicorn (2 gthread workers) on
   127.0.0.1:PORT with a bench-only URLconf that adds ``/bench/bare`` (a Django view that does
   nothing, through the same middleware);
2. throughput: keep-alive clients hammer the bare view and each URL in alternating slices of
   SECONDS, ROUNDS pairs per URL, and print requests/s and the ratio to the bare view measured
   in the same pairs (goal >= 0.7);
3. latency: one client, each URL uncached (the menu's cache version bumped before every
   request, so each one computes from the database) vs cached (warm), p50/p95 in ms;
4. stops the server. Bounded: about a minute in all.
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DJANGO_SETTINGS_MODULE="catalog_settings",
        PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    return env


class Client:
    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def get(self, url: str) -> tuple[int, bytes]:
        try:
            self.conn.request("GET", url, headers={"Host": "127.0.0.1"})
            response = self.conn.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            return 0, b""


def hammer(port: int, url: str, seconds: float, clients: int) -> float:
    """Requests per second answered 200 by ``clients`` keep-alive connections in ``seconds``."""
    counts = [0] * clients
    errors = [0] * clients
    deadline = time.perf_counter() + seconds

    def run(i: int) -> None:
        client = Client(port)
        while time.perf_counter() < deadline:
            status, _ = client.get(url)
            if status == 200:
                counts[i] += 1
            else:
                errors[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if sum(errors):
        print(f"  ! {url}: {sum(errors)} non-200 answers", file=sys.stderr)
    return sum(counts) / (time.perf_counter() - started)


def latency(port: int, url: str, n: int, before=None) -> tuple[float, float]:
    client = Client(port)
    samples = []
    for _ in range(n):
        if before:
            before()
        started = time.perf_counter()
        status, _ = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 200, (url, status)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if Client(port).get("/bench/bare")[0] == 200:
            return
        time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--seconds", type=float, default=0.4, help="per slice")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--latency-requests", type=int, default=60)
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pulse_catalog")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args()

    env = server_env(args)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_catalog"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)

    # The bench process talks to the same cache to bump the menu's version (uncached latency).
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")})
    os.environ.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING")
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
    import django

    django.setup()
    from catalog.models import Product
    from config.cache import bump_data_version

    product_id = Product.objects.filter(name="Caffè Latte").values_list("pk", flat=True).get()
    urls = {
        "bare Django view (baseline)": "/bench/bare",
        "GET /api/v1/catalog/types": "/api/v1/catalog/types",
        "GET /api/v1/catalog/types/latte/products": "/api/v1/catalog/types/latte/products",
        "GET …/types/latte/products?is_hot=1": "/api/v1/catalog/types/latte/products?is_hot=1",
        f"GET /api/v1/catalog/products/{product_id}": f"/api/v1/catalog/products/{product_id}",
        "GET /api/v1/catalog/promotions": "/api/v1/catalog/promotions",
        "GET /menu/ (HTML)": "/menu/",
    }

    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(args.port)
        for url in urls.values():  # warm every cache and every worker
            for _ in range(20):
                assert Client(args.port).get(url)[0] == 200, url

        # Paired slices: the bare view and the endpoint alternate every SECONDS, ROUNDS times, and
        # the ratio is taken over the pairs. The machine is shared, so its speed drifts; both sides
        # of a pair see the same load.
        bare_url = urls["bare Django view (baseline)"]
        rows = []
        for name, url in urls.items():
            if url == bare_url:
                continue
            bare_rates, rates = [], []
            for _ in range(args.rounds):
                bare_rates.append(hammer(args.port, bare_url, args.seconds, args.clients))
                rates.append(hammer(args.port, url, args.seconds, args.clients))
            pair_ratios = sorted(r / b for r, b in zip(rates, bare_rates, strict=True))
            rows.append(
                (name, statistics.mean(bare_rates), statistics.mean(rates), sum(rates) / sum(bare_rates), pair_ratios)
            )

        def bump():
            bump_data_version("catalog", None)

        print(f"\nWarm-cache throughput, gunicorn 2×gthread(2) on 127.0.0.1:{args.port}, {args.clients} keep-alive")
        print(f"clients, {args.rounds} pairs of {args.seconds:g} s slices (bare view, endpoint), PostgreSQL + Redis\n")
        print(
            f"| {'endpoint':<44} | {'bare req/s':>10} | {'req/s':>7} | {'× bare':>6} | {'pairs: min–median–max':>21} |"
        )
        print(f"|{'-' * 46}|{'-' * 12}|{'-' * 9}|{'-' * 8}|{'-' * 23}|")
        for name, bare_rate, rate, ratio, pair_ratios in rows:
            spread = f"{pair_ratios[0]:.2f}–{statistics.median(pair_ratios):.2f}–{pair_ratios[-1]:.2f}"
            print(f"| {name:<44} | {bare_rate:>10.0f} | {rate:>7.0f} | {ratio:>6.2f} | {spread:>21} |")

        print(f"\nLatency, one client, {args.latency_requests} requests each (ms)\n")
        print(f"| {'endpoint':<44} | {'uncached p50':>12} | {'p95':>6} | {'cached p50':>10} | {'p95':>6} | speed-up |")
        print(f"|{'-' * 46}|{'-' * 14}|{'-' * 8}|{'-' * 12}|{'-' * 8}|----------|")
        for name, url in urls.items():
            if url == "/bench/bare":
                continue
            cold = latency(args.port, url, args.latency_requests, before=bump)
            warm = latency(args.port, url, args.latency_requests)
            print(
                f"| {name:<44} | {cold[0]:>12.2f} | {cold[1]:>6.2f} | {warm[0]:>10.2f} | {warm[1]:>6.2f} |"
                f" {cold[0] / warm[0]:>7.1f}× |"
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
