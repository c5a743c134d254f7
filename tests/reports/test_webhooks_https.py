"""Webhooks over HTTPS, to a real TLS receiver on loopback whose certificate a test CA signs
(made here with ``openssl``): the signed body arrives when the process trusts that CA
(``SSL_CERT_FILE``, as a deployment with its own CA sets it); an untrusted certificate, or one
for another host, fails every attempt with its error; a private address stays refused for
HTTPS, when the webhook is made and at delivery (DNS rebinding)."""

import http.server
import ssl
import subprocess
import threading

import pytest

from config.errors import Invalid
from reports import webhooks
from reports.models import WebhookDelivery
from tests.reports.conftest import NOW, Receiver, make_rule
from tests.reports.test_webhooks import _hook, _round, _verified

HOST = "hooks.example.com"
RETRIES = 7  # every attempt the delivery task makes (tests/reports/test_webhooks.py)
UNTRUSTED = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: S603, S607 (fixed arguments)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A test CA (``ca.pem``) and the receiver's key and certificate for ``HOST`` and 127.0.0.1."""
    folder = tmp_path_factory.mktemp("tls")
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ca, ca_key, leaf, leaf_key, request = (
        str(folder / name) for name in ("ca.pem", "ca.key", "leaf.pem", "leaf.key", "leaf.csr")
    )
    _openssl("req", "-x509", *key, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Pulse test CA")
    _openssl("req", *key, "-keyout", leaf_key, "-out", request, "-subj", f"/CN={HOST}")
    (folder / "san.ext").write_text(f"subjectAltName=DNS:{HOST},IP:127.0.0.1\n")
    _openssl(
        "x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", leaf, "-days", "2",
        "-extfile", str(folder / "san.ext"),
    )  # fmt: skip
    return {"ca": ca, "cert": leaf, "key": leaf_key}


@pytest.fixture
def tls_receiver(certs):
    """The reports tests' receiver behind TLS; ``handshakes`` counts the connections it accepted."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs["cert"], certs["key"])
    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.received, server.failures = [], 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def trust_test_ca(monkeypatch, certs):
    monkeypatch.setenv("SSL_CERT_FILE", certs["ca"])


@pytest.fixture
def system_trust_only(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def local_dns(dns):
    """``HOST`` resolves to loopback (the receiver), allowed for these tests only."""
    dns[HOST] = "127.0.0.1"
    return dns


def test_https_delivery_arrives_signed_through_two_failures_when_the_ca_is_trusted(
    trust_test_ca, allow_private, local_dns, firing, workspace, tls_receiver, django_capture_on_commit_callbacks
):
    tls_receiver.failures = 2
    hook = _hook(workspace, f"https://{HOST}:{tls_receiver.server_port}/hooks/pulse?src=tls")
    make_rule(workspace, webhooks=[hook])
    _round(NOW, django_capture_on_commit_callbacks)
    assert len(tls_receiver.received) == 3  # two refusals, then the delivery
    assert {_verified(hook.secret, request) for request in tls_receiver.received} == {int(NOW.timestamp())}
    assert tls_receiver.received[2]["headers"]["Host"] == f"{HOST}:{tls_receiver.server_port}"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == (
        "delivered",
        3,
        204,
        "",
    )


def test_an_untrusted_certificate_fails_every_attempt_with_its_error(
    system_trust_only, allow_private, local_dns, firing, workspace, tls_receiver, django_capture_on_commit_callbacks
):
    make_rule(workspace, webhooks=[_hook(workspace, f"https://{HOST}:{tls_receiver.server_port}/hook")])
    _round(NOW, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", RETRIES, None)
    assert delivery.error.startswith(UNTRUSTED)
    assert tls_receiver.received == []


def test_a_certificate_for_another_host_is_refused_even_from_a_trusted_ca(
    trust_test_ca, allow_private, local_dns, tls_receiver
):
    local_dns["other.example.com"] = "127.0.0.1"
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        webhooks.post(f"https://other.example.com:{tls_receiver.server_port}/hook", "whsec_test", {"ok": True})
    assert tls_receiver.received == []


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/hook", "https://localhost:8443/hook", "https://10.0.0.7/hook", "https://[::1]/hook"],
)
def test_private_https_urls_are_refused_when_made(workspace, url):
    with pytest.raises(Invalid) as refused:
        _hook(workspace, url)
    assert list(refused.value.fields) == ["url"]


def test_an_https_name_rebound_to_loopback_is_refused_at_delivery_before_any_connection(
    trust_test_ca, dns, firing, workspace, tls_receiver, django_capture_on_commit_callbacks
):
    dns[HOST] = "93.184.216.34"
    hook = _hook(workspace, f"https://{HOST}:{tls_receiver.server_port}/hook")
    make_rule(workspace, webhooks=[hook])
    dns[HOST] = "127.0.0.1"
    _round(NOW, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 1, None)
    assert delivery.error == "url: This URL points at a private, loopback or link-local address."
    assert tls_receiver.received == []
