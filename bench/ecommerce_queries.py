"""E-commerce analytics endpoints against hand-written SQL (PostgreSQL).

For every analytics endpoint: its URL (path + query string) and the SQL a person would write to
compute the same result straight from the tables. :func:`run` times, in the same run,

- the SQL executed directly with psycopg (baseline),
- the endpoint through HTTP uncached (``?refresh=1``; the token must be a staff user's who is a
  member of the workspace),
- the endpoint through HTTP cached (the same call without ``refresh``),

and prints a table with the uncached/SQL ratio (goal ≤ 1.5×). Medians of a few runs each, after
one untimed call of each; the SQL and the uncached calls alternate, so that both see the same
load on a shared machine.
``bench/ecommerce.py`` calls it after loading the real file; it can also run on its own::

    .venv/bin/python bench/ecommerce_queries.py --base-url http://127.0.0.1:8000 --token ACCESS \\
        --workspace bench --dsn postgresql://postgres@127.0.0.1:5432/pulse --workspace-id 1

Where an endpoint's work is not all SQL (RFM scoring, CLV model fitting, the forecast), the SQL
column computes the part a database can (the SQL for RFM segments and cohorts is complete; for
lifetime value and the forecast it is the data reduction the models are fitted on), and the
table says so.

Lifetime value and the forecast fit models. Pulse stores a fit under a digest of the data it was
fitted on; the warming task fits after every import, and an uncached request reads the data
again and reuses the stored fit of exactly those data. So their uncached line is that request
path with a stored fit: the same data reduction as the SQL, plus applying the fit. Two more
lines show what fitting costs, against the same SQL: the very first request, with nothing
stored, which fits on the request (in a fresh worker it also pays the first import of the
model libraries), and, when the caller passes a timer for it, the fit alone (the models fitted
on the reduced data, as the task does; median of the runs). The forecast's answers are checked
to say ``fit.source = stored`` where a stored fit is claimed.
"""

# ruff: noqa: S608, S310  (SQL built from module constants only; URLs of our own bench server)
from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

S = "ecommerce_salesline"
R = "ecommerce_returnline"
WS = "workspace_id = %(ws)s"
LOCAL = "(invoice_date AT TIME ZONE %(tz)s)"


def _series_sql(unit: str, extra_where: str = "") -> str:
    return f"""
WITH s AS (
  SELECT date_trunc('{unit}', {LOCAL}) AS b, sum(amount) AS revenue, count(DISTINCT invoice_no) AS orders,
         sum(quantity) AS units
  FROM {S} WHERE {WS} {extra_where} GROUP BY 1
), bounds AS (
  SELECT date_trunc('{unit}', (min(invoice_date) AT TIME ZONE %(tz)s)) AS b0,
         date_trunc('{unit}', (max(invoice_date) AT TIME ZONE %(tz)s)) AS b1
  FROM {S} WHERE {WS}
)
SELECT g.b, coalesce(s.revenue, 0) AS revenue, coalesce(s.orders, 0), coalesce(s.units, 0),
       round(100 * (coalesce(s.revenue, 0) - lag(coalesce(s.revenue, 0)) OVER w)
             / nullif(lag(coalesce(s.revenue, 0)) OVER w, 0), 2) AS growth_pct
FROM bounds, generate_series(bounds.b0, bounds.b1, interval '1 {unit}') AS g(b)
LEFT JOIN s ON s.b = g.b
WINDOW w AS (ORDER BY g.b)
ORDER BY g.b"""


KPIS_SQL = [
    f"""
WITH b AS (
  SELECT ({LOCAL.replace("invoice_date", "min(invoice_date)")})::date AS d0,
         ({LOCAL.replace("invoice_date", "max(invoice_date)")})::date AS d1
  FROM {S} WHERE {WS}
), p AS (
  SELECT (d0::timestamp AT TIME ZONE %(tz)s) AS cs, ((d1 + 1)::timestamp AT TIME ZONE %(tz)s) AS ce,
         ((d0 - (d1 - d0 + 1))::timestamp AT TIME ZONE %(tz)s) AS ps
  FROM b
)
SELECT sum(amount) FILTER (WHERE invoice_date >= p.cs),
       count(DISTINCT invoice_no) FILTER (WHERE invoice_date >= p.cs),
       count(DISTINCT customer_id) FILTER (WHERE invoice_date >= p.cs AND customer_id <> ''),
       count(DISTINCT stock_code) FILTER (WHERE invoice_date >= p.cs AND is_product),
       sum(quantity) FILTER (WHERE invoice_date >= p.cs),
       sum(amount) FILTER (WHERE invoice_date < p.cs),
       count(DISTINCT invoice_no) FILTER (WHERE invoice_date < p.cs),
       count(DISTINCT customer_id) FILTER (WHERE invoice_date < p.cs AND customer_id <> ''),
       count(DISTINCT stock_code) FILTER (WHERE invoice_date < p.cs AND is_product),
       sum(quantity) FILTER (WHERE invoice_date < p.cs)
FROM {S}, p WHERE {WS} AND invoice_date >= p.ps AND invoice_date < p.ce""",
    f"""
WITH b AS (
  SELECT ({LOCAL.replace("invoice_date", "min(invoice_date)")})::date AS d0,
         ({LOCAL.replace("invoice_date", "max(invoice_date)")})::date AS d1
  FROM {S} WHERE {WS}
), p AS (
  SELECT (d0::timestamp AT TIME ZONE %(tz)s) AS cs, ((d1 + 1)::timestamp AT TIME ZONE %(tz)s) AS ce,
         ((d0 - (d1 - d0 + 1))::timestamp AT TIME ZONE %(tz)s) AS ps
  FROM b
)
SELECT sum(amount) FILTER (WHERE invoice_date >= p.cs), sum(amount) FILTER (WHERE invoice_date < p.cs)
FROM {R}, p WHERE {WS} AND invoice_date >= p.ps AND invoice_date < p.ce""",
]

COUNTRY = "United Kingdom"
COUNTRY_SQL = [
    f"SELECT country FROM {S} WHERE {WS} AND country IN ('United Kingdom', 'UNITED KINGDOM', 'united kingdom') LIMIT 1",
    f"""SELECT sum(amount), count(DISTINCT invoice_no), count(DISTINCT customer_id) FILTER (WHERE customer_id <> ''),
       count(DISTINCT stock_code) FILTER (WHERE is_product), sum(quantity)
FROM {S} WHERE {WS} AND country = 'United Kingdom'""",
    f"SELECT sum(amount) FROM {R} WHERE {WS} AND country = 'United Kingdom'",
    _series_sql("month", "AND country = 'United Kingdom'"),
    f"""SELECT stock_code, max(description), sum(amount) AS revenue, sum(quantity), count(DISTINCT invoice_no)
FROM {S} WHERE {WS} AND country = 'United Kingdom' AND is_product
GROUP BY stock_code ORDER BY revenue DESC, stock_code LIMIT 10""",
]

SEGMENTS_SQL = f"""
WITH c AS (
  SELECT customer_id, ({LOCAL.replace("invoice_date", "max(invoice_date)")})::date AS last_day,
         count(DISTINCT invoice_no) AS f, sum(amount) AS m
  FROM {S} WHERE {WS} AND customer_id <> '' GROUP BY customer_id
), ref AS (
  SELECT ({LOCAL.replace("invoice_date", "max(invoice_date)")})::date + 1 AS d FROM {S} WHERE {WS}
), r AS (
  SELECT c.*, ref.d - c.last_day AS recency FROM c, ref
), ranked AS (
  -- percentile rank with ties at their average rank, as pandas' rank(method="average", pct=True)
  SELECT *, count(*) OVER () AS n,
         (2 * rank() OVER (ORDER BY recency DESC) + count(*) OVER (PARTITION BY recency) - 1) / 2.0 AS rr,
         (2 * rank() OVER (ORDER BY f) + count(*) OVER (PARTITION BY f) - 1) / 2.0 AS fr,
         (2 * rank() OVER (ORDER BY m) + count(*) OVER (PARTITION BY m) - 1) / 2.0 AS mr
  FROM r
), scored AS (
  SELECT *, greatest(1, least(5, ceil(5 * rr / n)))::int AS rs,
         (greatest(1, least(5, ceil(5 * fr / n)))::int + greatest(1, least(5, ceil(5 * mr / n)))::int + 1) / 2 AS fm
  FROM ranked
), named AS (
  SELECT *, CASE WHEN rs >= 4 AND fm >= 4 THEN 'Champions' WHEN rs >= 3 AND fm >= 3 THEN 'Loyal'
                 WHEN rs = 5 AND fm = 1 THEN 'New' WHEN rs >= 3 THEN 'Potential' WHEN fm = 5 THEN 'Can''t lose'
                 WHEN fm >= 3 THEN 'At risk' WHEN rs = 2 THEN 'Hibernating' ELSE 'Lost' END AS segment
  FROM scored
)
SELECT segment, count(*), sum(m), sum(m) / sum(sum(m)) OVER (), avg(recency), avg(f)
FROM named GROUP BY segment"""

LTV_SQL = [
    f"""SELECT customer_id, max(invoice_date), min(invoice_date), count(DISTINCT invoice_no), sum(amount)
FROM {S} WHERE {WS} AND customer_id <> '' GROUP BY customer_id""",
    f"""SELECT customer_id, {LOCAL}::date AS day, sum(amount)
FROM {S} WHERE {WS} AND customer_id <> '' GROUP BY 1, 2""",
]

COHORTS_SQL = f"""
WITH cm AS (
  SELECT customer_id, date_trunc('month', {LOCAL}) AS month, sum(amount) AS revenue
  FROM {S} WHERE {WS} AND customer_id <> '' GROUP BY 1, 2
), f AS (
  SELECT *, min(month) OVER (PARTITION BY customer_id) AS cohort FROM cm
)
SELECT cohort, (extract(year FROM age(month, cohort)) * 12 + extract(month FROM age(month, cohort)))::int AS age,
       count(*) AS customers, sum(revenue),
       round(100.0 * count(*) / max(count(*)) OVER (PARTITION BY cohort), 2) AS retention_pct
FROM f GROUP BY 1, 2 ORDER BY 1, 2"""

MONTHLY_SQL = _series_sql("month")


def _pattern_sql(field: str, first: int, last: int) -> str:
    return f"""
SELECT g.k, coalesce(s.revenue, 0), coalesce(s.orders, 0), coalesce(s.units, 0),
       coalesce(s.revenue, 0) / nullif(sum(s.revenue) OVER (), 0)
FROM generate_series({first}, {last}) AS g(k)
LEFT JOIN (
  SELECT extract({field} FROM {LOCAL})::int AS k, sum(amount) AS revenue, count(DISTINCT invoice_no) AS orders,
         sum(quantity) AS units
  FROM {S} WHERE {WS} GROUP BY 1
) s ON s.k = g.k
ORDER BY g.k"""


FORECAST_SQL = [
    f"SELECT min(invoice_date), max(invoice_date) FROM {S} WHERE {WS}",
    f"SELECT {LOCAL}::date AS day, sum(amount) FROM {S} WHERE {WS} GROUP BY 1 ORDER BY 1",
]


@dataclass(frozen=True)
class Query:
    name: str
    url: str  # path + query string under /api/v1/ecommerce/
    sql: list[str]
    note: str = ""
    fits: str = ""  # the models the endpoint fits, when it does


QUERIES = [
    Query("kpis", "kpis?compare=previous", KPIS_SQL),
    Query("series day", "series?interval=day", [_series_sql("day")]),
    Query("series week", "series?interval=week", [_series_sql("week")]),
    Query("series month", "series?interval=month", [_series_sql("month")]),
    Query(
        "countries",
        "countries?order_by=revenue&limit=10",
        [
            f"""SELECT country, sum(amount) AS revenue, sum(quantity), count(DISTINCT invoice_no),
       count(DISTINCT customer_id) FILTER (WHERE customer_id <> ''), sum(amount) / count(DISTINCT invoice_no),
       sum(amount) / sum(sum(amount)) OVER ()
FROM {S} WHERE {WS} GROUP BY country ORDER BY revenue DESC, country LIMIT 10"""
        ],
    ),
    Query("country detail", "countries/United%20Kingdom", COUNTRY_SQL),
    Query(
        "transactions",
        "transactions?page_size=50",
        [
            f"SELECT count(*) FROM {S} WHERE {WS}",
            f"""SELECT id, invoice_no, stock_code, description, quantity, unit_price, amount, invoice_date, customer_id,
       country, is_product
FROM {S} WHERE {WS} ORDER BY invoice_date DESC, id DESC LIMIT 50""",
        ],
    ),
    Query(
        "customers/top",
        "customers/top?limit=10",
        [
            f"""SELECT customer_id, sum(amount) AS spent, count(DISTINCT invoice_no), min(invoice_date),
       max(invoice_date), max(country)
FROM {S} WHERE {WS} AND customer_id <> '' GROUP BY customer_id ORDER BY spent DESC, customer_id LIMIT 10"""
        ],
    ),
    Query("customers/segments", "customers/segments", [SEGMENTS_SQL]),
    Query(
        "customers/lifetime-value",
        "customers/lifetime-value",
        LTV_SQL,
        "SQL = data reduction only; uncached HTTP reduces the data again and applies the stored fit",
        fits="BG/NBD + Gamma-Gamma ×2",
    ),
    Query("customers/cohorts", "customers/cohorts", [COHORTS_SQL]),
    Query(
        "products/top",
        "products/top?order_by=revenue&limit=10",
        [
            f"""SELECT stock_code, max(description), sum(amount) AS revenue, sum(quantity), count(DISTINCT invoice_no)
FROM {S} WHERE {WS} AND is_product GROUP BY stock_code ORDER BY revenue DESC, stock_code LIMIT 10"""
        ],
    ),
    Query("revenue/monthly", "revenue/monthly", [MONTHLY_SQL]),
    Query("revenue/growth", "revenue/growth", [MONTHLY_SQL]),
    Query("revenue/by-hour", "revenue/by-hour", [_pattern_sql("hour", 0, 23)]),
    Query("revenue/by-weekday", "revenue/by-weekday", [_pattern_sql("isodow", 1, 7)]),
    Query(
        "forecast",
        "forecast?periods=30",
        FORECAST_SQL,
        "SQL = daily series only; uncached HTTP reads the series again and the stored fit",
        fits="ETS ×10 (fit + backtest + holdout)",
    ),
]


def _median_ms(fn, repeat: int) -> float:
    return medians_ms([fn], repeat)[0]


def medians_ms(fns, repeat: int) -> list[float]:
    """The median time of each function, called in turn ``repeat`` times: alternating keeps a
    shared machine's load swings from favouring whichever would have run first."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, samples in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
    return [statistics.median(samples) for samples in times]


def http_get(base_url: str, token: str, slug: str, url: str, accept: str = "application/json") -> bytes:
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/api/v1/ecommerce/{url}",
        headers={"Authorization": f"Bearer {token}", "X-Workspace": slug, "Accept": accept},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
        return body


def _fit_source(body: bytes) -> str | None:
    """``fit.source`` of a forecast answer (None for endpoints that do not say)."""
    fit = json.loads(body).get("fit")
    return fit.get("source") if isinstance(fit, dict) else None


def _row(kind: str, name: str, url: str, sql_ms: float, ms: float, cached_ms: float | None, note: str) -> dict:
    ratio = ms / sql_ms if sql_ms else float("inf")
    return {
        "kind": kind,
        "endpoint": name,
        "url": url,
        "sql_ms": round(sql_ms, 1),
        "uncached_ms": round(ms, 1),
        "ratio": round(ratio, 2),
        "cached_ms": round(cached_ms, 1) if cached_ms is not None else None,
        "meets_goal": ratio <= 1.5 if kind == "endpoint" else None,
        "note": note,
    }


def run(
    base_url: str,
    token: str,
    workspace_slug: str,
    dsn: str,
    workspace_id: int,
    *,
    repeat: int = 3,
    cached_repeat: int = 5,
    fit_timers: dict[str, Callable[[], object]] | None = None,
) -> list[dict]:
    """Time every endpoint uncached and cached through HTTP against its SQL; print the table and
    return its rows (``kind`` ``endpoint`` for the goal; ``first request`` and ``fit`` for the
    cost of fitting, where ``fit_timers`` maps an endpoint's name to a call that fits its models).

    The workspace must have nothing cached or stored yet (a fresh import without a worker), so
    that the first request of a fitting endpoint fits."""
    import psycopg

    fit_timers = fit_timers or {}
    results = []
    with psycopg.connect(dsn, autocommit=True) as connection:
        tz = connection.execute("SELECT timezone FROM accounts_workspace WHERE id = %s", [workspace_id]).fetchone()[0]
        params = {"ws": workspace_id, "tz": tz}

        def run_sql(statements):
            for statement in statements:
                connection.execute(statement, params).fetchall()

        def get(url: str) -> bytes:
            return http_get(base_url, token, workspace_slug, url)

        for query in QUERIES:
            separator = "&" if "?" in query.url else "?"
            refresh_url = f"{query.url}{separator}refresh=1"

            def sql(q=query):
                run_sql(q.sql)

            def uncached(url=refresh_url, fits=bool(query.fits)):
                body = get(url)
                if fits and _fit_source(body) not in (None, "stored"):
                    raise RuntimeError(f"{url}: refitted although a fit of the same data was stored")

            # One untimed call of each first: the buffer cache, and the worker's first use of
            # the code path (its imports). For a fitting endpoint that call is the first
            # request, timed on its own line: nothing is stored yet, so it fits.
            sql()
            first = []
            if query.fits:
                started = time.perf_counter()
                source = _fit_source(get(query.url))
                first_ms = (time.perf_counter() - started) * 1000
                what = "fits on the request" if source in (None, "request") else "a fit was already stored"
                first.append(("first request", "  first request, nothing stored", query.url, first_ms, what))
                timer = fit_timers.get(query.name)
                if timer is not None:
                    fit_ms = _median_ms(timer, repeat)
                    first.append(("fit", f"  fit alone: {query.fits}", "", fit_ms, "what the warming task fits"))
            else:
                uncached()
            sql_ms, uncached_ms = medians_ms([sql, uncached], repeat)
            get(query.url)
            cached_ms = _median_ms(lambda q=query: get(q.url), cached_repeat)
            results.append(_row("endpoint", query.name, query.url, sql_ms, uncached_ms, cached_ms, query.note))
            results.extend(_row(kind, name, url, sql_ms, ms, None, note) for kind, name, url, ms, note in first)
    _print(results)
    return results


def _print(results: list[dict]) -> None:
    width = max(26, *(len(row["endpoint"]) + 2 for row in results))
    header = f"{'endpoint':<{width}}{'SQL ms':>10}{'HTTP uncached':>15}{'ratio':>8}{'HTTP cached':>13}  goal ≤1.5×"
    print(header)
    print("-" * len(header))
    for row in results:
        goal = {True: "yes", False: "NO", None: "-"}[row["meets_goal"]]
        cached_ms = f"{row['cached_ms']:>13.1f}" if row["cached_ms"] is not None else f"{'-':>13}"
        print(
            f"{row['endpoint']:<{width}}{row['sql_ms']:>10.1f}{row['uncached_ms']:>15.1f}{row['ratio']:>8.2f}"
            f"{cached_ms}  {goal}{'  (' + row['note'] + ')' if row['note'] else ''}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True, help="access token of a staff member of the workspace")
    parser.add_argument("--workspace", required=True, help="workspace slug")
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--workspace-id", type=int, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args()
    rows = run(args.base_url, args.token, args.workspace, args.dsn, args.workspace_id, repeat=args.repeat)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
