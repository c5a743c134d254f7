"""E-commerce benchmarks on PostgreSQL with the real Online Retail file (not part of the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pulse .venv/bin/python bench/ecommerce.py [--reimport]

Sections (one function each, run by ``main()``):

* ``import``: the file through our whole pipeline (``manage.py import_orders`` code path, in a
  child process so that its peak RSS is its own) against a plain ``COPY`` of the same file,
  decompressed, into a bare table without indexes, in the same run. More lines split the
  difference: the cleaning alone (no database); the database's part of our loader from the
  already-cleaned lines (COPY into staged tables, bulk index builds, attach as the workspace's
  partitions: ``ecommerce.partitions``), the floor of this design, and of it the steps after the
  COPY (the index builds and ANALYZE, which no loader keeping these indexes can skip, and the
  attach); the least any loader of this data model does (the sales lines' COPY, the primary
  key, the date index and ANALYZE, no cleaning); and, for comparison, the previous loader's COPY
  straight into the indexed line table. Last, the CPU time of the floor's work (all of it in one
  server process, read from /proc, so only when the database runs on this host) and of the
  cleaning: divided by the cores, the least wall time any split of that work between the
  client, the server and parallel workers could take.
* ``endpoints``: the file imported into a bench workspace, then every analytics endpoint through
  HTTP (gunicorn on 127.0.0.1, one worker, DEBUG off) uncached (``?refresh=1`` as a staff
  member) and cached, against the same result computed by hand-written SQL run directly with
  psycopg in the same run (``bench/ecommerce_queries.py``). For the two endpoints that fit
  models (lifetime value, forecast), uncached means the request path with a stored fit, and two
  more lines give the cost of fitting: the first request (nothing stored: it fits) and the fit
  alone, timed here on the data the database reduced. Then the HTML dashboards on the same
  server (DESIGN §5: under a second on the full data), as the staff member logged in: cached
  (what users get after the import warmed the caches) and with ``?refresh=1`` (recomputed).
  Last, the transactions CSV of every sales line, downloaded through HTTP, against PostgreSQL
  writing the same lines as CSV (``COPY … TO STDOUT``).
* ``models``: the forecast's backtest MASE against the seasonal-naive model's, its 80/20 holdout
  accuracy and its intervals' coverage; the predicted customer value's holdout total error and
  per-customer MAE against the naive baseline; each beside the issue's goal, with the fit times.
* ``export``: that last comparison alone (``--repeat`` times), on the same gunicorn: the CSV
  written by PostgreSQL from the endpoint's own query, formula cells neutralised, against a
  plain ``COPY`` of the same lines (goal: at most twice its time).

Everything the benchmark creates (a workspace ``bench-ecommerce-…``, a bare table) is removed
at the end.
"""

import argparse
import contextlib
import datetime as dt
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DATA = ROOT.parent / "shared" / "data" / "online-retail.csv.gz"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Workspace  # noqa: E402
from ecommerce import loading, partitions, services  # noqa: E402
from ecommerce.importing import Cleaner, open_source  # noqa: E402
from ecommerce.models import LINE_MODELS, ImportJob, ReturnLine, SalesLine  # noqa: E402

BARE_TABLE = "bench_ecommerce_bare"


def _table(rows: list[tuple[str, str, str]]) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _child_import(slug: str) -> None:
    """Runs in a child process: import the file, print timings as JSON. The cache warming that
    follows an import (a task, on a worker in production) is not part of the import's time."""
    from ecommerce.receivers import WARM_AFTER_IMPORT_UID
    from ecommerce.signals import orders_imported

    if not orders_imported.disconnect(dispatch_uid=WARM_AFTER_IMPORT_UID):
        raise SystemExit("the cache warming receiver is not connected: the import's time would include it")
    workspace = Workspace.objects.get(slug=slug)
    job = ImportJob.objects.create(workspace=workspace, source_name=DATA.name)
    started = time.perf_counter()
    with DATA.open("rb") as file:
        job = services.import_job_run(job=job, file=file)
    elapsed = time.perf_counter() - started  # includes the commit (and its deferred FK checks)
    print(json.dumps({"seconds": elapsed, "status": job.status, "report": job.report, "error": job.error}))


def _run_child(*args: str) -> tuple[dict, int]:
    process = subprocess.Popen(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.stdout.close()
    if status != 0:
        raise SystemExit(f"child {args} failed with status {status}")
    return json.loads(output.decode().strip().splitlines()[-1]), usage.ru_maxrss  # KiB on Linux


def _plain_copy(csv_path: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(
            f"CREATE TABLE {BARE_TABLE} (invoice_no text, stock_code text, description text, quantity integer, "
            "invoice_date timestamp, unit_price numeric(12, 3), customer_id text, country text)"
        )
        cursor.execute("SET datestyle = 'ISO, MDY'")
        started = time.perf_counter()
        with (
            transaction.atomic(),
            cursor.cursor.copy(
                f"COPY {BARE_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'LATIN1')"
            ) as copy,
            csv_path.open("rb") as file,
        ):
            while chunk := file.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        cursor.execute(f"SELECT count(*) FROM {BARE_TABLE}")  # noqa: S608 (a constant)
        assert cursor.fetchone()[0] == 541_909
        cursor.execute(f"DROP TABLE {BARE_TABLE}")
    return elapsed


class _TextSink:
    """Collects the cleaned lines as COPY text (what the PostgreSQL loader streams)."""

    def __init__(self, workspace_id: int, job_id: int):
        self.text = loading.CopyText(workspace_id, job_id)
        self.sales, self.returns = io.StringIO(), io.StringIO()

    def sale(self, line):
        self.sales.write(self.text.format(line))

    def ret(self, line):
        self.returns.write(self.text.format(line))


def _cleaning_only(workspace: Workspace) -> tuple[float, float, _TextSink, ImportJob]:
    """The cleaning's wall time and CPU time (one thread), and the cleaned lines."""
    job = ImportJob.objects.create(workspace=workspace, source_name="bench floor")
    sink = _TextSink(workspace.pk, job.pk)
    started, cpu = time.perf_counter(), time.process_time()
    with DATA.open("rb") as file:
        Cleaner(tz=workspace.tzinfo, now=dt.datetime.now(dt.UTC)).run(open_source(file), sink)
    return time.perf_counter() - started, time.process_time() - cpu, sink, job


def _copy_text(cursor, table: str, text: io.StringIO) -> None:
    data = text.getvalue()
    with cursor.cursor.copy(f"COPY {table} ({', '.join(loading.LINE_COLUMNS)}) FROM STDIN") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start : start + (1 << 20)])


def _stage_and_attach(cursor, sink: _TextSink, workspace: Workspace, job: ImportJob) -> float:
    """Our loader's database part, from the already-cleaned lines: COPY into staged tables, then
    ``partitions.attach`` (bulk index builds, ANALYZE, attach), on a workspace that has its own
    partitions already (``partitions.ensure``). Returns the time of the steps after the COPY."""
    attaching = 0.0
    for model, text in ((SalesLine, sink.sales), (ReturnLine, sink.returns)):
        staged = partitions.stage(cursor, model, workspace.pk, job.pk)
        _copy_text(cursor, staged, text)
        copied = time.perf_counter()
        partitions.attach(cursor, model, workspace.pk, staged)
        attaching += time.perf_counter() - copied
    return attaching


def _database_floor(
    sink: _TextSink, workspace: Workspace, job: ImportJob, workers: int, *, commit: bool
) -> tuple[float, float]:
    """What the database does in our loader, its index builds sorting with ``workers`` parallel
    workers, commit included unless ``commit`` is false (then rolled back, its tables' names free
    again). Also returns the time of the steps after the COPY alone (the index builds and
    ANALYZE, which no loader with these indexes can skip, and the attach)."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        partitions.tune_index_builds(cursor, workers)
        attaching = _stage_and_attach(cursor, sink, workspace, job)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(not commit)
    return (time.perf_counter() - started) if commit else elapsed, attaching


def _server_cpu_seconds(cursor) -> Callable[[], float] | None:
    """A reader of the CPU time (user + system) of this connection's server process, from
    /proc; None when that process cannot be read here (the database runs on another host)."""
    if connection.settings_dict["HOST"] not in ("", "localhost", "127.0.0.1", "::1"):
        return None
    cursor.execute("SELECT pg_backend_pid()")
    process = Path(f"/proc/{cursor.fetchone()[0]}")
    try:
        if process.joinpath("comm").read_text().strip() != "postgres":
            return None
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        # Fields 14 and 15 (utime, stime), counted after the command name's closing parenthesis.
        fields = process.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


def _database_cpu(sink: _TextSink, workspace: Workspace, job: ImportJob) -> float | None:
    """The CPU time the database spends on the floor's work, all of it in one server process (no
    parallel workers for the index builds: they split the same sorts and add a merge). Rolled
    back. None when the server process cannot be read here."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        read = _server_cpu_seconds(cursor)
        used = None
        if read is not None:
            before = read()
            _stage_and_attach(cursor, sink, workspace, job)
            used = read() - before
        transaction.set_rollback(True)
    return used


def _fewest_indexes(sink: _TextSink, workspace: Workspace, job: ImportJob) -> float:
    """The least any loader of this data model does, from the already-cleaned lines: COPY the
    sales lines into a staged table, then only its primary key, the date index (the series and
    the paginated transactions need it) and ANALYZE. Rolled back."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        staged = partitions.stage(cursor, SalesLine, workspace.pk, job.pk)
        _copy_text(cursor, staged, sink.sales)
        cursor.execute(f"ALTER TABLE {staged} ADD PRIMARY KEY (id, workspace_id)")
        cursor.execute(f"CREATE INDEX ON {staged} (invoice_date)")
        cursor.execute(f"ANALYZE {staged}")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _previous_loader(sink: _TextSink) -> float:
    """COPY of the cleaned lines straight into the line table (the loader before partitions:
    five B-trees and a deferred foreign-key check per line), commit included."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for model, text in ((SalesLine, sink.sales), (ReturnLine, sink.returns)):
            _copy_text(cursor, model._meta.db_table, text)
    return time.perf_counter() - started


def _clear(workspace: Workspace) -> None:
    with connection.cursor() as cursor:
        for model in LINE_MODELS:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE workspace_id = %s", [workspace.pk])  # noqa: S608
    ImportJob.objects.filter(workspace=workspace).delete()


def bench_import(options) -> str:
    if not DATA.exists():
        return f"import: skipped, {DATA} is absent"
    slug = f"bench-ecommerce-{os.getpid()}"
    workspace = Workspace.objects.create(name="Bench", slug=slug, timezone="Europe/London", currency="GBP")
    tmp = Path(tempfile.mkdtemp(prefix="pulse-bench-"))
    try:
        csv_path = tmp / "online-retail.csv"
        with gzip.open(DATA, "rb") as source, csv_path.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        baseline = _plain_copy(csv_path)
        _, idle_rss = _run_child("--child-idle")
        result, rss = _run_child("--child-import", slug)
        if result["status"] != "succeeded":
            raise SystemExit(f"the import failed: {result['error']}")
        rows = [
            ("import of online-retail.csv.gz (541,909 rows)", "seconds", "× plain COPY"),
            ("plain COPY of the decompressed CSV into a bare table", f"{baseline:.2f}", "1.00"),
            (
                "Pulse import (clean + COPY + indexes + attach + commit), first import",
                f"{result['seconds']:.2f}",
                f"{result['seconds'] / baseline:.2f}",
            ),
        ]
        if options.reimport:
            again, rss_again = _run_child("--child-import", slug)
            rows.append(
                (
                    "Pulse re-import of the same file (replaces 534,128 lines)",
                    f"{again['seconds']:.2f}",
                    f"{again['seconds'] / baseline:.2f}",
                )
            )
            rss = max(rss, rss_again)
        # The same lines again, for the floors: into a workspace that never imported (its lines
        # in the DEFAULT partition for the previous loader, staged and attached for ours).
        floor_workspace = Workspace.objects.create(
            name="Bench floor", slug=f"{slug}-floor", timezone=workspace.timezone, currency="GBP"
        )
        try:
            cleaning, cleaning_cpu, sink, job = _cleaning_only(floor_workspace)
            previous = _previous_loader(sink)
            _clear(floor_workspace)
            for model in LINE_MODELS:
                partitions.ensure(model, floor_workspace.pk)
            # Rolled back, these two: their tables' names are free again.
            fewest = _fewest_indexes(sink, floor_workspace, job)
            database_cpu = _database_cpu(sink, floor_workspace, job)
            serial, serial_attaching = _database_floor(sink, floor_workspace, job, 0, commit=False)
            floor, attaching = _database_floor(sink, floor_workspace, job, partitions.INDEX_BUILD_WORKERS, commit=True)
        finally:
            floor_workspace.delete()
        rows += [
            ("  of which: cleaning alone, no database (Python)", f"{cleaning:.2f}", f"{cleaning / baseline:.2f}"),
            (
                f"  floor: the database's part (COPY into staged tables, index builds with "
                f"{partitions.INDEX_BUILD_WORKERS} parallel workers, attach)",
                f"{floor:.2f}",
                f"{floor / baseline:.2f}",
            ),
            (
                "    of which: index builds, ANALYZE and attach (partitions.attach), after the COPY",
                f"{attaching:.2f}",
                f"{attaching / baseline:.2f}",
            ),
            (
                "  the same floor, index builds without parallel workers (rolled back: no commit)",
                f"{serial:.2f}",
                f"{serial / baseline:.2f}",
            ),
            (
                "    of which: index builds, ANALYZE and attach, after the COPY",
                f"{serial_attaching:.2f}",
                f"{serial_attaching / baseline:.2f}",
            ),
            (
                "  least possible: COPY of the cleaned sales lines + primary key + date index + ANALYZE",
                f"{fewest:.2f}",
                f"{fewest / baseline:.2f}",
            ),
            (
                "  previous loader: COPY into the indexed line table, from cleaned lines",
                f"{previous:.2f}",
                f"{previous / baseline:.2f}",
            ),
        ]
        cores = os.cpu_count() or 1
        if database_cpu is None:
            rows.append(("  CPU time of the floor: not measured, the database runs on another host", "", ""))
        else:
            least = (database_cpu + cleaning_cpu) / cores
            rows += [
                ("CPU time, whichever core runs it", "", ""),
                (
                    "  the floor's, one server process (no parallel workers)",
                    f"{database_cpu:.2f}",
                    f"{database_cpu / baseline:.2f}",
                ),
                ("  the cleaning's", f"{cleaning_cpu:.2f}", f"{cleaning_cpu / baseline:.2f}"),
                (
                    f"  least wall time of both on {cores} cores, however the work is split",
                    f"{least:.2f}",
                    f"{least / baseline:.2f}",
                ),
                (
                    f"  least wall time of the floor's alone on {cores} cores, were the cleaning free",
                    f"{database_cpu / cores:.2f}",
                    f"{database_cpu / cores / baseline:.2f}",
                ),
            ]
        report = result["report"]
        memory = [
            ("peak memory (RSS)", "MiB", ""),
            ("import process", f"{rss / 1024:.0f}", ""),
            ("idle Django process (same interpreter)", f"{idle_rss / 1024:.0f}", ""),
        ]
        counts = ", ".join(
            f"{key}={report[key]}"
            for key in (
                "rows_read",
                "duplicates_dropped",
                "adjustments_excluded",
                "returns_kept",
                "rejected_total",
                "sales_lines_kept",
            )
        )
        return f"{_table(rows)}\n\n{_table(memory)}\n\nreport: {counts}"
    finally:
        _clear(workspace)
        workspace.delete()
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback URL we built)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url}")


def _fit_timers(workspace: Workspace) -> dict:
    """The models' fits alone, on the data the database reduced (read once, here, untimed): what
    the warming task spends beyond the queries."""
    from config.periods import Period
    from ecommerce import analytics, closed_days, clv, forecasting

    period = Period()
    series, _ = analytics.daily_revenue(workspace, period)
    days = analytics.customer_days(workspace, period)
    last_day = analytics.closed_period(workspace, period).date_to
    return {
        "forecast": lambda: forecasting.fit(series, country=closed_days.country_of(workspace.timezone)),
        "customers/lifetime-value": lambda: clv.fit(days, last_day),
    }


@contextlib.contextmanager
def _served_import(options, prefix: str, *, pages: bool) -> Iterator[tuple[Workspace, object, str, str, str]]:
    """The file imported into a bench workspace with a staff owner, served by gunicorn (one
    worker, DEBUG off), with the static files the HTML pages need when ``pages``: yields the
    workspace, the staff user, the base URL, the staff's token and the database's DSN; removes
    them all at the end."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Membership, User

    slug = f"{prefix}-{os.getpid()}"
    workspace = Workspace.objects.create(name="Bench", slug=slug, timezone="Europe/London", currency="GBP")
    staff = User.objects.create_user(email=f"{slug}@bench.local", password=None, is_staff=True, is_verified=True)
    Membership.objects.create(user=staff, workspace=workspace, role=Membership.Role.OWNER)
    server = None
    static_root = tempfile.mkdtemp(prefix="pulse-bench-static-")
    try:
        result, _ = _run_child("--child-import", slug)
        if result["status"] != "succeeded":
            raise SystemExit(f"the import failed: {result['error']}")
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
            "STATIC_ROOT": static_root,
        }
        if pages:  # the pages need the static files' manifest, as in production (DEBUG off)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{options.port}",
                "--workers",
                "1",
                "--timeout",
                "600",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{options.port}"
        _wait_for(f"{base_url}/health/")
        settings_db = connection.settings_dict
        dsn = (
            f"postgresql://{settings_db['USER']}:{settings_db['PASSWORD']}@{settings_db['HOST'] or '127.0.0.1'}:"
            f"{settings_db['PORT'] or 5432}/{settings_db['NAME']}"
        )
        yield workspace, staff, base_url, str(RefreshToken.for_user(staff).access_token), dsn
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
        _clear(workspace)
        workspace.delete()
        staff.delete()


def bench_endpoints(options) -> str:
    if not DATA.exists():
        return f"endpoints: skipped, {DATA} is absent"
    from bench.ecommerce_queries import run

    with _served_import(options, "bench-endpoints", pages=True) as (workspace, staff, base_url, token, dsn):
        slug = workspace.slug
        rows = run(base_url, token, slug, dsn, workspace.pk, repeat=options.repeat, fit_timers=_fit_timers(workspace))
        endpoints = [row for row in rows if row["kind"] == "endpoint"]
        met = sum(row["meets_goal"] for row in endpoints)
        pages = _time_pages(base_url, staff, slug, options.repeat)
        _time_export(base_url, token, slug, dsn, workspace)
        return (
            f"{met} of {len(endpoints)} endpoints within 1.5× of their SQL (uncached); "
            f"{pages} of {len(PAGES)} pages under a second cached"
        )


def bench_export(options) -> str:
    if not DATA.exists():
        return f"export: skipped, {DATA} is absent"
    with _served_import(options, "bench-export", pages=False) as (workspace, _, base_url, token, dsn):
        ratios = [_time_export(base_url, token, workspace.slug, dsn, workspace) for _ in range(options.repeat)]
    return f"transactions CSV: {min(ratios):.2f}× COPY at best, {max(ratios):.2f}× at worst (goal ≤ 2×)"


PAGES = ["/ecommerce/", "/ecommerce/customers/", "/ecommerce/products/", "/ecommerce/forecast/"]


def _time_export(base_url: str, token: str, slug: str, dsn: str, workspace: Workspace) -> float:
    """Prints the time of the transactions CSV of the whole file (every sales line, streamed
    through gunicorn) against the same lines written as CSV by PostgreSQL's ``COPY … TO STDOUT``
    read with psycopg, in the same run (once each: a download of tens of megabytes)."""
    import psycopg
    from psycopg import sql

    from bench.ecommerce_queries import http_get

    started = time.perf_counter()
    body = http_get(base_url, token, slug, "transactions", accept="text/csv")
    ours = time.perf_counter() - started
    lines = body.count(b"\n") - 1  # less the header
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        copy_sql = (
            "COPY (SELECT id, invoice_no, stock_code, description, quantity, unit_price, round(amount, 2), "
            "invoice_date, customer_id, country, is_product FROM ecommerce_salesline WHERE workspace_id = {} "
            "ORDER BY invoice_date DESC, id DESC) TO STDOUT WITH (FORMAT csv, HEADER true)"
        )
        with cursor.copy(sql.SQL(copy_sql).format(workspace.pk)) as copy:
            for _ in copy:
                pass
    baseline = time.perf_counter() - started
    rows = [
        ("transactions CSV, every sales line", "seconds", "× COPY"),
        ("COPY (SELECT …) TO STDOUT WITH CSV, read with psycopg", f"{baseline:.2f}", "1.00"),
        (
            f"GET transactions (Accept: text/csv), {lines:,} lines, {len(body) / 2**20:.0f} MiB",
            f"{ours:.2f}",
            f"{ours / baseline:.2f}",
        ),
    ]
    print(f"\n{_table(rows)}\n")
    return ours / baseline


def _time_pages(base_url: str, user, slug: str, repeat: int) -> int:
    """Prints each dashboard's cached and recomputed (``?refresh=1``) time, as ``user`` logged in
    to workspace ``slug`` (a session stored as the login view stores it, deleted at the end);
    returns how many are under a second cached."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.tenancy import SESSION_WORKSPACE_KEY
    from bench.ecommerce_queries import medians_ms

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_WORKSPACE_KEY] = slug
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    def get(url: str):
        def call() -> None:
            request = urllib.request.Request(f"{base_url}{url}", headers={"Cookie": cookie})  # noqa: S310
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (our bench server)
                response.read()
            if response.status != 200 or "/accounts/login/" in response.geturl():
                raise SystemExit(f"{url}: not the dashboard (HTTP {response.status}, {response.geturl()})")

        return call

    print(f"\n{'page (HTML, full data)':32} {'cached ms':>10} {'refresh=1 ms':>13}  goal < 1 s (cached)")
    print("-" * 76)
    under = 0
    try:
        for page in PAGES:
            get(page)()  # untimed: the first call warms this worker and the page's caches
            cached_ms, fresh_ms = medians_ms([get(page), get(f"{page}?refresh=1")], repeat)
            under += cached_ms < 1000
            print(f"{page:32} {cached_ms:10.1f} {fresh_ms:13.1f}  {'yes' if cached_ms < 1000 else 'NO'}")
    finally:
        session.delete()
    return under


def _forecast_rows(fit: dict) -> list[tuple[str, str, str]]:
    """The forecast's figures against the issue's goals."""
    backtest, holdout = fit["backtest"], fit["holdout"]
    chosen, naive = backtest["model"], backtest["seasonal_naive"]
    closed = [day for day in fit["forecast"] if dt.date.fromisoformat(day["date"]).weekday() == 5]
    christmas = [day for day in fit["forecast"] if day["date"].endswith("-12-25")]
    zero = all(day["revenue"] == day["upper_95"] == "0.00" for day in closed + christmas)
    return [
        ("forecast (Online Retail, whole file)", "figure", "goal"),
        (f"chosen model: {fit['model']}", "", ""),
        (f"backtest: {backtest['origins']} origins a week apart, {backtest['horizon_days']} days each", "", ""),
        ("backtest MASE, seasonal naive (baseline)", f"{naive['mase']:.3f}", ""),
        ("backtest MASE, chosen model", f"{chosen['mase']:.3f}", ""),
        ("  ratio to the seasonal naive", f"{backtest['mase_ratio']:.3f}", "≤ 0.90"),
        ("80/20 holdout accuracy (100 − MAPE), chosen model", f"{holdout['model']['accuracy_pct']:.2f} %", "≥ 75 %"),
        ("  the same, seasonal naive", f"{holdout['seasonal_naive']['accuracy_pct']:.2f} %", ""),
        ("backtest coverage of the 80 % interval", f"{chosen['coverage_80']:.1f} %", "70–90 %"),
        ("backtest coverage of the 95 % interval", f"{chosen['coverage_95']:.1f} %", "85–100 %"),
        (f"forecast 0 on {len(closed)} Saturdays and {len(christmas)} Christmas Day", "yes" if zero else "NO", "yes"),
        ("fit seconds (backtest of every candidate, holdout, forecast)", f"{fit['fit_seconds']:.1f}", ""),
    ]


def _clv_rows(holdout: dict, seconds: float) -> list[tuple[str, str, str]]:
    """The predicted customer value's holdout check against the issue's goals."""
    return [
        ("customer value (12-week holdout after the latest origin)", "figure", "goal"),
        ("total error, calibrated on the earlier origins", f"{holdout['total_error_pct']:+.2f} %", "within ±15 %"),
        ("  the same, uncalibrated", f"{holdout['uncalibrated_total_error_pct']:+.2f} %", ""),
        ("  their factor (holdouts ending by the latest origin)", f"×{holdout['scale']}", ""),
        ("per-customer MAE, naive baseline (past daily rate)", holdout["naive_mae"], ""),
        ("per-customer MAE, calibrated model", holdout["mae"], ""),
        ("  against the naive baseline", f"{holdout['mae_vs_naive_pct']:+.2f} %", "≤ −20 %"),
        ("fit seconds (whole period and every origin)", f"{seconds:.1f}", ""),
    ]


def bench_models(options) -> str:
    """The forecast and the customer value on the real file against the issue's goals: each
    model's figure beside its baseline's, computed in the same run."""
    if not DATA.exists():
        return f"models: skipped, {DATA} is absent"
    from config.periods import Period
    from ecommerce import analytics, closed_days, clv, forecasting

    slug = f"bench-models-{os.getpid()}"
    workspace = Workspace.objects.create(name="Bench", slug=slug, timezone="Europe/London", currency="GBP")
    try:
        result, _ = _run_child("--child-import", slug)
        if result["status"] != "succeeded":
            raise SystemExit(f"the import failed: {result['error']}")
        series, _ = analytics.daily_revenue(workspace, Period())
        fit = forecasting.fit(series, country=closed_days.country_of(workspace.timezone))
        days = analytics.customer_days(workspace, Period())
        last_day = analytics.closed_period(workspace, Period()).date_to
        started = time.perf_counter()
        models = clv.fit(days, last_day)
        seconds = time.perf_counter() - started
        holdout = clv.holdout_error(days, last_day, models["origins"])
        return f"{_table(_forecast_rows(fit))}\n\n{_table(_clv_rows(holdout, seconds))}"
    finally:
        _clear(workspace)
        workspace.delete()


SECTIONS = {"import": bench_import, "endpoints": bench_endpoints, "export": bench_export, "models": bench_models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append", help="Run only these sections.")
    parser.add_argument("--reimport", action="store_true", help="Also time a second import of the same file.")
    parser.add_argument("--port", type=int, default=8120, help="gunicorn port of the endpoints section.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed calls per endpoint (median).")
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    parser.add_argument("--child-idle", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child_import:
        _child_import(options.child_import)
        return
    if options.child_idle:
        print(json.dumps({}))
        return
    if connection.vendor != "postgresql":
        raise SystemExit("bench/ecommerce.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a fresh database works as well as one in use
    version = connection.connection.info.server_version
    print(
        f"PostgreSQL {version // 10000}.{version % 10000}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for name in options.section or list(SECTIONS):
        print(f"\n== {name} ==")
        print(SECTIONS[name](options))


if __name__ == "__main__":
    main()
