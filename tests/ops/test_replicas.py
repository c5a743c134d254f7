"""Analytics reads off a real streaming replica (config.replicas).

A private primary cluster and a hot standby made from it with ``pg_basebackup -R``, each on a
port of its own; Pulse's migrations run on the primary and reach the standby by replication.
A Pulse process (tests/ops/replica_probe.py) serves requests against both and tells on which
alias each request read the stores table; a standby cannot diverge from its primary, so the
alias (and ``pg_is_in_recovery()`` on its connection) is what shows where a read went, and a
paused replay is what makes the standby's answer differ.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest

from tests.ops.servers import ROOT, PrivatePrimary, PrivateReplica, manage, once_per_suite, pulse_env, wait_for

pytestmark = [pytest.mark.slow, once_per_suite]

CHECK_SECONDS = 0.5
STICKY_SECONDS = 2
OWNER, VIEWER = "owner@acme.test", "viewer@acme.test"
STORES = "/api/v1/sales/stores/"


@pytest.fixture(scope="module")
def primary():
    server = PrivatePrimary()
    server.init()
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def replica(primary):
    env = pulse_env(database_url=primary.url, redis_url="")
    manage(env, "migrate", "--noinput")
    script = (
        "from accounts.models import User; from accounts import services;"
        "u = User.objects.create_user(email='" + OWNER + "', password='x-replica-1', is_verified=True);"
        "w = services.workspace_create(owner=u, name='Acme', slug='acme', timezone='UTC', currency='EUR');"
        "v = User.objects.create_user(email='" + VIEWER + "', password='x-replica-1', is_verified=True);"
        "w.memberships.create(user=v, role='viewer')"
    )
    manage(env, "shell", "-c", script)
    server = PrivateReplica(primary)
    try:  # a failed base backup leaves a directory to remove too
        server.init()
        yield server
    finally:
        server.destroy()


class Probe:
    def __init__(self, env: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ops.replica_probe"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, **command: object) -> object:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith("PROBE "):
                answer = json.loads(line.removeprefix("PROBE "))
                assert answer["ok"], answer["error"]
                return answer["value"]
        raise RuntimeError("the probe ended")

    def get(self, user: str, path: str = STORES) -> dict:
        return self.send(op="request", user=user, method="GET", path=path)  # type: ignore[return-value]

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(20)


@pytest.fixture(scope="module")
def probe(primary, replica):
    env = pulse_env(
        database_url=primary.url,
        redis_url="",
        ALLOWED_HOSTS="testserver",
        DATABASE_REPLICA_URLS=replica.url,
        DATABASE_REPLICA_CHECK_SECONDS=str(CHECK_SECONDS),
        DATABASE_REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
        DATABASE_REPLICA_MAX_LAG_SECONDS="300",
    )
    process = Probe(env)
    yield process
    process.stop()


@pytest.fixture
def caught_up(primary, replica, probe):
    """Each test starts with the standby replaying and level with the primary, no user sticky,
    and the standby checked anew."""
    replica.resume_replay()
    lsn = primary.psql("SELECT pg_current_wal_lsn()")
    wait_for(lambda: replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'") == "t", timeout=30, what="replay")
    probe.send(op="set", name="DATABASE_REPLICA_MAX_LAG_SECONDS", value=300)
    time.sleep(max(STICKY_SECONDS, CHECK_SECONDS) + 0.2)
    yield
    replica.resume_replay()


def _names(answer: dict) -> list[str]:
    return sorted(store["name"] for store in answer["body"]["results"])


def _create_store(probe: Probe, name: str) -> None:
    answer = probe.send(op="request", user=OWNER, method="POST", path=STORES, data={"name": name, "city": "Lyon"})
    assert answer["status"] == 201, answer
    assert answer["aliases"] == ["default"]


def test_reads_go_to_the_replica_whose_connection_is_in_recovery(probe, caught_up):
    answer = probe.get(VIEWER)

    assert answer["status"] == 200
    assert answer["aliases"] == ["replica_0"]
    # Who may read what (the membership) comes from the primary, in the same request.
    members = probe.send(op="request", user=VIEWER, method="GET", path=STORES, table="accounts_membership")
    assert members["aliases"] == ["default"]
    assert probe.send(op="in_recovery", alias="replica_0") is True
    assert probe.send(op="in_recovery", alias="default") is False


def test_tasks_transactions_and_the_rest_of_a_request_that_wrote_read_the_primary(probe, caught_up):
    routes = probe.send(op="route")

    assert routes == {
        "task": "default",
        "request": "replica_0",
        "transaction": "default",
        "after a write": "default",
    }


def test_api_metrics_written_in_sql_are_read_off_the_replica_too(probe, caught_up):
    project = {"name": "Shop API", "key": "shop-api"}
    created = probe.send(op="request", user=OWNER, method="POST", path="/api/v1/projects/", data=project)
    assert created["status"] == 201, created
    path = "/api/v1/projects/shop-api/metrics/summary"
    wait_for(lambda: probe.get(VIEWER, path)["status"] == 200, timeout=20, what="the project on the replica")

    answer = probe.send(op="request", user=VIEWER, method="GET", path=path, table="apimetrics_")

    assert (answer["status"], answer["aliases"]) == (200, ["replica_0"])


def test_a_read_after_ones_own_write_sees_it_until_the_sticky_bound(probe, replica, caught_up):
    replica.pause_replay()  # the standby cannot hold what comes next
    _create_store(probe, "Paused Lyon")

    mine, theirs = probe.get(OWNER), probe.get(VIEWER)

    assert (mine["aliases"], "Paused Lyon" in _names(mine)) == (["default"], True)
    assert (theirs["aliases"], "Paused Lyon" in _names(theirs)) == (["replica_0"], False)
    time.sleep(STICKY_SECONDS + 0.2)
    later = probe.get(OWNER)
    assert (later["aliases"], "Paused Lyon" in _names(later)) == (["replica_0"], False)


def test_a_replica_lagging_beyond_the_bound_sends_reads_to_the_primary(probe, replica, caught_up):
    probe.send(op="set", name="DATABASE_REPLICA_MAX_LAG_SECONDS", value=1)
    replica.pause_replay()
    _create_store(probe, "Lagging Lyon")
    time.sleep(1 + CHECK_SECONDS + 0.2)

    answer = probe.get(VIEWER)

    assert (answer["status"], answer["aliases"], "Lagging Lyon" in _names(answer)) == (200, ["default"], True)
    replica.resume_replay()
    back = wait_for(lambda: (a := probe.get(VIEWER))["aliases"] == ["replica_0"] and a, timeout=20, what="replica")
    assert "Lagging Lyon" in _names(back)


def test_data_as_of_is_the_replicas_not_the_clocks(probe, replica, caught_up):
    replica.pause_replay()
    time.sleep(0.2)
    written_at = dt.datetime.now(dt.UTC)
    _create_store(probe, "Stale Lyon")  # a commit the standby has not replayed
    time.sleep(CHECK_SECONDS + 0.2)

    path = "/api/v1/sales/summary"
    answer = probe.send(op="request", user=VIEWER, method="GET", path=path, table="sales_salesrecord")

    assert (answer["status"], answer["aliases"]) == (200, ["replica_0"])
    # Computed now, but from a standby that holds nothing written since the pause: it says so.
    assert dt.datetime.fromisoformat(answer["body"]["data_as_of"]) < written_at


def test_a_stopped_replica_sends_reads_to_the_primary_until_it_is_back(probe, replica, caught_up):
    assert probe.get(VIEWER)["aliases"] == ["replica_0"]
    replica.stop()
    try:
        answer = probe.get(VIEWER)  # within the check's interval: its connection fails first
        time.sleep(CHECK_SECONDS + 0.2)
        again = probe.get(VIEWER)  # checked again: refused
    finally:
        replica.start()

    assert (answer["status"], answer["aliases"]) == (200, ["default"])
    assert (again["status"], again["aliases"]) == (200, ["default"])
    wait_for(lambda: probe.get(VIEWER)["aliases"] == ["replica_0"], timeout=20, what="replica back")
