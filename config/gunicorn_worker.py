"""gunicorn's sync worker, answering the errors gunicorn raises itself in Pulse's JSON error shape
under ``/api/``.

A request line longer than ``limit_request_line`` (or headers past gunicorn's limits) is refused
by gunicorn before Django sees the request, with an HTML page. By then gunicorn has parsed
nothing: it does not know the path. So the worker peeks at the first bytes of each connection
(without consuming them: the parser reads them as usual) and, when gunicorn refuses the request,
answers an ``/api/`` one with ``{"error": {"code", "message", "fields"}}``, anything else as
gunicorn does. Over TLS terminated by gunicorn itself the bytes are encrypted: gunicorn's answer
then stands (Pulse's TLS ends at the reverse proxy).

This module must not import Django: gunicorn's master loads it before any worker loads Pulse.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket

from gunicorn import util
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker

_API_REQUEST = re.compile(rb"[A-Z]+ /api/")
# (status, reason, code, message): the shape of config.exceptions.error_body.
_ANSWERS = {
    LimitRequestLine: (414, "URI Too Long", "uri_too_long", "The request line is longer than {limit} bytes."),
    LimitRequestHeaders: (
        431,
        "Request Header Fields Too Large",
        "headers_too_large",
        "The request headers are too many or too large.",
    ),
}


def json_error(status: int, reason: str, code: str, message: str) -> bytes:
    """A whole HTTP response carrying the API's error shape."""
    body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class PulseSyncWorker(SyncWorker):
    """gunicorn's sync worker (one connection at a time), with :func:`json_error` answers."""

    _head = b""

    def handle(self, listener: socket.socket, client: socket.socket, addr: object) -> None:
        self._head = b""
        if not self.cfg.is_ssl:
            with contextlib.suppress(OSError):  # gone already: the parser will find out and say so
                self._head = client.recv(64, socket.MSG_PEEK)
        super().handle(listener, client, addr)

    def handle_error(self, req: object, client: socket.socket, addr: object, exc: BaseException) -> None:
        answer = _ANSWERS.get(type(exc))
        if req is not None or answer is None or not _API_REQUEST.match(self._head):
            super().handle_error(req, client, addr, exc)
            return
        status, reason, code, message = answer
        # No client address in the line, as everything Pulse logs.
        self.log.warning("Refused an API request: %s", exc)
        text = message.format(limit=self.cfg.limit_request_line)
        try:
            util.write_nonblock(client, json_error(status, reason, code, text))
        except Exception:  # the client left: nothing to answer
            self.log.debug("Failed to send error message.")
