"""Pulse's PostgreSQL backend (``config.db.postgresql``): the health check before a reused
connection's first query of a request costs no round trip while the connection is sound, and
still replaces a connection the server dropped; tracking's INSERT is prepared by the server."""

import select
import time

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from apimetrics import recording, tracking
from apimetrics.models import RequestEvent
from config.db.postgresql.base import DatabaseWrapper
from tests.apimetrics.factories import ProjectFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Pulse's own backend is the PostgreSQL one"),
]


def _server_view(pid: int) -> str:
    """The last statement the server saw on backend ``pid``, asked on a connection of its own."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _new_request() -> None:
    """What Django does when a request starts with a persistent connection."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_engine_is_pulses_own_with_health_checks_on():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.health_check_enabled


def test_a_sound_idle_connection_is_checked_without_a_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'last before the check'")
        pid = connection.connection.info.backend_pid

    _new_request()

    assert connection.connection is not None
    assert connection.health_check_done
    assert _server_view(pid) == "SELECT 'last before the check'"


def test_a_connection_the_server_dropped_is_replaced_before_the_first_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 5
    while not poller.poll(50) and time.monotonic() < deadline:
        pass  # the server's goodbye reaches the socket

    _new_request()

    assert connection.connection is None  # closed by the check, not by a failing query
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_in_a_transaction_takes_djangos_own_check():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.connection.execute("BEGIN")
    connection.connection.execute("SELECT 'inside'")
    pid = connection.connection.info.backend_pid
    try:
        _new_request()
        assert _server_view(pid) == "SELECT 1"  # Django's SELECT 1 went to the server
    finally:
        connection.connection.execute("ROLLBACK")


def _prepared_inserts() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO apimetrics_requestevent %%'"
        )
        return cursor.fetchone()[0]


def _track_six_events() -> None:
    project = ProjectFactory()
    now = timezone.now()
    row = tracking.clean_events(
        [{"method": "GET", "path": "/items/7", "status_code": 200, "response_time_ms": 12.5}], now
    )
    for _ in range(6):  # psycopg prepares a statement at its fifth run on a connection
        recording.events_record(project_id=project.pk, events=row, now=now)
    assert RequestEvent.objects.filter(project=project, endpoint="/items/{id}").count() == 6


def test_the_tracking_insert_is_prepared_by_the_server():
    connection.close()  # a new session: no statement prepared yet

    _track_six_events()

    assert _prepared_inserts() == 1


def test_nothing_is_prepared_with_prepared_statements_off():
    connection.close()
    options = connection.settings_dict["OPTIONS"]
    threshold, options["prepare_threshold"] = options["prepare_threshold"], None  # DB_PREPARED_STATEMENTS=0
    try:
        _track_six_events()
        assert _prepared_inserts() == 0
    finally:
        options["prepare_threshold"] = threshold
        connection.close()


def test_connections_run_without_the_jit():
    """A lookup by key on a table never analysed is estimated costly enough for the JIT, whose
    compilation would take longer than the query (DB_JIT=1 keeps the server's setting)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
