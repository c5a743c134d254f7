"""Email verification: a signed, expiring token mailed at registration."""

import datetime as dt

import pytest
import time_machine
from django.core import signing

from accounts.services import VERIFY_EMAIL_SALT, email_verification_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    from tests.factories import UserFactory

    return UserFactory(email="new@acme.test", is_verified=False)


def test_a_valid_token_verifies_the_user(anon_api, newcomer):
    response = anon_api.post("/api/v1/auth/verify-email", {"token": email_verification_token(newcomer)}, format="json")
    assert response.status_code == 200
    assert response.json()["is_verified"] is True
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


def test_verifying_twice_is_harmless(anon_api, newcomer):
    token = email_verification_token(newcomer)
    for _ in range(2):
        assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code == 200


INVALID = {"error": {"code": "invalid", "message": "token: The token is invalid or has expired.",
                     "fields": {"token": ["The token is invalid or has expired."]}}}  # fmt: skip


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        signing.dumps({"uid": 1, "email": "new@acme.test"}, salt="another-salt"),
        signing.dumps({"nothing": True}, salt=VERIFY_EMAIL_SALT),
        signing.dumps("just a string", salt=VERIFY_EMAIL_SALT),
    ],
)
def test_a_bad_token_is_refused(anon_api, newcomer, token):
    response = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 400
    if token:
        assert response.json() == INVALID
    newcomer.refresh_from_db()
    assert newcomer.is_verified is False


def test_a_tampered_token_is_refused(anon_api, newcomer):
    token = email_verification_token(newcomer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert anon_api.post("/api/v1/auth/verify-email", {"token": tampered}, format="json").json() == INVALID


def test_a_token_for_a_changed_address_is_refused(anon_api, newcomer):
    token = email_verification_token(newcomer)
    newcomer.email = "changed@acme.test"
    newcomer.save()
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code == 400


def test_an_expired_token_is_refused(anon_api, newcomer, settings):
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        token = email_verification_token(newcomer)
    late = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 1)
    with time_machine.travel(late, tick=False):
        response = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json() == INVALID
    on_time = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE - 60)
    with time_machine.travel(on_time, tick=False):
        assert anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json").status_code == 200


def test_the_html_link_verifies_too(client, newcomer):
    response = client.get(f"/accounts/verify-email/?token={email_verification_token(newcomer)}", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "Your email address is confirmed." in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.is_verified is True


def test_the_html_link_with_a_bad_token_says_so(client, newcomer):
    response = client.get("/accounts/verify-email/?token=nope", follow=True)
    assert "This confirmation link is invalid or has expired." in response.content.decode()
