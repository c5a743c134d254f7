"""Login, register and refresh are throttled per IP and per account: 429 with Retry-After.

Rates are the defaults (auth_ip 30/min, auth_account 10/min), counted in the cache."""

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

IP_RATE, ACCOUNT_RATE = 30, 10


def _client(ip: str) -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def _assert_throttled(response):
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("Request was throttled.")
    assert error["fields"] == {}
    assert 0 < int(response["Retry-After"]) <= 60


def test_login_is_throttled_per_account_from_any_ip(owner):
    for n in range(ACCOUNT_RATE):
        response = _client(f"10.0.0.{n}").post(
            "/api/v1/auth/login", {"email": owner.email, "password": "wrong"}, format="json"
        )
        assert response.status_code == 401
    # The right password from a fresh IP: still refused, the account is throttled.
    _assert_throttled(
        _client("10.0.1.1").post(
            "/api/v1/auth/login", {"email": owner.email.upper(), "password": PASSWORD}, format="json"
        )
    )
    # Another account is not affected.
    other = _client("10.0.1.2").post("/api/v1/auth/login", {"email": "x@acme.test", "password": "x"}, format="json")
    assert other.status_code == 401


def test_login_is_throttled_per_ip_across_accounts(db):
    client = _client("10.1.0.1")
    for n in range(IP_RATE):
        response = client.post("/api/v1/auth/login", {"email": f"u{n}@acme.test", "password": "x"}, format="json")
        assert response.status_code == 401
    _assert_throttled(client.post("/api/v1/auth/login", {"email": "fresh@acme.test", "password": "x"}, format="json"))
    # Another IP is not affected.
    assert (
        _client("10.1.0.2").post("/api/v1/auth/login", {"email": "a@b.co", "password": "x"}, format="json").status_code
        == 401
    )


def test_ipv6_clients_are_counted_per_64_network(db):
    """A client with an IPv6 /64 can take a new address for every request: the count is the
    network's, and another /64 has its own. An IPv4-mapped address counts as its IPv4 address."""
    for n in range(IP_RATE):
        response = _client(f"2001:db8:1:2::{n + 1:x}").post(
            "/api/v1/auth/login", {"email": f"v{n}@acme.test", "password": "x"}, format="json"
        )
        assert response.status_code == 401
    _assert_throttled(
        _client("2001:db8:1:2:ffff:ffff:ffff:fffe").post(
            "/api/v1/auth/login", {"email": "fresh@acme.test", "password": "x"}, format="json"
        )
    )
    other_network = _client("2001:db8:1:3::1").post(
        "/api/v1/auth/login", {"email": "fresh@acme.test", "password": "x"}, format="json"
    )
    assert other_network.status_code == 401
    for n in range(IP_RATE):
        _client("10.4.0.1" if n % 2 else "::ffff:10.4.0.1").post(
            "/api/v1/auth/login", {"email": f"m{n}@acme.test", "password": "x"}, format="json"
        )
    _assert_throttled(
        _client("10.4.0.1").post("/api/v1/auth/login", {"email": "last@acme.test", "password": "x"}, format="json")
    )


def test_throttle_window_passes(owner):
    with time_machine.travel("2026-01-05 12:00:00Z", tick=False) as traveller:
        for _ in range(ACCOUNT_RATE):
            _client("10.2.0.1").post("/api/v1/auth/login", {"email": owner.email, "password": "x"}, format="json")
        _assert_throttled(
            _client("10.2.0.2").post("/api/v1/auth/login", {"email": owner.email, "password": PASSWORD}, format="json")
        )
        traveller.shift(61)
        response = _client("10.2.0.3").post(
            "/api/v1/auth/login", {"email": owner.email, "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200


def test_register_is_throttled_per_ip(db):
    client = _client("10.3.0.1")
    for n in range(IP_RATE):
        client.post("/api/v1/auth/register", {"email": f"n{n}@acme.test", "password": "short"}, format="json")
    _assert_throttled(
        client.post("/api/v1/auth/register", {"email": "z@acme.test", "password": "a-long-enough-pass"}, format="json")
    )


def test_register_is_throttled_per_account(db):
    for n in range(ACCOUNT_RATE):
        _client(f"10.4.0.{n}").post(
            "/api/v1/auth/register", {"email": "same@acme.test", "password": "short"}, format="json"
        )
    _assert_throttled(
        _client("10.4.1.1").post(
            "/api/v1/auth/register", {"email": "same@acme.test", "password": "a-long-enough-pass"}, format="json"
        )
    )


def test_refresh_is_throttled_per_account(owner):
    token = str(RefreshToken.for_user(owner))
    for n in range(ACCOUNT_RATE):
        # Any genuine token of the same user counts for that user, whichever IP sends it.
        fresh = str(RefreshToken.for_user(owner)) if n else token
        response = _client(f"10.5.0.{n}").post("/api/v1/auth/refresh", {"refresh": fresh}, format="json")
        assert response.status_code == 200
    _assert_throttled(
        _client("10.5.1.1").post("/api/v1/auth/refresh", {"refresh": str(RefreshToken.for_user(owner))}, format="json")
    )


def test_refresh_is_throttled_per_ip(db):
    client = _client("10.6.0.1")
    for _ in range(IP_RATE):
        assert client.post("/api/v1/auth/refresh", {"refresh": "garbage"}, format="json").status_code == 401
    _assert_throttled(client.post("/api/v1/auth/refresh", {"refresh": "garbage"}, format="json"))


def test_a_forged_x_forwarded_for_does_not_escape_the_ip_throttle(db):
    client = _client("10.7.0.1")
    for n in range(IP_RATE):
        client.post("/api/v1/auth/refresh", {"refresh": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    _assert_throttled(
        client.post("/api/v1/auth/refresh", {"refresh": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.1")
    )
