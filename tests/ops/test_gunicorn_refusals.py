"""What gunicorn refuses before Django sees the request (a request line over
``limit_request_line``, headers past its limits) answers the API's JSON error shape under
``/api/``, through a real gunicorn with Pulse's config (config/gunicorn_worker.py)."""

import json
import socket

import pytest

from tests.ops.servers import Gunicorn, free_port, pulse_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    database = tmp_path_factory.mktemp("refusals") / "pulse.sqlite3"
    env = pulse_env(database_url=f"sqlite:///{database}", redis_url="")
    server = Gunicorn(env, free_port(8130), workers=1)
    yield server
    server.stop()


def _raw(web, request: bytes) -> tuple[int, dict[str, str], bytes]:
    port = int(web.base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def _get(path: str, extra_headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra_headers}\r\n".encode()


def test_an_api_request_line_over_the_limit_answers_414_in_the_error_shape(web):
    status, headers, body = _raw(web, _get("/api/v1/ecommerce/transactions?country=" + "x" * 5000))
    assert status == 414
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert json.loads(body) == {
        "error": {"code": "uri_too_long", "message": "The request line is longer than 4094 bytes.", "fields": {}}
    }


def test_api_headers_over_the_limit_answer_431_in_the_error_shape(web):
    status, headers, body = _raw(web, _get("/api/v1/users/me", f"X-Padding: {'y' * 9000}\r\n"))
    assert status == 431
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "headers_too_large"


def test_a_page_request_line_over_the_limit_keeps_gunicorns_answer(web):
    status, headers, body = _raw(web, _get("/sales/?date_from=" + "x" * 5000))
    assert status == 414
    assert headers["content-type"] == "text/html"
    assert b"URI Too Long" in body


def test_requests_within_the_limits_are_pulses_own(web):
    status, _, body = _raw(web, _get("/health/"))
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    status, _, body = _raw(web, _get("/api/v1/nothing?q=" + "z" * 3000))
    assert (status, json.loads(body)["error"]["code"]) == (404, "not_found")
