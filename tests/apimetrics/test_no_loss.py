"""Concurrent clients against a live server: every accepted event is stored and counted once."""

import contextlib
import datetime as dt
import json
import random
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from apimetrics import rollups
from apimetrics.models import MinuteRollup, RequestEvent
from config.periods import Period
from tests.apimetrics.factories import ProjectFactory, issue_key, metric

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CLIENTS, REQUESTS_PER_CLIENT = 6, 15


def post(url: str, key: str, body) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "X-API-Key": key}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 202
        return json.loads(response.read())["accepted"]


def test_concurrent_clients_lose_nothing(live_server, workspace):
    project = ProjectFactory(workspace=workspace, key="busy")
    _, secret = issue_key(project)
    url = f"{live_server.url}/api/v1/track"
    # The embedded SQLite test database is in memory, one connection shared by the live server's
    # threads, which cannot write concurrently: there the requests take turns. PostgreSQL runs
    # them truly in parallel.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def client(seed: int) -> int:
        rng = random.Random(seed)
        accepted = 0
        for i in range(REQUESTS_PER_CLIENT):
            size = rng.choice([1, 1, 3, 25, 60])
            events = [
                {
                    "method": rng.choice(["GET", "POST"]),
                    "path": f"/things/{rng.randint(1, 99)}",
                    "status_code": rng.choice([200, 201, 404, 500]),
                    "response_time_ms": rng.uniform(1, 900),
                    "consumer": f"client-{seed}",
                }
                for _ in range(size)
            ]
            with turns:
                accepted += post(url, secret, events if size > 1 or i % 2 else events[0])
        return accepted

    with ThreadPoolExecutor(CLIENTS) as pool:
        accepted = sum(pool.map(client, range(CLIENTS)))

    assert accepted > CLIENTS * REQUESTS_PER_CLIENT
    assert RequestEvent.objects.filter(project=project).count() == accepted
    rollups.rollup_project(project_id=project.pk, now=timezone.now() + dt.timedelta(minutes=2))
    assert sum(MinuteRollup.objects.filter(project=project, kind="e").values_list("requests", flat=True)) == accepted
    assert sum(MinuteRollup.objects.filter(project=project, kind="c").values_list("requests", flat=True)) == accepted
    summary = metric("summary", project, Period())
    assert summary["requests"] == accepted
    consumers = metric("consumers", project, Period())["consumers"]
    assert sorted(row["consumer"] for row in consumers) == [f"client-{n}" for n in range(CLIENTS)]
