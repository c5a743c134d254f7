"""PostgreSQL as Pulse runs it: django-prometheus' counting backend, plus

* a health check that costs no round trip while the connection is sound. Django's check
  (``CONN_HEALTH_CHECKS``) sends ``SELECT 1`` before the first query of every request that
  reuses a connection; on a tracking request that is a third of its round trips. A connection
  that the server ended (a restart, ``pg_terminate_backend``, an idle timeout, a proxy closing
  it) leaves something on its socket, the server's last message or the end of the stream, so an
  idle connection with nothing to read takes no ``SELECT 1``. Anything else (data waiting, a
  transaction open, a poll error) takes Django's own check. A peer gone without a word (a host
  crash, a cut network) leaves nothing to read: the first query then waits for TCP to give up,
  as Django's ``SELECT 1`` would, and fails that one request instead of reconnecting (Django
  drops the connection at its end);
* :meth:`DatabaseWrapper.prepared_cursor`, for the few hot statements of a fixed shape.
"""

import select
from functools import cached_property

from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from django_prometheus.db.backends.postgresql import base
from django_prometheus.db.common import ExportingCursorWrapper
from psycopg import pq

_WAITING = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_done: bool  # Django's, set per connection

    def _quiet(self) -> bool:
        """Whether the connection is idle with nothing arrived on its socket since its last query."""
        try:
            if self.connection.info.transaction_status != pq.TransactionStatus.IDLE:
                return False
            poller = select.poll()
            poller.register(self.connection.fileno(), _WAITING)
            return not poller.poll(0)
        except Exception:  # closed, broken: Django's check decides
            return False

    def close_if_health_check_failed(self) -> None:
        if self.connection is not None and self.health_check_enabled and not self.health_check_done and self._quiet():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    @cached_property
    def _server_binding_cursor(self) -> ExportingCursorWrapper:
        return ExportingCursorWrapper(ServerBindingCursor, self.alias, self.vendor)

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor that binds its parameters on the server, so that psycopg prepares a statement
        that the connection runs again and again (from its ``prepare_threshold``-th run, see
        ``DB_PREPARED_STATEMENTS`` in settings) and the server no longer parses and plans it.
        Django's own cursors bind on the client and are never prepared, which suits every query
        the ORM writes; this one is for a few hot statements of a fixed shape."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor: CursorWrapper = self._prepare_cursor(self._server_binding_cursor(self.connection))
            return cursor
