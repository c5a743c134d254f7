"""Demo data: a monitored "Demo Shop API" with a key and three days of realistic traffic, rolled up."""

import datetime as dt
import math
import random

from django.db import connection, transaction
from django.utils import timezone

from apimetrics import keys, projects, rollups, sql
from apimetrics.models import Project, RequestEvent
from apimetrics.recording import EVENT_COLUMNS
from apimetrics.tracking import hash_ip

DAYS = 3
# (method, endpoint, path pattern, share of traffic, median ms, 4xx rate, 5xx rate)
ENDPOINTS = [
    ("GET", "/products", "/products", 0.30, 45, 0.005, 0.002),
    ("GET", "/products/{id}", "/products/{n}", 0.25, 30, 0.04, 0.002),
    ("GET", "/cart", "/cart", 0.12, 25, 0.01, 0.001),
    ("POST", "/cart/items", "/cart/items", 0.10, 60, 0.06, 0.004),
    ("POST", "/checkout", "/checkout", 0.05, 420, 0.03, 0.02),
    ("GET", "/orders/{id}", "/orders/{n}", 0.08, 80, 0.05, 0.003),
    ("POST", "/auth/login", "/auth/login", 0.06, 180, 0.12, 0.001),
    ("GET", "/search", "/search", 0.04, 250, 0.002, 0.01),
]
CONSUMERS = [("web-frontend", 0.5), ("ios-app", 0.22), ("android-app", 0.18), ("partner-feed", 0.07), ("", 0.03)]
AGENTS = ["Mozilla/5.0 (Macintosh)", "PulseShop/3.2 iOS", "PulseShop/3.1 Android", "python-requests/2.32"]


def _events(project: Project, now: dt.datetime, rng: random.Random) -> list[tuple]:
    start = (now - dt.timedelta(days=DAYS)).replace(second=0, microsecond=0)
    weights = [e[3] for e in ENDPOINTS]
    consumer_weights = [c[1] for c in CONSUMERS]
    ips = [f"198.51.100.{n}" for n in range(1, 60)]
    ip_hashes = {ip: hash_ip(ip) for ip in ips}
    events = []
    minute = start
    while minute < now - dt.timedelta(minutes=1):
        hour = minute.hour + minute.minute / 60
        # A daily curve: quiet at night (UTC), busy in the afternoon, with an incident on day 2.
        rate = 1 + 5 * max(0.0, math.sin((hour - 6) / 24 * 2 * math.pi))
        incident = (now - minute) < dt.timedelta(days=1, hours=6) and (now - minute) > dt.timedelta(days=1, hours=5)
        for _ in range(rng.randint(int(rate * 0.7), int(rate * 1.3) + 1)):
            method, endpoint, pattern, _, median, p4, p5 = rng.choices(ENDPOINTS, weights)[0]
            p5 = p5 * 12 if incident else p5
            roll = rng.random()
            status = (
                500 + rng.choice([0, 2, 3])
                if roll < p5
                else 400 + rng.choice([0, 1, 4, 4, 22])
                if roll < p5 + p4
                else 200
            )
            if status == 200 and method == "POST":
                status = 201
            elapsed = rng.lognormvariate(math.log(median * (3 if incident else 1)), 0.6)
            consumer = rng.choices(CONSUMERS, consumer_weights)[0][0]
            ip = rng.choice(ips)
            events.append(
                (
                    project.pk,
                    sql.param(minute + dt.timedelta(seconds=rng.random() * 60)),
                    method,
                    pattern.replace("{n}", str(rng.randint(1, 5000))),
                    endpoint,
                    status,
                    round(elapsed, 2),
                    ip_hashes[ip],
                    rng.choice(AGENTS),
                    consumer,
                )
            )
        minute += dt.timedelta(minutes=1)
    return events


def load(*, workspace, user, stdout) -> str:
    project = Project.objects.filter(workspace=workspace, key="demo-shop-api").first()
    if project is not None and RequestEvent.objects.filter(project=project).exists():
        rollups.rollup_project(project_id=project.pk)
        return f"project '{project.key}' already has its traffic (rolled up again)"
    if project is None:
        project = projects.project_create(
            workspace=workspace,
            name="Demo Shop API",
            key="demo-shop-api",
            timezone_name=workspace.timezone,
            apdex_threshold_ms=300,
        )
    issued = keys.api_key_create(project=project, name="Demo key", user=user)
    events = _events(project, timezone.now(), random.Random(2026))  # noqa: S311 - demo data, not secrets
    columns = ", ".join(("project_id", *EVENT_COLUMNS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {sql.EVENTS} ({columns}) VALUES ({', '.join(['%s'] * (len(EVENT_COLUMNS) + 1))})",  # noqa: S608
            events,
        )
    result = rollups.rollup_project(project_id=project.pk)
    # The secret goes to the terminal of `manage.py demo` only: the summary is also logged (a
    # user's sample workspace), and logs never carry secrets.
    if stdout is not None:
        stdout.write(f"  tracking key of '{project.key}' (shown once): {issued.secret}")
    return f"project '{project.key}': {len(events):,} requests over {DAYS} days, {result.minutes:,} minutes rolled up"
