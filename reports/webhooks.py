"""Webhooks: where they may point, how a delivery is signed, and one delivery attempt.

A webhook's URL must resolve to public addresses only: never private, loopback, link-local or
otherwise reserved ones, or any workspace could make Pulse call its internal network. It is
checked when the webhook is made and again at each delivery, and the delivery connects to the
very address it checked, so a DNS answer changed in between (DNS rebinding) cannot redirect it.
``PULSE_WEBHOOKS_ALLOW_PRIVATE`` lifts the rule for development and tests.

Each POST carries ``X-Pulse-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 with the
webhook's secret of ``<t>.<body>``; a receiver recomputes it and refuses old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from config.errors import Invalid

SIGNATURE_HEADER = "X-Pulse-Signature"
TIMEOUT_S = 10
SECRET_PREFIX = "whsec_"  # noqa: S105 (a marker that tells the secret apart, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Pulse-Signature`` value of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def encode(payload: dict[str, Any]) -> bytes:
    """The body as sent (and signed): compact JSON with sorted keys."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> tuple[str, int, str]:
    """``(host, port, address)`` of ``url``: the address to connect to, public unless the
    setting allows private ones. Raises Invalid (on ``url``) for any other URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid.on("url", "Enter an http or https URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (ValueError, OSError, UnicodeError) as error:
        raise Invalid.on("url", "This host name does not resolve.") from error
    addresses = [str(info[4][0]) for info in found]
    if not settings.PULSE_WEBHOOKS_ALLOW_PRIVATE and not all(_is_public(address) for address in addresses):
        raise Invalid.on("url", "This URL points at a private, loopback or link-local address.")
    return parts.hostname, port, addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate verified for the URL's host name."""

    def __init__(self, host: str, port: int, address: str) -> None:
        super().__init__(host, port, timeout=TIMEOUT_S, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, secret: str, payload: dict[str, Any]) -> int:
    """POST ``payload`` signed to ``url``; returns the response's status. Raises Invalid when the
    URL no longer resolves to an allowed address, OSError when the endpoint cannot be reached."""
    host, port, address = resolve(url)
    parts = urlsplit(url)
    body = encode(payload)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(host, port, address)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_S)
    headers = {
        "Host": parts.netloc.rpartition("@")[2],
        "Content-Type": "application/json",
        "User-Agent": "Pulse-Webhooks/1",
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body, headers)
        return connection.getresponse().status
    finally:
        connection.close()
