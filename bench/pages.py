"""Page weight and load time of every dashboard, in Chromium against gunicorn (DEBUG off, the
static files collected and compressed as in production), on the real Online Retail file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse_pages REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/pages.py [--port 8130] [--repeat 3]

A bench workspace gets the real file (imported in a child process, then the caches warmed as
after any import), fake sales records and the API-metrics demo project. For each dashboard:

* bytes transferred (bodies as sent, compressed, plus headers) in a fresh browser context, a cold
  browser cache, and again on a second visit in the same context, a warm one;
* its load time from a warm server cache (the visits after the first, which filled it): the
  Navigation Timing marks responseStart, domContentLoadedEventEnd and loadEventEnd, and the time
  until every chart is drawn (medians of ``--repeat`` visits with a warm browser cache).

Goals (issue 27): ≤ 500 KB cold, ≤ 60 KB warm, under a second from a warm server cache.
Everything the bench creates is removed at the end.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Membership, User, Workspace  # noqa: E402
from accounts.tenancy import SESSION_WORKSPACE_KEY  # noqa: E402
from bench.ecommerce import DATA, _clear, _run_child, _wait_for  # noqa: E402

PAGES = (
    "/sales/",
    "/ecommerce/",
    "/ecommerce/customers/",
    "/ecommerce/products/",
    "/ecommerce/forecast/",
    "/api-metrics/",
    "/api-metrics/demo-shop-api/",
)
COLD_GOAL, WARM_GOAL, TIME_GOAL = 500_000, 60_000, 1000.0
CHARTS_DRAWN = (
    "document.querySelectorAll('.pulse-chart .main-svg').length >= document.querySelectorAll('.pulse-chart').length"
)


def _fill(workspace: Workspace, user: User) -> None:
    """The real file, fake sales and the API-metrics demo in ``workspace``, caches warmed."""
    import io

    from apimetrics import demo
    from ecommerce import tasks
    from sales.services import records_generate_fake

    result, _ = _run_child("--child-import", workspace.slug)
    if result["status"] != "succeeded":
        raise SystemExit(f"the import failed: {result['error']}")
    tasks.warm_workspace_caches(workspace.pk)
    records_generate_fake(workspace=workspace, count=5000, seed=1, days=730)
    demo.load(workspace=workspace, user=user, stdout=io.StringIO())


def _session_cookie(user: User, slug: str) -> dict:
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_WORKSPACE_KEY] = slug
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": "127.0.0.1", "path": "/"}


# Milliseconds from the start of the navigation, as the browser timed them.
NAVIGATION_TIMING = """() => {
  const entry = performance.getEntriesByType('navigation')[0];
  return [entry.responseStart, entry.domContentLoadedEventEnd, entry.loadEventEnd];
}"""


def _visit(page, url: str) -> tuple[int, list[float], float, set[str]]:
    """Bytes transferred, the Navigation Timing marks (response start, DOM content loaded, load)
    and ms until the charts are drawn, and the encodings the responses came in."""
    responses = []

    def collect(response) -> None:
        responses.append(response)

    page.on("response", collect)
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
    drawn_ms = (time.perf_counter() - started) * 1000
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", collect)
    marks = page.evaluate(NAVIGATION_TIMING)
    total, encodings = 0, set()
    for response in responses:
        sizes = response.request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        encodings.add(response.headers.get("content-encoding", "identity"))
    return total, marks, drawn_ms, encodings


def measure(base_url: str, cookie: dict, repeat: int) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new"])
        try:
            for path in PAGES:
                context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
                context.add_cookies([cookie])
                page = context.new_page()
                cold, *_ = _visit(page, path)
                warm, *_, encodings = _visit(page, path)
                times = [[*marks, drawn_ms] for _, marks, drawn_ms, _ in (_visit(page, path) for _ in range(repeat))]
                context.close()
                medians = [statistics.median(column) for column in zip(*times, strict=True)]
                rows.append((path, cold, warm, medians, ",".join(sorted(encodings))))
        finally:
            browser.close()
    return rows


def report(rows: list[tuple]) -> None:
    header = f"{'cold KB':>8} {'warm KB':>8} {'TTFB ms':>8} {'DCL ms':>7} {'load ms':>8} {'drawn ms':>9}"
    print(f"\n{'page':30} {header}  goals ≤500 / ≤60 KB, load and drawn <1 s")
    print("-" * 112)
    for path, cold, warm, (first_byte, dom_loaded, loaded, drawn), _ in rows:
        met = cold <= COLD_GOAL and warm <= WARM_GOAL and max(loaded, drawn) < TIME_GOAL
        line = f"{path:30} {cold / 1000:8.1f} {warm / 1000:8.1f} {first_byte:8.0f} {dom_loaded:7.0f} {loaded:8.0f}"
        print(f"{line} {drawn:9.0f}  {'yes' if met else 'NO'}")
    print("(times: medians of the warm visits, from the start of the navigation)")
    print(f"\ncontent encodings seen: {sorted({e for row in rows for e in row[4].split(',')})}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8130)
    parser.add_argument("--repeat", type=int, default=3, help="Warm visits per page (median).")
    options = parser.parse_args()
    if connection.vendor != "postgresql" or not DATA.exists():
        raise SystemExit("bench/pages.py needs PostgreSQL (DATABASE_URL=postgres://…) and the real file")
    call_command("migrate", verbosity=0)
    slug = f"bench-pages-{os.getpid()}"
    workspace = Workspace.objects.create(name="Bench", slug=slug, timezone="Europe/London", currency="GBP")
    user = User.objects.create_user(email=f"{slug}@bench.local", password=None, is_verified=True)
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.OWNER)
    static_root = tempfile.mkdtemp(prefix="pulse-bench-static-")
    server = None
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": static_root,
    }
    try:
        _fill(workspace, user)
        # The manifest and the .br/.gz files, as in production.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{options.port}"]
        server = subprocess.Popen([*gunicorn, "--workers", "2", "--timeout", "600"], cwd=ROOT, env=env)
        base_url = f"http://127.0.0.1:{options.port}"
        _wait_for(f"{base_url}/health/")
        report(measure(base_url, _session_cookie(user, slug), options.repeat))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
        _clear(workspace)
        workspace.delete()
        user.delete()


if __name__ == "__main__":
    main()
