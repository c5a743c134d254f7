"""Fixtures of the reports tests: daily sales built by hand, rules made by the service, and a
webhook receiver listening on loopback."""

import datetime as dt
import http.server
import json
import socket
import threading
from decimal import Decimal

import pytest
import time_machine

from reports import alert_services
from reports.models import AlertRule
from tests.sales.factories import SalesRecordFactory, StoreFactory

# Monday 9 March 2026, 08:00 UTC: "yesterday" is Sunday the 8th.
NOW = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)


def daily_sales(workspace, revenue_by_day: dict[dt.date, str], ad_spend: str = "10.00") -> None:
    """One record per day, in one store of ``workspace``."""
    store = StoreFactory(workspace=workspace)
    for day, revenue in revenue_by_day.items():
        SalesRecordFactory(store=store, date=day, revenue=Decimal(revenue), ad_spend=Decimal(ad_spend))


@pytest.fixture
def evaluate(django_capture_on_commit_callbacks):
    """``evaluate(at)``: one beat round at ``at``, with what it sends once committed."""

    def run(at: dt.datetime) -> int:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return alert_services.evaluate_due(now=at)

    return run


def make_rule(workspace, **fields) -> AlertRule:
    data = {
        "name": "Revenue watch",
        "insight": "sales.summary",
        "metric": "total_revenue",
        "filters": {},
        "condition": AlertRule.Condition.THRESHOLD,
        "direction": AlertRule.Direction.ABOVE,
        "threshold": Decimal("150"),
        "cadence_minutes": 5,
        **fields,
    }
    with time_machine.travel(NOW, tick=False):  # due at NOW
        return alert_services.rule_create(workspace=workspace, user=None, data=data)


@pytest.fixture
def allow_private(settings):
    settings.PULSE_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def firing(workspace):
    """Revenue of 200 on Sunday 8 March: above 150 at NOW, gone a day later."""
    daily_sales(workspace, {dt.date(2026, 3, 8): "200.00"})


@pytest.fixture
def dns(monkeypatch):
    """``dns["hooks.example.com"] = "1.2.3.4"``: what the resolver answers for a name."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers 500 to the first ``server.failures`` requests, then 204; keeps what it received."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"headers": dict(self.headers), "body": body})
        failing = len(self.server.received) <= self.server.failures
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A real HTTP endpoint on 127.0.0.1 (its ``url``; set ``failures`` to fail that many)."""
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    server.received, server.failures = [], 0
    server.url = f"http://127.0.0.1:{server.server_port}/hooks/pulse?src=test"
    server.bodies = lambda: [json.loads(item["body"]) for item in server.received]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
